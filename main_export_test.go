package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// errPortsTaken says a port block is held by another process.
var errPortsTaken = errors.New("ports taken")

// checkFree returns errPortsTaken unless every port from base to
// base+2n-1 can be bound on host.
func checkFree(host string, base, n int) error {
	for p := base; p < base+2*n; p++ {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			return fmt.Errorf("%w: %v", errPortsTaken, err)
		}
		l.Close()
	}
	return nil
}

// startEtcds runs each shell command with the etcd built from this module
// first on PATH, as goreman or a person would, and stops them when the
// test ends. Their output goes to one log, shown if the test fails.
func startEtcds(t *testing.T, cmds []string) {
	t.Helper()
	bin := testutil.EtcdServer(t)
	if filepath.Base(bin) != "etcd" {
		t.Fatalf("the etcd server is built as %s, not etcd: the exported commands would not find it", bin)
	}
	path := filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")
	logPath := filepath.Join(t.TempDir(), "etcd.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, line := range cmds {
		cmd := exec.Command("sh", "-c", "exec "+line)
		cmd.Env = append(os.Environ(), "PATH="+path)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	t.Cleanup(func() {
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			t.Logf("etcd's output (end):\n%s", b)
		}
	})
}

// procfileCommands returns the command of each NAME: line of a Procfile.
func procfileCommands(t *testing.T, procfile string) []string {
	t.Helper()
	var cmds []string
	for _, l := range strings.Split(procfile, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		_, cmd, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("Procfile line %q is not NAME: command", l)
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

var attachLine = regexp.MustCompile(`(?m)^# etcdlab attach --endpoints (\S+)(?: --cacert \S+)?$`)

// exported runs etcdlab export with args and returns what it wrote and the
// endpoints of its attach line.
func exported(t *testing.T, args ...string) (string, []string) {
	t.Helper()
	code, out, stderr := runMode(t, append([]string{"export"}, args...)...)
	if code != exitOK || stderr != "" {
		t.Fatalf("export %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	m := attachLine.FindStringSubmatch(out)
	if m == nil || !strings.HasSuffix(strings.TrimSpace(out), m[0]) {
		t.Fatalf("export %s does not end with an etcdlab attach line:\n%s", strings.Join(args, " "), out)
	}
	return out, strings.Split(m[1], ",")
}

// waitFormed waits until every endpoint answers cli with the same leader
// and the member list names want, and returns the leader's name.
func waitFormed(t *testing.T, cli *clientv3.Client, endpoints []string, want []string) string {
	t.Helper()
	var last error
	for deadline := time.Now().Add(outTimeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		leader, err := formed(cli, endpoints, want)
		if err == nil {
			return leader
		}
		last = err
	}
	t.Fatalf("the cluster did not form within %s: %v", outTimeout, last)
	return ""
}

// client returns a client of endpoints, closed when the test ends.
func client(t *testing.T, endpoints []string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// formed checks once that every endpoint reports the same leader, and the
// member list holds exactly the names want.
func formed(cli *clientv3.Client, endpoints, want []string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ml, err := cli.MemberList(ctx)
	if err != nil {
		return "", err
	}
	names := map[uint64]string{}
	var got []string
	for _, m := range ml.Members {
		names[m.ID] = m.Name
		got = append(got, m.Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return "", fmt.Errorf("members %v, want %v", got, want)
	}
	leaders := map[uint64]bool{}
	for _, e := range endpoints {
		st, err := cli.Status(ctx, e)
		if err != nil {
			return "", fmt.Errorf("%s: %v", e, err)
		}
		leaders[st.Leader] = true
	}
	if len(leaders) != 1 || leaders[0] {
		return "", fmt.Errorf("the members report leaders %v", leaders)
	}
	for id := range leaders {
		return names[id], nil
	}
	return "", nil
}

// TestExportProcfileAttach runs the Procfile export writes, with the etcd
// server built from this module, as goreman would: the members form a new
// cluster, and `etcdlab attach` on the Procfile's last line shows every
// member up with the leader.
func TestExportProcfileAttach(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the dashboard needs a terminal (.ci/run installs tmux)")
	}
	var endpoints []string
	var base int
	ports.Launch(t, func(err error) bool { return errors.Is(err, errPortsTaken) }, func(b int) error {
		if err := checkFree("127.0.0.1", b, 3); err != nil {
			return err
		}
		var procfile string
		procfile, endpoints = exported(t, "procfile", "--base-port", fmt.Sprint(b), "--data-dir", t.TempDir())
		startEtcds(t, procfileCommands(t, procfile))
		base = b
		return nil
	})
	leader := waitFormed(t, client(t, endpoints), endpoints, []string{"etcd1", "etcd2", "etcd3"})
	for i, e := range endpoints {
		if want := fmt.Sprintf("http://127.0.0.1:%d", base+2*i); e != want {
			t.Errorf("attach endpoint %d is %s, want %s", i+1, e, want)
		}
	}

	screen := attachInTmux(t, endpoints, func(screen string) bool {
		return strings.Contains(screen, "leader ★ "+leader) && strings.Count(screen, "  up  ") == 3
	})
	for i := 1; i <= 3; i++ {
		row := regexp.MustCompile(fmt.Sprintf(`(?m)^ +etcd%d +http://127\.0\.0\.1:%d +up +(★ leader|follower) `, i, base+2*(i-1)))
		if !row.MatchString(screen) {
			t.Errorf("the dashboard has no row for etcd%d up as leader or follower:\n%s", i, screen)
		}
	}
	if n := strings.Count(screen, "★ leader"); n != 1 {
		t.Errorf("the dashboard shows %d leaders, want 1:\n%s", n, screen)
	}
}

// attachInTmux runs `etcdlab attach --endpoints ...` (this test binary as
// etcdlab) in a 120x40 tmux session and returns the screen once ready says
// it shows what the test waits for.
func attachInTmux(t *testing.T, endpoints []string, ready func(screen string) bool) string {
	t.Helper()
	sock := fmt.Sprintf("etcdlab-test-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out), err
	}
	line := fmt.Sprintf("exec env ETCDLAB_BE_MAIN=1 %s attach --endpoints %s", os.Args[0], strings.Join(endpoints, ","))
	if out, err := tmux("new-session", "-d", "-s", "attach", "-x", "120", "-y", "40", line); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { tmux("kill-server") })
	var screen string
	for deadline := time.Now().Add(outTimeout); ; time.Sleep(100 * time.Millisecond) {
		out, err := tmux("capture-pane", "-p", "-t", "attach")
		if err != nil {
			t.Fatalf("etcdlab attach is gone (tmux capture-pane: %v: %s); last screen:\n%s", err, out, screen)
		}
		screen = out
		if ready(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcdlab attach did not show the cluster within %s:\n%s", outTimeout, screen)
		}
	}
}

// TestExportCommands runs the commands export writes for three machines on
// three loopback addresses of this one (127.0.0.2 to 127.0.0.4, each
// member on the same two ports), and checks that they form a cluster
// reachable through the attach line's endpoints.
func TestExportCommands(t *testing.T) {
	hosts := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	var endpoints []string
	ports.Launch(t, func(err error) bool { return errors.Is(err, errPortsTaken) }, func(b int) error {
		for _, h := range hosts {
			if err := checkFree(h, b, 1); err != nil {
				return err
			}
		}
		args := []string{"commands", "--base-port", fmt.Sprint(b), "--data-dir", t.TempDir()}
		for _, h := range hosts {
			args = append(args, "--host", h)
		}
		var out string
		out, endpoints = exported(t, args...)
		var cmds []string
		for _, block := range strings.Split(out, "\n\n") {
			if strings.Contains(block, "\netcd \\\n") {
				cmds = append(cmds, block[strings.Index(block, "\netcd")+1:])
			}
		}
		if len(cmds) != 3 {
			t.Fatalf("%d commands, want 3:\n%s", len(cmds), out)
		}
		startEtcds(t, cmds)
		return nil
	})
	waitFormed(t, client(t, endpoints), endpoints, []string{"etcd1", "etcd2", "etcd3"})
}

// TestExportResumesLabDataDir hands a lab's data dir to real etcd
// processes: export procfile reads the cluster's size and ports from it,
// and the processes resume the lab's members, keys included. With --tls
// they serve with the certificates the lab made.
func TestExportResumesLabDataDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  []string
	}{{"plain", nil}, {"TLS", []string{"--tls"}}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := startServe(t, append([]string{"--data-dir", dir}, tc.tls...)...)
			s.send(t, "put lesson from-the-lab", `(?m)^\s+OK$`)
			if code := s.stop(); code != exitOK {
				t.Fatalf("serve: exit %d\n%s", code, s.errOut.String())
			}
			procfile, endpoints := exported(t, append([]string{"procfile", "--data-dir", dir}, tc.tls...)...)
			scheme := "http"
			var tlsConfig *tls.Config
			if tc.tls != nil {
				scheme = "https"
				var err error
				if tlsConfig, err = cluster.TLSConfigFromCA(filepath.Join(dir, "tls", "ca.crt")); err != nil {
					t.Fatal(err)
				}
			}
			if want := fmt.Sprintf("%s://127.0.0.1:%d", scheme, s.base); len(endpoints) != 3 || endpoints[0] != want {
				t.Fatalf("export read the data dir as %v, want the lab's 3 members from %s", endpoints, want)
			}
			startEtcds(t, procfileCommands(t, procfile))
			cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 2 * time.Second, TLS: tlsConfig, Logger: zap.NewNop()})
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()
			waitFormed(t, cli, endpoints, []string{"etcd1", "etcd2", "etcd3"})
			for _, e := range endpoints {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				r, err := cli.Get(ctx, "lesson", clientv3.WithSerializable())
				cancel()
				if err != nil || len(r.Kvs) != 1 || string(r.Kvs[0].Value) != "from-the-lab" {
					t.Errorf("%s as a process: get lesson = %v, %v; want from-the-lab", e, r, err)
				}
			}
		})
	}
}

