package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// External clients against `etcdlab serve`: the seed blog post's etcdctl
// snippet and its python-etcd3 calls, unchanged, on real members.

// clientTimeout bounds one run of an external client.
const clientTimeout = 60 * time.Second

// cleanEnv returns the test's environment without the variables named by
// drop (a trailing * matches a prefix), so that a developer's ETCDCTL_*
// or proxy settings cannot change what a client does.
func cleanEnv(drop ...string) []string {
	var env []string
next:
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		for _, d := range drop {
			if p, ok := strings.CutSuffix(d, "*"); ok && strings.HasPrefix(name, p) || strings.EqualFold(name, d) {
				continue next
			}
		}
		env = append(env, kv)
	}
	return env
}

// runClient runs a client program and returns its stdout, stderr and error.
func runClient(env []string, name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%v: no exit within %s", err, clientTimeout)
	}
	return stdout.String(), stderr.String(), err
}

// serveDefaultPort serves a one-member lab on etcd's own ports 2379 and
// 2380, as the seed's plain `./etcd` does, or skips the test when something
// else holds them.
func serveDefaultPort(t *testing.T) *served {
	t.Helper()
	for _, p := range []int{2379, 2380} {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Skipf("port %d is in use (%v): skipping the clients with no endpoint at all, which need etcd's default ports", p, err)
		}
		l.Close()
	}
	s := launchServe(t, 2379, "--members", "1", "--data-dir", t.TempDir())
	if !s.waitReady() {
		if s.code == exitStart && strings.Contains(s.errOut.String(), "already in use") {
			t.Skipf("etcd's default ports were taken meanwhile: %s", s.errOut.String())
		}
		t.Fatalf("serve on the default ports: exit %d\n%s", s.code, s.errOut.String())
	}
	return s
}

// etcdctl is the module's etcdctl tool (go.mod: tool go.etcd.io/etcd/etcdctl/v3).
type etcdctl string

// buildEtcdctl builds etcdctl v3.7.3, the version go.mod pins, into a
// t.TempDir(); `go tool etcdctl` runs the same program.
func buildEtcdctl(t *testing.T) etcdctl {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH to build etcdctl: %v", err)
	}
	path := filepath.Join(t.TempDir(), "etcdctl")
	start := time.Now()
	// The main package's directory, where tests run, is the module root.
	out, err := exec.Command(goBin, "build", "-o", path, "go.etcd.io/etcd/etcdctl/v3").CombinedOutput()
	if err != nil {
		t.Fatalf("go build etcdctl: %v\n%s", err, out)
	}
	t.Logf("built etcdctl in %s", time.Since(start).Round(time.Millisecond))
	return etcdctl(path)
}

// run runs etcdctl with env added to a clean environment.
func (c etcdctl) run(env []string, args ...string) (string, string, error) {
	return runClient(append(cleanEnv("ETCDCTL_*"), env...), string(c), args...)
}

// expect runs etcdctl and fails the test unless it succeeds with exactly
// the output want.
func (c etcdctl) expect(t *testing.T, env []string, want string, args ...string) {
	t.Helper()
	stdout, stderr, err := c.run(env, args...)
	if err != nil || stdout != want {
		t.Errorf("%s etcdctl %s:\n got %q (err %v)\nwant %q\nstderr: %s", strings.Join(env, " "), strings.Join(args, " "), stdout, err, want, stderr)
	}
}

