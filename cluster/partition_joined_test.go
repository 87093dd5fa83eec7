package cluster

import (
	"context"
	"testing"
	"time"
)

// TestPartitionWithAJoinedMemberTerminates partitions a cluster with a
// member that joined later, mends and heals, restarts members during a
// cut, and checks that Terminate returns. A member that joined keeps a
// rafthttp "remote" for each older member, which cannot be paused or
// resumed twice: resuming one that runs starts a second pipeline whose
// senders Stop never ends (it hung etcdlab's exit), and pausing one twice,
// or stopping one that is paused, closes a closed channel.
func TestPartitionWithAJoinedMemberTerminates(t *testing.T) {
	c := launch(t, Config{Members: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	if err := c.AddMember(ctx, "etcd4", true); err != nil {
		t.Fatal(err)
	}
	waitForC(t, c, "etcd4 up", 10*time.Second, func(s Status) bool { m, ok := s.Member("etcd4"); return ok && m.State == Up })
	// etcd4 joins etcd2's group: the links inside it are mended, cut or not.
	if err := c.Partition([][]string{{"etcd2"}, {"etcd1", "etcd3"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Partition([][]string{{"etcd2"}, {"etcd1", "etcd3"}}); err != nil {
		t.Fatal(err)
	}
	// A restart during the cut cuts its links again, and only its own end.
	if err := c.Kill("etcd1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "etcd1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	waitForC(t, c, "a leader after heal", 15*time.Second, func(s Status) bool { return s.Leader != "" && s.HasQuorum })
	// Killing the joined member while its links are cut stops its paused
	// remotes; so does Terminate.
	if err := c.Isolate("etcd4"); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill("etcd4"); err != nil {
		t.Fatal(err)
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "etcd4"); err != nil {
		t.Fatal(err)
	}
	if err := c.Partition([][]string{{"etcd2", "etcd4"}, {"etcd1", "etcd3"}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Terminate(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Terminate did not return within 30s")
	}
}
