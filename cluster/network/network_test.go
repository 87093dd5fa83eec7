package network

import (
	"fmt"
	"testing"
	"time"
)

// TestRelayedClusterWorks runs a cluster through relays with no rule:
// writes through every member commit, every link between the leader and a
// follower carries appends and answers, and the replication view the
// relays rebuild agrees with the leader's commit index.
func TestRelayedClusterWorks(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	for i := 0; i < 30; i++ {
		c.mustPut(c.members[i%3], fmt.Sprintf("k%d", i), "v")
	}
	c.converge(10 * time.Second)
	st := c.net.Stats()
	for _, f := range c.others(l) {
		out, _ := st.Link(l.name, f.name)
		back, _ := st.Link(f.name, l.name)
		if out.Total.Messages[KindApp] == 0 || back.Total.Messages[KindAppResp] == 0 || back.Total.Messages[KindProp] == 0 {
			t.Errorf("%s <-> %s: %v out, %v back; want appends, answers and forwarded proposals", l.name, f.name, out.Total.Messages, back.Total.Messages)
		}
	}
	c.waitFor("the replication view to agree with the leader", 10*time.Second, func() bool {
		r, ok := c.net.Replication(l.name)
		if !ok || r.Term != l.e.Server.Term() || r.LastIndex != l.e.Server.CommittedIndex() {
			return false
		}
		for _, f := range r.Followers {
			if f.Match != r.LastIndex || f.Lag(r.LastIndex) != 0 || f.Snapshots != 0 {
				return false
			}
		}
		return true
	})
	c.checkLogs()
}
