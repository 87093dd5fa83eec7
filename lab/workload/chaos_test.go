package workload

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
)

// TestChaosMovesKeepMinority plays chaos moves against a model of the
// cluster's members and links, and checks that a quorum of voters stays up
// and connected, and that every fault can be repaired.
func TestChaosMovesKeepMinority(t *testing.T) {
	for _, voters := range []int{1, 3, 4, 5, 7} {
		var names []string
		for i := 1; i <= voters; i++ {
			names = append(names, fmt.Sprintf("etcd%d", i))
		}
		down := map[string]bool{}
		cut := map[[2]string]bool{} // both orders
		link := func(a, b string) { cut[[2]string{a, b}], cut[[2]string{b, a}] = true, true }
		rng := rand.New(rand.NewPCG(7, 0))
		for step := range 3000 {
			st := cluster.Status{Voters: voters, Quorum: cluster.QuorumSize(voters)}
			for _, n := range names {
				m := cluster.MemberStatus{Name: n, State: cluster.Up}
				if down[n] {
					m.State = cluster.Killed
				}
				for _, o := range names {
					if cut[[2]string{n, o}] {
						m.Cut = append(m.Cut, o)
					}
				}
				st.Members = append(st.Members, m)
			}
			s := chaosStateOf(st)
			// A quorum of members is up and can reach each other.
			if len(s.healthy) < st.Quorum {
				t.Fatalf("%d voters, step %d: only %v healthy (down %v, isolated %v)", voters, step, s.healthy, s.down, s.isolated)
			}
			m, ok := s.next(rng)
			if !ok {
				if voters >= 3 {
					t.Fatalf("%d voters: no move from %+v", voters, s)
				}
				continue
			}
			name := m.member
			switch m.verb {
			case "kill":
				down[name] = true
			case "restart":
				down[name] = false
			case "isolate":
				for _, o := range names {
					if o != name {
						link(name, o)
					}
				}
			case "heal":
				if name != "" {
					t.Fatalf("chaos heals one member (%s): it must heal the whole network", name)
				}
				clear(cut)
			}
		}
	}
}