// TestExportFlagsKnownToEtcd checks every flag of every form against the
// flags etcd v3.7.3's own --help lists, TLS ones included.
func TestExportFlagsKnownToEtcd(t *testing.T) {
	out, err := exec.Command(testutil.EtcdServer(t), "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("etcd --help: %v\n%s", err, out)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		known[m[1]] = true
	}
	if len(known) < 50 {
		t.Fatalf("read only %d flags from etcd --help:\n%s", len(known), out)
	}
	used := regexp.MustCompile(`(?m)(?:^\s+- |\s)--([a-z0-9-]+)[= ]`)
	for _, args := range [][]string{
		{"compose", "--tls"},
		{"procfile", "--tls"},
		{"commands", "--tls", "--host", "10.0.0.1", "--host", "10.0.0.2", "--host", "10.0.0.3"},
	} {
		text, _ := exported(t, args...)
		n := 0
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "#") {
				continue
			}
			for _, m := range used.FindAllStringSubmatch(l, -1) {
				n++
				if !known[m[1]] {
					t.Errorf("export %s passes --%s, which etcd v3.7.3 does not know", args[0], m[1])
				}
			}
		}
		if n < 3*15 {
			t.Errorf("export %s: found only %d flags to check:\n%s", args[0], n, text)
		}
	}
}
