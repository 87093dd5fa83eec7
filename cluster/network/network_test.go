package network

import (
	"fmt"
	"testing"
	"time"
)

func TestRelayedClusterWorks(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	for i := 0; i < 20; i++ {
		c.mustPut(c.members[i%3], fmt.Sprintf("k%d", i), "v")
	}
	c.converge(10 * time.Second)
	st := c.net.Stats()
	for _, ls := range st.Links {
		t.Logf("%s: total %v hb %d bytes %d", ls.Link, ls.Total.Messages, ls.Total.LinkHeartbeats, ls.Total.Bytes)
	}
	for _, f := range c.others(l) {
		ls, _ := st.Link(l.name, f.name)
		if ls.Total.Messages[KindApp] == 0 {
			t.Errorf("%s -> %s carried no MsgApp", l.name, f.name)
		}
	}
	r, ok := c.net.Replication(l.name)
	t.Logf("replication %+v %v; leader committed %d", r, ok, l.e.Server.CommittedIndex())
	t.Logf("unattributed %+v", st.Unattributed)
	c.checkLogs()
}
