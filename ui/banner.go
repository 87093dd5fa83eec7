package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// banner is the two lines at the top: the quorum verdict, then leader,
// term and revision.
type banner struct {
	styles  *Styles
	st      cluster.Status
	sampled bool
	state   state
	members int    // the size asked for, shown while starting
	ports   string // shown while starting
	// attaching lists the endpoints of an attached cluster, "" otherwise.
	attaching string
	since     time.Time
	now       time.Time
	width     int // inner width
}

func (b *banner) setSize(w, _ int) { b.width = w - b.styles.Banner.GetHorizontalFrameSize() }

func (b banner) height() int { return 2 }

// update takes a status sample.
func (b banner) update(msg statusMsg) banner {
	b.st, b.sampled, b.now = msg.st, true, msg.st.Time
	return b
}

// verdict returns the quorum verdict in words.
func verdict(st cluster.Status) string {
	if st.HasQuorum {
		return fmt.Sprintf("QUORUM OK: tolerates %d more failure%s", st.Tolerates, plural(st.Tolerates))
	}
	return "NO QUORUM: writes and linearizable reads will fail"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (b banner) view() string {
	s := b.styles
	sep := s.Label.Render(" │ ")
	var one, two string
	switch {
	case b.state == stateStarting || !b.sampled:
		took := ""
		if !b.since.IsZero() && b.now.After(b.since) {
			took = fmt.Sprintf(" (%.1fs)", b.now.Sub(b.since).Seconds())
		}
		one = s.Warn.Render(fmt.Sprintf("◌ STARTING %d members%s", b.members, took))
		two = s.Label.Render("ports ") + s.Value.Render(b.ports) + sep + s.Label.Render("etcd's own logs go to a file, never to this screen")
		if b.attaching != "" {
			one = s.Warn.Render("◌ ATTACHING" + took)
			two = s.Label.Render("endpoints ") + s.Value.Render(b.attaching)
		}
	default:
		st := b.st
		v := s.VerdictOK.Render(" ✓ " + verdict(st) + " ")
		if !st.HasQuorum {
			v = s.VerdictNo.Render(" ✗ " + verdict(st) + " ")
		}
		parts := []string{v,
			s.Value.Render(fmt.Sprintf("%d/%d", st.Running, st.Voters)) + s.Label.Render(" up"),
			s.Label.Render("quorum ") + s.Value.Render(fmt.Sprint(st.Quorum)),
		}
		if st.Reachable < st.Running {
			parts = append(parts, s.Cut.Render(fmt.Sprintf("✂ %d reachable", st.Reachable)))
		}
		one = strings.Join(parts, sep)
		lead := s.Leader.Render("★ " + st.Leader)
		switch {
		case st.Leader != "":
		case st.HasQuorum:
			lead = s.Elect.Render("? none: election in progress")
		default:
			lead = s.Down.Render("✗ none: no quorum to elect one")
		}
		two = strings.Join([]string{
			s.Label.Render("leader ") + lead,
			s.Label.Render("term ") + s.Value.Render(fmt.Sprint(st.Term)),
			s.Label.Render("revision ") + s.Value.Render(fmt.Sprint(st.Revision)),
		}, sep)
		if b.state == stateStopping {
			two += sep + s.Warn.Render("stopping the members…")
		}
	}
	return frame(s.Banner, clip(one, b.width), clip(two, b.width))
}
