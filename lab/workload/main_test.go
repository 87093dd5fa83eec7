package workload

import (
	"context"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
)

// workload tests own ports 24000-24999 (below Linux's ephemeral range, so
// no outgoing connection can hold one of them).
var ports = &testutil.Ports{Start: 24000, End: 25000, Block: 2 * cluster.MaxMembers}

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

// testHost keeps the notes a workload prints and leaves errors as they are.
type testHost struct{ notes chan string }

func (h testHost) Note(source, text string) {
	select {
	case h.notes <- source + ": " + text:
	default:
	}
}

func (testHost) Explain(err error, _ string) error { return err }

// faults injects chaos's faults straight into the members.
type faults struct{ c *cluster.Cluster }

func (f faults) Kill(_ context.Context, name string) error    { return f.c.Kill(name) }
func (f faults) Isolate(_ context.Context, name string) error { return f.c.Isolate(name) }
func (f faults) Restart(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return f.c.Restart(ctx, name)
}
func (f faults) Heal(context.Context) error                   { return f.c.Heal("") }
func (f faults) Cut(_ context.Context, from, to string) error { return f.c.Cut(from, to) }
func (f faults) Delay(_ context.Context, from, to string, d, jitter time.Duration) error {
	return f.c.Delay(from, to, d, jitter)
}
func (f faults) Loss(_ context.Context, from, to string, percent float64) error {
	return f.c.Loss(from, to, percent)
}

// start launches n members and a workload on them for one test.
func start(t *testing.T, n int) (*cluster.Cluster, *Workload) {
	t.Helper()
	var c *cluster.Cluster
	ports.Launch(t, cluster.IsPortInUse, func(base int) (err error) {
		c, err = cluster.New(cluster.Config{Members: n, BasePort: base, DataDir: t.TempDir(), LogFile: "-"})
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Launch(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Terminate)
	w := New(c, testHost{notes: make(chan string, 4096)}, Options{Timeout: 2 * time.Second})
	t.Cleanup(w.Close)
	waitStatus(t, c, "a leader", func(st cluster.Status) bool { return st.Leader != "" })
	return c, w
}

// waitStatus polls the members' status until cond holds.
func waitStatus(t *testing.T, c *cluster.Cluster, what string, cond func(cluster.Status) bool) cluster.Status {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := c.Status()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %+v", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func quorum(st cluster.Status) bool { return st.HasQuorum && st.Leader != "" }

// must returns a function that fails the test if a call's error is set
// and otherwise returns its lines: must(t, "StopLoad")(w.StopLoad()).
func must(t *testing.T, what string) func([]string, error) []string {
	return func(lines []string, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return lines
	}
}

// mustDo returns a function that fails the test if a fault or repair
// fails: mustDo(t, "kill")(f.Kill(ctx, name)).
func mustDo(t *testing.T, what string) func(error) {
	return func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}
