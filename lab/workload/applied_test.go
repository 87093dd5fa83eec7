package workload

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestAppliedCounts(t *testing.T) {
	var a applied
	a.see("w3") // read while its write was in flight
	a.fail("w3")
	a.fail("w5")
	a.fail("w5") // counted once
	a.fail("w9")
	a.see("w9")
	a.see("w9")
	a.see("w7") // acknowledged: not a failure
	a.see("x")  // not a load value
	if a.failures != 3 || a.anyway != 2 || !a.has("w3") || a.has("w5") {
		t.Errorf("applied = %+v, want 3 failures, 2 of them applied (w3, w9)", a)
	}
	if got := a.line(byReads); got != "3 writes failed as seen by clients; 2 of them were applied anyway (a read returned the value it wrote)" {
		t.Errorf("line = %q", got)
	}
}

// TestAppliedAnywayMatchesTheFinalValues makes writes fail that etcd then
// applies: the leader takes them into its log while its followers are
// down, then commits them when one comes back, as its longer log wins the
// election. The count of failed writes applied anyway must match the
// history and a direct read of the final values.
func TestAppliedAnywayMatchesTheFinalValues(t *testing.T) {
	c, w := start(t, 3)
	ctx := context.Background()
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.MoveLeader(mctx, "etcd1"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, "etcd1 leading", func(st cluster.Status) bool { return st.Leader == "etcd1" })
	// One client, on etcd1: every write goes through the leader.
	must(t, "StartLoad")(w.StartLoad(LoadConfig{Clients: 1, Rate: 50, Keys: 1}))
	waitLoad(t, w, "acknowledged writes", func(s LoadStats) bool { return s.Ops >= 10 })
	mustDo(t, "kill etcd2")(c.Kill("etcd2"))
	mustDo(t, "kill etcd3")(c.Kill("etcd3"))
	waitLoad(t, w, "a failed write", func(s LoadStats) bool { return s.FailedWrites >= 1 })
	stop := strings.Join(must(t, "StopLoad")(w.StopLoad()), "\n")
	if !strings.Contains(stop, "the final values could not be read") {
		t.Errorf("StopLoad without quorum:\n%s", stop)
	}
	// The first line counts every operation the history holds, those cut
	// short by load stop too (issue 18: 1612 operations, then 1613).
	m := regexp.MustCompile(`: (\d+) operations, [\s\S]*history: (\d+) operations`).FindStringSubmatch(stop)
	if m == nil || m[1] != m[2] {
		t.Errorf("load stop's counts disagree:\n%s", stop)
	}
	mustDo(t, "restart etcd2")(faults{c}.Restart(ctx, "etcd2"))
	waitStatus(t, c, "quorum", quorum)

	final := readDirect(t, c, w.run.Load().prefix)
	check := strings.Join(must(t, "Check")(w.Check(ctx, DefaultCheckTimeout, "")), "\n")

	ops, full, _ := w.run.Load().history()
	if full {
		t.Fatal("history full")
	}
	read := map[string]bool{}
	for _, v := range final {
		read[v] = true
	}
	for _, o := range ops {
		if !o.write && o.status == opOK && o.found {
			read[o.value] = true
		}
	}
	failed, anyway := 0, 0
	for _, o := range ops {
		if o.write && o.status != opOK {
			failed++
			if read[o.value] {
				anyway++
			}
		}
	}
	st := w.LoadStats()
	if anyway == 0 || st.FailedWrites != failed || st.AppliedAnyway != anyway {
		t.Fatalf("LoadStats: %d failed writes, %d applied anyway; the history and the final values %v say %d and %d (want at least 1 applied)\n%s",
			st.FailedWrites, st.AppliedAnyway, final, failed, anyway, check)
	}
	want := fmt.Sprintf("%d writes failed as seen by clients; %d of them", failed, anyway)
	kept := fmt.Sprintf("%d maybe applied (%d seen by a read", failed, anyway)
	if !strings.Contains(check, want) || !strings.Contains(check, kept) {
		t.Errorf("check does not say %q and %q:\n%s", want, kept, check)
	}
	t.Log("\n" + stop + "\n" + check)
}

// readDirect reads the final values under prefix through a client of the
// running members, retrying while an election runs.
func readDirect(t *testing.T, c *cluster.Cluster, prefix string) map[string]string {
	t.Helper()
	var urls []string
	for _, m := range c.Status().Members {
		if m.State.Running() {
			urls = append(urls, m.ClientURL)
		}
	}
	cfg, err := c.ClientConfig(urls, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix())
		cancel()
		if err == nil {
			out := map[string]string{}
			for _, kv := range resp.Kvs {
				out[string(kv.Key)] = string(kv.Value)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("final read: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
