package export

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/internal/testutil"
	"sigs.k8s.io/yaml"
)

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

// composeFile is the part of a docker-compose.yml that export writes.
type composeFile struct {
	Services map[string]struct {
		Image         string   `json:"image"`
		ContainerName string   `json:"container_name"`
		Command       []string `json:"command"`
		Ports         []string `json:"ports"`
		Volumes       []string `json:"volumes"`
	} `json:"services"`
	Volumes map[string]any `json:"volumes"`
}

// flagValues reads etcd's --name=value flags from a command.
func flagValues(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range args {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !ok {
			t.Fatalf("%q is not a --flag=value", a)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("--%s given twice", name)
		}
		out[name] = value
	}
	return out
}

func write(t *testing.T, f Format, c Cluster) string {
	t.Helper()
	var b strings.Builder
	if err := Write(&b, f, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lastLine returns the last line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestCompose reads the docker-compose.yml back as YAML and checks every
// service: the seed's shape (etcd1..etcdN, 2379 and 2380 inside, the
// initial-cluster flags), the lab's ports published on 127.0.0.1, a volume
// per member, and the attach line at the end.
func TestCompose(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Cluster
	}{
		{"the seed's 4 members", Cluster{Members: 4, BasePort: 2379, HeartbeatMs: 100, ElectionMs: 1000}},
		{"one member", Cluster{Members: 1, BasePort: 2379, HeartbeatMs: 100, ElectionMs: 1000}},
		{"5 members, slow, in a data dir", Cluster{Members: 5, BasePort: 12000, HeartbeatMs: 200, ElectionMs: 2000, DataDir: "lab"}},
		{"3 members over TLS", Cluster{Members: 3, BasePort: 2379, HeartbeatMs: 100, ElectionMs: 1000, TLS: true, DataDir: "/var/lib/lab"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			out := write(t, Compose, c)
			var f composeFile
			if err := yaml.UnmarshalStrict([]byte(out), &f); err != nil {
				t.Fatalf("not the YAML expected: %v\n%s", err, out)
			}
			if len(f.Services) != c.Members {
				t.Errorf("%d services, want %d", len(f.Services), c.Members)
			}
			scheme := map[bool]string{false: "http", true: "https"}[c.TLS]
			var initial, endpoints []string
			for i := 1; i <= c.Members; i++ {
				initial = append(initial, fmt.Sprintf("etcd%d=%s://etcd%d:2380", i, scheme, i))
				endpoints = append(endpoints, fmt.Sprintf("%s://127.0.0.1:%d", scheme, c.BasePort+2*(i-1)))
			}
			for i := 1; i <= c.Members; i++ {
				checkService(t, c, f, i, strings.Join(initial, ","), endpoints[i-1])
			}
			attach := "# etcdlab attach --endpoints " + strings.Join(endpoints, ",")
			if c.TLS {
				attach += " --cacert " + c.DataDir + "/tls/ca.crt"
			}
			if got := lastLine(out); got != attach {
				t.Errorf("last line %q, want %q", got, attach)
			}
			if c.TLS != strings.Contains(out, "# TLS: ") {
				t.Errorf("TLS %v, but the note on certificates is there: %v", c.TLS, !c.TLS)
			}
		})
	}
}

// checkService checks service etcdI of a compose file written for c.
func checkService(t *testing.T, c Cluster, f composeFile, i int, initial, endpoint string) {
	t.Helper()
	scheme := map[bool]string{false: "http", true: "https"}[c.TLS]
	n := fmt.Sprintf("etcd%d", i)
	s, ok := f.Services[n]
	if !ok {
		t.Fatalf("no service %s", n)
	}
	if s.Image != "gcr.io/etcd-development/etcd:v3.7.3" || s.ContainerName != n {
		t.Errorf("%s: image %q, container_name %q", n, s.Image, s.ContainerName)
	}
	if len(s.Command) == 0 || s.Command[0] != "/usr/local/bin/etcd" {
		t.Fatalf("%s: command %q does not start etcd", n, s.Command)
	}
	want := map[string]string{
		"name":                        n,
		"data-dir":                    "/etcd-data",
		"listen-client-urls":          scheme + "://0.0.0.0:2379",
		"advertise-client-urls":       endpoint + "," + scheme + "://" + n + ":2379",
		"listen-peer-urls":            scheme + "://0.0.0.0:2380",
		"initial-advertise-peer-urls": scheme + "://" + n + ":2380",
		"initial-cluster-token":       "etcd-cluster",
		"initial-cluster":             initial,
		"initial-cluster-state":       "new",
		"heartbeat-interval":          fmt.Sprint(c.HeartbeatMs),
		"election-timeout":            fmt.Sprint(c.ElectionMs),
	}
	volumes := []string{n + "-data:/etcd-data"}
	if c.DataDir != "" {
		volumes = []string{bindSource(c.DataDir+"/"+n) + ":/etcd-data"}
	}
	if c.TLS {
		for k, v := range map[string]string{"cert-file": "server.crt", "key-file": "server.key", "peer-cert-file": "server.crt",
			"peer-key-file": "server.key", "peer-trusted-ca-file": "ca.crt"} {
			want[k] = "/etc/etcd/tls/" + v
		}
		volumes = append(volumes, c.DataDir+"/tls:/etc/etcd/tls:ro")
	}
	if got := flagValues(t, s.Command[1:]); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: flags\n got %v\nwant %v", n, got, want)
	}
	ports := []string{fmt.Sprintf("127.0.0.1:%d:2379", c.BasePort+2*(i-1)), fmt.Sprintf("127.0.0.1:%d:2380", c.BasePort+2*(i-1)+1)}
	if !reflect.DeepEqual(s.Ports, ports) {
		t.Errorf("%s: ports %q, want %q", n, s.Ports, ports)
	}
	if !reflect.DeepEqual(s.Volumes, volumes) {
		t.Errorf("%s: volumes %q, want %q", n, s.Volumes, volumes)
	}
	if _, ok := f.Volumes[n+"-data"]; ok != (c.DataDir == "") {
		t.Errorf("%s: named volume %s-data declared: %v, want %v", n, n, ok, c.DataDir == "")
	}
}