// expectTimeout runs etcdctl and fails the test unless it gives up with a
// deadline error. etcd gives the request the client's deadline, so either
// side may answer first: the client's own "context deadline exceeded", or
// the server's "request timed out" (etcdserver's parseProposeCtxErr, which
// adds "possibly due to connection lost" when the leader has not heard from
// a quorum since the request began).
func (c etcdctl) expectTimeout(t *testing.T, env []string, args ...string) {
	t.Helper()
	start := time.Now()
	stdout, stderr, err := c.run(env, args...)
	took := time.Since(start)
	if err == nil || !(strings.Contains(stderr, "context deadline exceeded") || strings.Contains(stderr, "etcdserver: request timed out")) {
		t.Errorf("etcdctl %s: want a failure with \"context deadline exceeded\" or \"etcdserver: request timed out\", got err %v after %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, took, stdout, stderr)
		return
	}
	if took > 15*time.Second {
		t.Errorf("etcdctl %s took %s to time out", strings.Join(args, " "), took)
	}
	t.Logf("etcdctl %s failed after %s: %s", strings.Join(args, " "), took.Round(time.Millisecond), lastLine(stderr))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// seedSnippet runs the seed blog post's three etcdctl commands, unchanged.
func seedSnippet(t *testing.T, ctl etcdctl, env []string) {
	t.Helper()
	ctl.expect(t, env, "OK\n", "put", "greeting", "Hello, etcd")
	ctl.expect(t, env, "greeting\nHello, etcd\n", "get", "greeting")
	ctl.expect(t, env, "1\n", "del", "greeting")
	ctl.expect(t, env, "", "get", "greeting")
}

func TestEtcdctl(t *testing.T) {
	ctl := buildEtcdctl(t)

	t.Run("seed snippet with no endpoint on the default port", func(t *testing.T) {
		serveDefaultPort(t)
		seedSnippet(t, ctl, nil)
	})

	t.Run("seed snippet over TLS with auth, set up as serve says", func(t *testing.T) {
		s := startServe(t, "--members", "1", "--tls", "--auth")
		env := regexp.MustCompile(`(?m)^ETCDCTL_[A-Z]+=\S+$`).FindAllString(s.out.String(), -1)
		if len(env) != 3 {
			t.Fatalf("serve --tls --auth printed %q, want ETCDCTL_ENDPOINTS, _CACERT and _USER:\n%s", env, s.out.String())
		}
		if !strings.HasPrefix(s.endpoints(), "https://") {
			t.Errorf("endpoints %s are not https", s.endpoints())
		}
		seedSnippet(t, ctl, env)
		// Without the credentials etcd refuses.
		if _, stderr, err := ctl.run(env[:2], "put", "greeting", "anonymous"); err == nil || !strings.Contains(stderr, "user name is empty") {
			t.Errorf("put without a user: %v, %s; want etcd's refusal", err, lastLine(stderr))
		}
	})

	s := startServe(t, "--members", "3")
	env := []string{"ETCDCTL_ENDPOINTS=" + s.endpoints()}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"seed snippet with ETCDCTL_ENDPOINTS", func(t *testing.T) {
			seedSnippet(t, ctl, env)
		}},
		{"endpoint status", func(t *testing.T) {
			stdout, stderr, err := ctl.run(env, "endpoint", "status", "-w", "json")
			if err != nil {
				t.Fatalf("etcdctl endpoint status: %v\n%s", err, stderr)
			}
			var got []struct {
				Endpoint string
				Status   struct {
					Header struct {
						MemberID uint64 `json:"member_id"`
					} `json:"header"`
					Version string `json:"version"`
					Leader  uint64 `json:"leader"`
				}
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("etcdctl endpoint status -w json: %v\n%s", err, stdout)
			}
			if len(got) != 3 {
				t.Fatalf("%d endpoints, want 3:\n%s", len(got), stdout)
			}
			leaders := 0
			for i, e := range got {
				if e.Endpoint != s.clientURL(i+1) || e.Status.Version != "3.7.3" || e.Status.Leader == 0 || e.Status.Leader != got[0].Status.Leader {
					t.Errorf("endpoint %d: %+v; want %s, version 3.7.3 and the same leader as the others", i+1, e, s.clientURL(i+1))
				}
				if e.Status.Header.MemberID == e.Status.Leader {
					leaders++
				}
			}
			if leaders != 1 {
				t.Errorf("%d endpoints are the leader, want 1:\n%s", leaders, stdout)
			}
			stdout, stderr, err = ctl.run(env, "endpoint", "status")
			if err != nil || strings.Count(stdout, ", 3.7.3, ") != 3 {
				t.Errorf("etcdctl endpoint status: %v\n%s%s", err, stdout, stderr)
			}
		}},
		{"member list", func(t *testing.T) {
			stdout, stderr, err := ctl.run(env, "member", "list")
			if err != nil {
				t.Fatalf("etcdctl member list: %v\n%s", err, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("%d members, want 3:\n%s", len(lines), stdout)
			}
			for i := 1; i <= 3; i++ {
				want := regexp.MustCompile(fmt.Sprintf(`^[0-9a-f]+, started, etcd%d, http://127\.0\.0\.1:%d, %s, false$`,
					i, s.base+2*(i-1)+1, regexp.QuoteMeta(s.clientURL(i))))
				found := false
				for _, l := range lines {
					found = found || want.MatchString(l)
				}
				if !found {
					t.Errorf("no line matches %s:\n%s", want, stdout)
				}
			}
		}},
		{"etcd1 killed: the other two answer", func(t *testing.T) {
			s.send(t, "kill etcd1", `etcd1 killed`)
			s.send(t, "wait leader", `leader etcd[23] in term \d+ after`)
			// The same ETCDCTL_ENDPOINTS, etcd1's among them: etcdctl's
			// balancer uses the members that answer.
			deadline := time.Now().Add(outTimeout)
			for {
				stdout, stderr, err := ctl.run(env, "put", "greeting", "Hello again")
				if err == nil && stdout == "OK\n" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("etcdctl put with etcd1 killed: %q, %v\n%s", stdout, err, stderr)
				}
				t.Logf("put with etcd1 killed, retrying: %v: %s", err, lastLine(stderr))
				time.Sleep(200 * time.Millisecond)
			}
			ctl.expect(t, env, "greeting\nHello again\n", "get", "greeting")
			ctl.expect(t, nil, "greeting\nHello again\n", "get", "greeting", "--endpoints="+s.clientURL(2))
		}},
		{"etcd1 and etcd2 killed: no quorum", func(t *testing.T) {
			from := s.out.Len()
			s.send(t, "kill etcd2", `etcd2 killed`)
			s.waitOutput(t, from, `quorum lost: 1 of 3 voters reachable, 2 needed`, outTimeout)
			ctl.expectTimeout(t, env, "put", "greeting", "lost", "--command-timeout=1s", "--dial-timeout=1s")
			// A linearizable read needs the quorum too...
			ctl.expectTimeout(t, nil, "get", "greeting", "--endpoints="+s.clientURL(3), "--command-timeout=1s", "--dial-timeout=1s")
			// ...a serializable one is etcd3's local copy, and answers.
			ctl.expect(t, nil, "greeting\nHello again\n", "get", "greeting", "--consistency=s", "--endpoints="+s.clientURL(3))
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			t.Fatalf("step %q failed; later steps need it; serve's output:\n%s", st.name, s.out.String())
		}
	}
}

// systemPython is Debian's interpreter, the one python3-etcd3 installs for;
// the python3 on PATH may be another (a pyenv one here).
const systemPython = "/usr/bin/python3"

// pythonEnv returns an environment in which systemPython imports etcd3, or
// skips the test; with ETCDLAB_REQUIRE_PYTHON=1 (CI) it fails it instead.
//
// python3-etcd3 0.12's generated code predates protobuf 4: with a newer
// protobuf runtime its import fails ("Descriptors cannot be created
// directly") unless PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python. Debian 12
// ships protobuf 3.21, which needs nothing; the fallback is for the rest.
func pythonEnv(t *testing.T) []string {
	t.Helper()
	base := cleanEnv("PYTHON*", "http_proxy", "https_proxy", "all_proxy", "grpc_proxy", "no_proxy", "no_grpc_proxy")
	var why []string
	for _, extra := range [][]string{nil, {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python"}} {
		env := append(append([]string{}, base...), extra...)
		stdout, stderr, err := runClient(env, systemPython, "-c", "import etcd3; print(etcd3.__version__)")
		if err == nil {
			t.Logf("%s %s: etcd3 %s", strings.Join(extra, " "), systemPython, strings.TrimSpace(stdout))
			return env
		}
		why = append(why, fmt.Sprintf("%s %s -c 'import etcd3': %v: %s", strings.Join(extra, " "), systemPython, err, lastLine(stderr)))
	}
	msg := "python-etcd3 is not usable (apt-get install python3-etcd3):\n" + strings.Join(why, "\n")
	if os.Getenv("ETCDLAB_REQUIRE_PYTHON") == "1" {
		t.Fatal(msg + "\nETCDLAB_REQUIRE_PYTHON=1: this must not be skipped")
	}
	t.Skip(msg)
	return nil
}

// pythonWant is what testdata/etcd3_client.py prints, a line each.
var pythonWant = []*regexp.Regexp{
	regexp.MustCompile(`^put greeting: revision=\d+ raft_term=\d+$`),
	regexp.MustCompile(`^get greeting: 'hello, world!' key='greeting'$`),
	regexp.MustCompile(`^delete greeting: True$`),
	regexp.MustCompile(`^get deleted greeting: \(None, None\)$`),
	regexp.MustCompile(`^delete deleted greeting: False$`),
	regexp.MustCompile(`^get_prefix server1: \['a1', 'b1'\]$`),
	regexp.MustCompile(`^get_all: \['a1', 'b1', 'a2'\]$`),
	regexp.MustCompile(`^status: leader=(etcd\d) db_size=[1-9]\d* raft_term=[1-9]\d* version=3\.7\.3$`),
}

// runPython runs the seed's calls against host:port, checks every line
// and returns the leader status() named.
func runPython(t *testing.T, env []string, host, port string, secure ...string) string {
	t.Helper()
	args := append([]string{filepath.Join("testdata", "etcd3_client.py"), host, port}, secure...)
	stdout, stderr, err := runClient(env, systemPython, args...)
	if err != nil {
		t.Fatalf("etcd3_client.py %s %s: %v\nstdout:\n%s\nstderr:\n%s", host, port, err, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(pythonWant) {
		t.Fatalf("etcd3_client.py printed %d lines, want %d:\n%s", len(lines), len(pythonWant), stdout)
	}
	leader := ""
	for i, re := range pythonWant {
		m := re.FindStringSubmatch(lines[i])
		if m == nil {
			t.Errorf("line %d: %q does not match %s", i+1, lines[i], re)
			continue
		}
		if len(m) > 1 {
			leader = m[1]
		}
	}
	return leader
}

var (
	pythonLine       = regexp.MustCompile(`(?m)^python: etcd3\.client\(host='([^']+)', port=(\d+)\)$`)
	pythonSecureLine = regexp.MustCompile(`(?m)^python: etcd3\.client\(host='([^']+)', port=(\d+), ca_cert='([^']+)', user='([^']+)', password='([^']+)'\)$`)
)

func TestPythonEtcd3Client(t *testing.T) {
	env := pythonEnv(t)

	t.Run("seed calls on the default port", func(t *testing.T) {
		serveDefaultPort(t)
		if leader := runPython(t, env, "127.0.0.1", "2379"); leader != "etcd1" {
			t.Errorf("status() says the leader is %q, want etcd1", leader)
		}
	})

	t.Run("seed calls over TLS with auth, as serve says", func(t *testing.T) {
		s := startServe(t, "--members", "1", "--tls", "--auth")
		m := pythonSecureLine.FindStringSubmatch(s.out.String())
		if m == nil {
			t.Fatalf("serve --tls --auth printed no python line with ca_cert, user and password:\n%s", s.out.String())
		}
		runPython(t, env, m[1], m[2], m[3], m[4], m[5])
		// Without the password etcd refuses the same calls.
		if _, _, err := runClient(env, systemPython, filepath.Join("testdata", "etcd3_client.py"), m[1], m[2], m[3], m[4], "wrong"); err == nil {
			t.Error("etcd3_client.py with a wrong password succeeded")
		}
	})

	s := startServe(t, "--members", "3")
	t.Run("seed calls where serve says", func(t *testing.T) {
		m := pythonLine.FindStringSubmatch(s.out.String())
		if m == nil {
			t.Fatalf("serve printed no python line:\n%s", s.out.String())
		}
		if m[1] != "127.0.0.1" || m[2] != strconv.Itoa(s.base) {
			t.Errorf("serve's python line points at %s:%s, want etcd1 at 127.0.0.1:%d", m[1], m[2], s.base)
		}
		runPython(t, env, m[1], m[2])
	})
	t.Run("seed calls on etcd2 with etcd1 killed", func(t *testing.T) {
		s.send(t, "kill etcd1", `etcd1 killed`)
		s.send(t, "wait leader", `leader etcd[23] in term \d+ after`)
		if leader := runPython(t, env, "127.0.0.1", strconv.Itoa(s.base+2)); leader == "etcd1" {
			t.Errorf("status() says killed etcd1 leads")
		}
		// The lab reads what python wrote.
		s.send(t, "get server1 --prefix", `(?m)^\s+server1/a\n\s+a1\n\s+server1/b\n\s+b1$`)
	})
}
