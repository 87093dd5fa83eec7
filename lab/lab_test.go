package lab

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
)

// lab tests own ports 23000-23999 (below Linux's ephemeral range, so no
// outgoing connection can hold one of them).
var ports = &testutil.Ports{Start: 23000, End: 24000, Block: 2 * cluster.MaxMembers}

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

// start launches a lab of n members for one test.
func start(t *testing.T, n int) *Session {
	t.Helper()
	var s *Session
	ports.Launch(t, cluster.IsPortInUse, func(base int) (err error) {
		s, err = Start(context.Background(), Config{
			Cluster: cluster.Config{Members: n, BasePort: base, DataDir: t.TempDir(), LogFile: "-"},
			Options: Options{Timeout: 2 * time.Second},
		})
		return err
	})
	t.Cleanup(s.Close)
	return s
}

// exec parses and runs one line.
func exec(t *testing.T, l *Lab, line string) Result {
	t.Helper()
	c, err := Parse(line)
	if err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	return l.Exec(context.Background(), c)
}

// must runs a line and fails the test if it fails.
func must(t *testing.T, l *Lab, line string) Result {
	t.Helper()
	r := exec(t, l, line)
	if r.Err != nil {
		t.Fatalf("%s: %v", line, r.Err)
	}
	return r
}

func TestExecKeyValue(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	for _, tc := range []struct {
		line string
		want []string
	}{
		{`put greeting "Hello, etcd"`, []string{"OK"}},
		{"get greeting", []string{"greeting", "Hello, etcd"}},
		{"put server1/a alpha", []string{"OK"}},
		{"put server1/b beta", []string{"OK"}},
		{"put server2/a gamma", []string{"OK"}},
		{"get server1 --prefix", []string{"server1/a", "alpha", "server1/b", "beta"}},
		{"get server1 --prefix --keys-only", []string{"server1/a", "server1/b"}},
		{"get server1/b --from-key --keys-only", []string{"server1/b", "server2/a"}},
		{"get server1/a server1/c --keys-only", []string{"server1/a", "server1/b"}},
		{"get missing", nil},
		{"get greeting --consistency=s --endpoint etcd2", []string{"greeting", "Hello, etcd"}},
		{"del server1 --prefix", []string{"2"}},
		{"del missing", []string{"0"}},
		{"get server --prefix --keys-only", []string{"server2/a"}},
	} {
		r := must(t, l, tc.line)
		if strings.Join(r.Lines, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: got %q, want %q", tc.line, r.Lines, tc.want)
		}
	}
	must(t, l, "put greeting again")
	first := must(t, l, "get greeting --rev=2")
	if len(first.Values) != 1 || first.Values[0] != "Hello, etcd" {
		t.Errorf("get --rev=2 = %q, want the first value", first.Values)
	}
}

func TestExecNoQuorum(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "put k v1")
	must(t, l, "kill etcd1")
	must(t, l, "kill etcd2")
	must(t, l, "wait no-quorum --timeout 5s")
	r := exec(t, l, "put k v2")
	if r.Err == nil || !strings.Contains(r.Err.Error(), "no answer within 2s") || !strings.Contains(r.Err.Error(), "no quorum") {
		t.Fatalf("put without quorum: %v, want a timeout that names the missing quorum", r.Err)
	}
	if r := exec(t, l, "get k"); r.Err == nil {
		t.Fatalf("linearizable get without quorum answered: %q", r.Lines)
	}
	r = must(t, l, "get k --consistency=s --endpoint etcd3")
	if strings.Join(r.Values, ",") != "v1" {
		t.Errorf("serializable read = %q, want v1", r.Values)
	}
	r = exec(t, l, "get k --endpoint etcd1")
	if r.Err == nil || !strings.Contains(r.Err.Error(), "etcd1 is killed") {
		t.Errorf("get through a killed member: %v, want it to say etcd1 is killed", r.Err)
	}
}

func TestExecWrongInput(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "kill etcd3")
	for _, tc := range []struct{ line, want string }{
		{"kill etcd3", "cannot kill etcd3: it is already killed"},
		{"stop etcd3", "cannot stop etcd3: it is already killed"},
		{"restart etcd1", "cannot restart etcd1: it is already up"},
		{"kill etcd7", `no member named "etcd7"`},
		{"get k --endpoint etcd9", `no member named "etcd9"`},
		{"isolate nobody", `no member named "nobody"`},
		{"partition etcd1 etcd1", "etcd1 is named in two groups"},
		{"move-leader etcd3", "cannot move the leader to etcd3: it is killed"},
		{"members 3", "only works as the first line of a scenario file"},
	} {
		r := exec(t, l, tc.line)
		if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, r.Err, tc.want)
		}
		if r.Err != nil && strings.Contains(r.Err.Error(), "\n") {
			t.Errorf("%s: error is more than one line: %q", tc.line, r.Err)
		}
	}
	// Nothing was half-applied: the two live members still serve.
	must(t, l, "wait quorum")
	must(t, l, "put after ok")
}

