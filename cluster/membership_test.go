package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func client(t *testing.T, urls ...string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: urls, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func TestMembershipGrowAndShrink(t *testing.T) {
	c := launch(t, Config{Members: 3})
	waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 3 -> 4 adds no tolerance; 4 -> 5 does.
	for _, tc := range []struct {
		name           string
		learner        bool
		voters, quorum int
		tolerates      int
	}{
		{"etcd4", false, 4, 3, 1},
		{"etcd5", true, 4, 3, 1},
	} {
		if err := c.AddMember(ctx, tc.name, tc.learner); err != nil {
			t.Fatal(err)
		}
		st := waitForC(t, c, tc.name+" up", 15*time.Second, func(s Status) bool {
			m, ok := s.Member(tc.name)
			return ok && m.State == Up && s.HasQuorum
		})
		if st.Voters != tc.voters || st.Quorum != tc.quorum || st.Tolerates != tc.tolerates {
			t.Fatalf("after adding %s: voters %d quorum %d tolerates %d, want %d %d %d", tc.name, st.Voters, st.Quorum, st.Tolerates, tc.voters, tc.quorum, tc.tolerates)
		}
	}
	if err := c.PromoteMember(ctx, "etcd5"); err != nil {
		t.Fatal(err)
	}
	st := c.Status()
	if st.Voters != 5 || st.Quorum != 3 || st.Tolerates != 2 {
		t.Fatalf("after promoting etcd5: voters %d quorum %d tolerates %d, want 5 3 2", st.Voters, st.Quorum, st.Tolerates)
	}

	// Remove the leader: the others elect a new one, and the removed
	// member's ports and data are gone.
	old := waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" }).Leader
	oldURL, _ := c.ClientURL(old)
	if err := c.RemoveMember(ctx, old); err != nil {
		t.Fatal(err)
	}
	st = waitForC(t, c, "a new leader", 15*time.Second, func(s Status) bool { return s.Leader != "" && s.Leader != old })
	if st.Voters != 4 || len(st.Members) != 4 {
		t.Fatalf("after removing %s: %d voters, %d members", old, st.Voters, len(st.Members))
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(oldURL, "http://"), time.Second); err == nil {
		t.Errorf("removed member %s still answers on %s", old, oldURL)
	}
	if _, err := os.Stat(filepath.Join(c.DataDir(), old)); !os.IsNotExist(err) {
		t.Errorf("removed member's data dir remains: %v", err)
	}
	var urls []string
	for _, e := range c.Endpoints() {
		urls = append(urls, e.ClientURL)
	}
	resp, err := client(t, urls...).MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Members) != 4 {
		t.Fatalf("etcd lists %d members after the removal, want 4", len(resp.Members))
	}
	for _, m := range resp.Members {
		if m.Name == old {
			t.Errorf("etcd still lists %s", old)
		}
	}
	if err := c.AddMember(ctx, "etcd7x", false); err == nil {
		t.Error("a member name outside etcd1..etcd9 was accepted")
	}
	// Not a fixed name: the removed leader may have been any member.
	existing := st.Members[0].Name
	if err := c.AddMember(ctx, existing, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("adding existing member %s: %v", existing, err)
	}
}

// TestPartitionLosesNoAcknowledgedWrite writes through the majority while a
// member is isolated and checks that after heal every member has every
// acknowledged write.
func TestPartitionLosesNoAcknowledgedWrite(t *testing.T) {
	c := launch(t, Config{Members: 3})
	st := waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	isolated := st.Leader
	if err := c.Isolate(isolated); err != nil {
		t.Fatal(err)
	}
	st = waitForC(t, c, "a majority leader", 15*time.Second, func(s Status) bool { return s.Leader != "" && s.Leader != isolated })
	if st.Reachable != 2 || !st.HasQuorum {
		t.Fatalf("partition health: reachable %d quorum %v", st.Reachable, st.HasQuorum)
	}
	if m, _ := st.Member(isolated); len(m.Cut) != 2 {
		t.Fatalf("%s cut from %v, want both others", isolated, m.Cut)
	}
	leaderURL, _ := c.ClientURL(st.Leader)
	cli := client(t, leaderURL)
	acked := 0
	for i := 0; i < 50; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cli.Put(ctx, fmt.Sprintf("k%02d", i), "v")
		cancel()
		if err == nil {
			acked++
		}
	}
	if acked == 0 {
		t.Fatal("no write was acknowledged by the majority")
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Endpoints() {
		cli := client(t, e.ClientURL)
		deadline := time.Now().Add(15 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			resp, err := cli.Get(ctx, "k", clientv3.WithPrefix(), clientv3.WithSerializable(), clientv3.WithCountOnly())
			cancel()
			if err == nil && resp.Count >= int64(acked) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s has %v of %d acknowledged writes after heal (err %v)", e.Name, resp, acked, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	converged(t, c)
}
