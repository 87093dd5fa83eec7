package ui

import (
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
)

// TestTimelineMarksTheMinority checks that members cut off from a quorum
// get their own glyphs, while the majority side keeps the usual ones.
func TestTimelineMarksTheMinority(t *testing.T) {
	up := func(name string, role cluster.Role, cut ...string) cluster.MemberStatus {
		return cluster.MemberStatus{Name: name, State: cluster.Up, Role: role, Cut: cut}
	}
	st := cluster.Status{Quorum: 3, Members: []cluster.MemberStatus{
		up("etcd1", cluster.RoleLeader, "etcd3", "etcd4", "etcd5"), // stale leader in the minority
		up("etcd2", cluster.RoleFollower, "etcd3", "etcd4", "etcd5"),
		up("etcd3", cluster.RoleLeader, "etcd1", "etcd2"),
		up("etcd4", cluster.RoleFollower, "etcd1", "etcd2"),
		up("etcd5", cluster.RoleFollower, "etcd1", "etcd2"),
	}}
	want := map[string]phase{
		"etcd1": phaseCutLeader, "etcd2": phaseCutFollower,
		"etcd3": phaseLeader, "etcd4": phaseFollower, "etcd5": phaseFollower,
	}
	for _, m := range st.Members {
		if got := phaseOf(m, st.CutOff(m.Name)); got != want[m.Name] {
			t.Errorf("%s: phase %q, want %q", m.Name, phaseGlyph[got], phaseGlyph[want[m.Name]])
		}
	}
	tl := newTimeline(new(Styles)).update(statusMsg{st: st})
	if !tl.partitioned {
		t.Error("the legend does not explain the cut-off glyphs")
	}
}