// TestProcfile checks the Procfile's shape: goreman's NAME: command lines,
// members on 127.0.0.1 with the lab's ports, and the attach line.
func TestProcfile(t *testing.T) {
	c := Cluster{Members: 3, BasePort: 29500, HeartbeatMs: 50, ElectionMs: 500, DataDir: "/srv/my lab"}
	out := write(t, Procfile, c)
	var procs []string
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, cmd, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("line %q is not NAME: command", l)
		}
		procs = append(procs, name)
		i := len(procs)
		for _, want := range []string{
			"etcd --name " + name + " ",
			fmt.Sprintf("--data-dir '/srv/my lab/etcd%d' ", i),
			fmt.Sprintf("--listen-client-urls http://127.0.0.1:%d --advertise-client-urls http://127.0.0.1:%[1]d ", 29500+2*(i-1)),
			fmt.Sprintf("--listen-peer-urls http://127.0.0.1:%d --initial-advertise-peer-urls http://127.0.0.1:%[1]d ", 29501+2*(i-1)),
			"--initial-cluster-token etcd-cluster --initial-cluster etcd1=http://127.0.0.1:29501,etcd2=http://127.0.0.1:29503,etcd3=http://127.0.0.1:29505 --initial-cluster-state new",
			"--heartbeat-interval 50 --election-timeout 500",
		} {
			if !strings.Contains(cmd, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, cmd)
			}
		}
	}
	if want := []string{"etcd1", "etcd2", "etcd3"}; !reflect.DeepEqual(procs, want) {
		t.Errorf("processes %q, want %q", procs, want)
	}
	if got, want := lastLine(out), "# etcdlab attach --endpoints http://127.0.0.1:29500,http://127.0.0.1:29502,http://127.0.0.1:29504"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
}

// TestCommands checks one command per machine: each member listens on its
// host (an IP on it and loopback, a name on every address), the same ports
// everywhere, and the attach line lists every host.
func TestCommands(t *testing.T) {
	c := Cluster{Members: 3, BasePort: 2379, HeartbeatMs: 100, ElectionMs: 1000,
		Hosts: []string{"192.168.0.156", "127.0.0.2", "infra2.example.com"}}
	out := write(t, Commands, c)
	for _, want := range []string{
		"# on 192.168.0.156\netcd \\\n  --name etcd1 \\\n",
		"  --listen-client-urls http://192.168.0.156:2379,http://127.0.0.1:2379 \\\n  --advertise-client-urls http://192.168.0.156:2379 \\\n  --listen-peer-urls http://192.168.0.156:2380 \\\n",
		"  --listen-client-urls http://127.0.0.2:2379 \\\n  --advertise-client-urls http://127.0.0.2:2379 \\\n",
		"  --listen-client-urls http://0.0.0.0:2379 \\\n  --advertise-client-urls http://infra2.example.com:2379 \\\n  --listen-peer-urls http://0.0.0.0:2380 \\\n  --initial-advertise-peer-urls http://infra2.example.com:2380 \\\n",
		"  --initial-cluster etcd1=http://192.168.0.156:2380,etcd2=http://127.0.0.2:2380,etcd3=http://infra2.example.com:2380 \\\n",
		"  --election-timeout 1000\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("commands lack %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\netcd \\\n") != 3 {
		t.Errorf("want 3 commands:\n%s", out)
	}
	if got, want := lastLine(out), "# etcdlab attach --endpoints http://192.168.0.156:2379,http://127.0.0.2:2379,http://infra2.example.com:2379"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
}

// TestCheck covers the clusters export refuses to write.
func TestCheck(t *testing.T) {
	ok := Cluster{Members: 3, BasePort: 2379, HeartbeatMs: 100, ElectionMs: 1000}
	for _, tc := range []struct {
		name string
		f    Format
		edit func(*Cluster)
		want string
	}{
		{"unknown format", "helm", func(*Cluster) {}, `unknown format "helm"`},
		{"10 members", Compose, func(c *Cluster) { c.Members = 10 }, "10 members is out of range"},
		{"base port 80", Procfile, func(c *Cluster) { c.BasePort = 80 }, "base port 80 is out of range"},
		{"election under 5 heartbeats", Procfile, func(c *Cluster) { c.ElectionMs = 400 }, "an election timeout of 400 ms"},
		{"no hosts", Commands, func(*Cluster) {}, "3 members need 3 hosts, one per member; got 0"},
		{"a host twice", Commands, func(c *Cluster) { c.Hosts = []string{"a", "b", "a"} }, "host a is given twice"},
		{"a URL for a host", Commands, func(c *Cluster) { c.Hosts = []string{"a", "b", "http://c"} }, `host "http://c" is not an address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			var b strings.Builder
			err := Write(&b, tc.f, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Write: %v, want %q", err, tc.want)
			}
			if b.Len() > 0 {
				t.Errorf("wrote %q despite the error", b.String())
			}
		})
	}
	c := ok
	c.Hosts = []string{"10.0.0.1", "fd00::2", "etcd3.example.com"}
	if err := c.Check(Commands); err != nil {
		t.Errorf("IPv4, IPv6 and a name: %v", err)
	}
}
