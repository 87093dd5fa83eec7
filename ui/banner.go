package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
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
	// past, if set, is a line above the others saying that the screen
	// shows the past: a rewind or a replay.
	past string
}

func (b *banner) setSize(w, _ int) { b.width = w - b.styles.Banner.GetHorizontalFrameSize() }

func (b banner) height() int {
	if b.past != "" {
		return 3
	}
	return 2
}

// update takes a status sample.
func (b banner) update(msg statusMsg) banner {
	b.st, b.sampled, b.now = msg.st, true, msg.st.Time
	return b
}

// verdict returns the quorum verdict in words, in fewer when short. A
// quorum without a leader that can commit (none yet, or only one cut off
// from the majority) is said apart: writes wait for an election.
func verdict(st cluster.Status, short bool) string {
	switch {
	case !st.HasQuorum && short:
		return "NO QUORUM: writes will fail"
	case !st.HasQuorum:
		return "NO QUORUM: writes and linearizable reads will fail"
	case (st.Leader == "" || st.StaleLeader(st.Leader)) && short:
		return "QUORUM OK · no leader yet"
	case st.Leader == "" || st.StaleLeader(st.Leader):
		return "QUORUM OK · no leader yet: writes wait for an election"
	case short:
		return fmt.Sprintf("QUORUM OK: tolerates %d more", st.Tolerates)
	}
	return fmt.Sprintf("QUORUM OK: tolerates %d more failure%s", st.Tolerates, plural(st.Tolerates))
}

// upText counts the voters up, and the learners apart: they do not count
// toward quorum. short leaves out the word voters.
func upText(st cluster.Status, short bool) (num, words string) {
	num = fmt.Sprintf("%d/%d", st.Running, st.Voters)
	if st.Learners == 0 {
		return num, " up"
	}
	words = " voters up"
	if short {
		words = " up"
	}
	words += fmt.Sprintf(" · %d learner%s", st.Learners, plural(st.Learners))
	if down := st.Learners - st.LearnersRunning; down > 0 {
		words += fmt.Sprintf(" (%d down)", down)
	}
	return num, words
}

// verdictLine is the banner's first line: the verdict, voters up, the
// quorum and, with a partition, how many voters reach each other. It takes
// the fullest wording that fits, so that no number is cut.
func (b banner) verdictLine() string {
	s, st := b.styles, b.st
	sep := s.Label.Render(" │ ")
	style := s.VerdictOK
	mark := " ✓ "
	switch {
	case !st.HasQuorum:
		style, mark = s.VerdictNo, " ✗ "
	case st.Leader == "" || st.StaleLeader(st.Leader):
		style = s.VerdictWait
	}
	var one string
	// The forms: short verdict, short count of those up, learners left to
	// the member table.
	for _, short := range [][3]bool{{false, false, false}, {true, false, false}, {true, true, false}, {true, true, true}} {
		num, words := upText(st, short[1])
		if short[2] {
			words = " up"
		}
		parts := []string{style.Render(mark + verdict(st, short[0]) + " "),
			s.Value.Render(num) + s.Label.Render(words),
			s.Label.Render("quorum ") + s.Value.Render(fmt.Sprint(st.Quorum)),
		}
		if st.Reachable < st.Running {
			parts = append(parts, s.Cut.Render(fmt.Sprintf("✂ %d reachable", st.Reachable)))
		}
		if one = strings.Join(parts, sep); lipgloss.Width(one) <= b.width {
			break
		}
	}
	return one
}

// leaderText says who leads: the leader, a stale leader cut off from the
// majority, or why there is none; short says it in fewer words.
func (b banner) leaderText(short bool) string {
	s, st := b.styles, b.st
	switch {
	case st.Leader != "" && st.StaleLeader(st.Leader) && short:
		return s.Cut.Render("▒ "+st.Leader) + s.Warn.Render(" stale, cut off: cannot commit")
	case st.Leader != "" && st.StaleLeader(st.Leader):
		return s.Cut.Render("▒ "+st.Leader) + s.Warn.Render(" stale: cut off from the majority, it cannot commit")
	case st.Leader != "":
		lead := s.Leader.Render("★ " + st.Leader)
		for _, m := range st.Members {
			if m.Name != st.Leader && st.StaleLeader(m.Name) {
				still := " still thinks it leads, cut off)"
				if short {
					still = " stale)"
				}
				lead += s.Label.Render(" (") + s.Cut.Render("▒ "+m.Name) + s.Label.Render(still)
			}
		}
		return lead
	case st.HasQuorum:
		return s.Elect.Render("? none: election in progress")
	}
	return s.Down.Render("✗ none: no quorum to elect one")
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
		one = b.verdictLine()
		for _, short := range []bool{false, true} {
			two = strings.Join([]string{
				s.Label.Render("leader ") + b.leaderText(short),
				s.Label.Render("term ") + s.Value.Render(fmt.Sprint(st.Term)),
				s.Label.Render("revision ") + s.Value.Render(fmt.Sprint(st.Revision)),
			}, sep)
			if lipgloss.Width(two) <= b.width {
				break
			}
		}
		if b.state == stateStopping {
			two += sep + s.Warn.Render("stopping the members…")
		}
	}
	if b.past != "" {
		return frame(s.Banner, clip(s.Past.Render(b.past), b.width), clip(one, b.width), clip(two, b.width))
	}
	return frame(s.Banner, clip(one, b.width), clip(two, b.width))
}