func TestExpectations(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "put k v")
	leader := s.Cluster.Status().Leader
	other := "etcd1"
	if leader == other {
		other = "etcd2"
	}
	for _, tc := range []struct {
		line string
		pass bool
	}{
		{"expect leader", true},
		{"expect leader " + leader, true},
		{"expect leader " + other, false},
		{"expect quorum", true},
		{"expect no-quorum", false},
		{"expect ok get k", true},
		{"expect ok get k --endpoint nobody", false},
		{"expect fail get k", false},
		{"expect fail kill nobody", true},
		{"expect get k == v", true},
		{"expect get k == w", false},
		{"expect get missing ==", true},
		{"expect get missing == v", false},
		{"expect del missing == 0", true},
		{"expect put k v2 == OK", true},
	} {
		r := exec(t, l, tc.line)
		if (r.Err == nil) != tc.pass {
			t.Errorf("%s: err = %v, want pass=%v", tc.line, r.Err, tc.pass)
		}
	}
}

func TestWaitTimesOut(t *testing.T) {
	s := start(t, 3)
	r := exec(t, s.Lab, "wait no-quorum --timeout 300ms")
	if r.Err == nil || !strings.Contains(r.Err.Error(), "not reached within 300ms") {
		t.Fatalf("wait for a state that never comes: %v", r.Err)
	}
}

func TestMemberListAndEndpointStatus(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	r := must(t, l, "member list")
	names := append([]string(nil), r.Values...)
	sort.Strings(names)
	if strings.Join(names, ",") != "etcd1,etcd2,etcd3" || !strings.Contains(r.Lines[0], ", started, ") {
		t.Errorf("member list = %q", r.Lines)
	}
	r = must(t, l, "endpoint status")
	if len(r.Lines) != 3 || !strings.Contains(r.Lines[0], "3.7.3") {
		t.Errorf("endpoint status = %q", r.Lines)
	}
	leaders := 0
	for _, line := range r.Lines {
		if strings.Contains(line, ", true, false, ") {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("endpoint status shows %d leaders: %q", leaders, r.Lines)
	}
	must(t, l, "kill etcd2")
	r = exec(t, l, "endpoint status")
	if r.Err == nil || !strings.Contains(r.Err.Error(), "1 of 3 endpoints did not answer (etcd2)") {
		t.Errorf("endpoint status with etcd2 down: %v", r.Err)
	}
}

func TestIsolatedMemberServesStaleReads(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "put k old")
	old := s.Cluster.Status().Leader
	must(t, l, "isolate "+old)
	must(t, l, "wait leader --timeout 15s")
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := s.Cluster.Status()
		m, _ := st.Member(old)
		if st.Leader != "" && st.Leader != old && m.Role != cluster.RoleLeader {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the majority never replaced isolated leader %s: %+v", old, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var majority string
	for _, n := range s.Cluster.Names() {
		if n != old {
			majority = n
			break
		}
	}
	must(t, l, "put k new --endpoint "+majority)
	r := must(t, l, "get k --consistency=s --endpoint "+old)
	if strings.Join(r.Values, ",") != "old" {
		t.Errorf("isolated member's local copy = %q, want the stale value old", r.Values)
	}
	r = exec(t, l, "get k --endpoint "+old)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "cut off from the majority") {
		t.Errorf("linearizable get on the isolated member: %v, want a timeout naming the partition", r.Err)
	}
	must(t, l, "heal")
	deadline = time.Now().Add(15 * time.Second)
	for {
		r := exec(t, l, "get k --consistency=s --endpoint "+old)
		if r.Err == nil && strings.Join(r.Values, ",") == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never caught up after heal: %q %v", old, r.Values, r.Err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunScriptStopsAtFirstFailure(t *testing.T) {
	s := start(t, 3)
	script, errs := ParseScript("wait leader\nput k v\nexpect get k == v\nexpect get k == w\nput never run\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var out strings.Builder
	err := RunScript(context.Background(), s.Lab, script, NewTranscript(&out, time.Now()))
	var fe *FailError
	if !errors.As(err, &fe) || fe.Line != 4 {
		t.Fatalf("RunScript = %v, want a failure at line 4\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "put never run") {
		t.Errorf("a line after the failure ran:\n%s", out.String())
	}
	if r := must(t, s.Lab, "get never"); len(r.Values) != 0 {
		t.Errorf("a line after the failure was applied: %q", r.Values)
	}
}
