package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/etcdlab/etcdlab/cluster"
)

// phase is what a member was doing at one moment of the timeline.
type phase int

// The order is the precedence within a cell: a cell shows the most
// alarming phase it covers, so that a 300 ms election is never hidden
// inside a one-second cell.
const (
	phaseNone phase = iota
	phaseFollower
	phaseLearner
	phaseLeader
	phaseCutFollower
	phaseCutLeader
	phaseStarting
	phaseNoLeader
	phaseDown
	numPhases
)

// phaseGlyph is each phase's symbol: shapes, so that elections and outages
// read without colour.
var phaseGlyph = [numPhases]string{
	phaseNone:     " ",
	phaseFollower: "─",
	phaseLearner:  "·",
	phaseLeader:   "█",
	// A member cut off by a partition: dashed while it follows, shaded
	// while it still believes it leads.
	phaseCutFollower: "┄",
	phaseCutLeader:   "▒",
	phaseStarting:    "░",
	phaseNoLeader:    "?",
	phaseDown:        "×",
}

func phaseOf(m cluster.MemberStatus, cut bool) phase {
	switch {
	case !m.State.Running():
		return phaseDown
	case m.State == cluster.Starting:
		return phaseStarting
	}
	switch m.Role {
	case cluster.RoleLeader:
		if cut {
			return phaseCutLeader
		}
		return phaseLeader
	case cluster.RoleNoLeader:
		return phaseNoLeader
	case cluster.RoleLearner:
		return phaseLearner
	}
	if cut {
		return phaseCutFollower
	}
	return phaseFollower
}

// span is a phase that began at from and lasts until the next span.
type span struct {
	from  time.Time
	phase phase
}

// cellSteps are the durations a cell may stand for; the timeline picks the
// shortest that still shows about a minute (timelineSpan or more).
var cellSteps = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}

const (
	timelineSpan = 50 * time.Second
	// keep is how much history the timeline holds, enough for the widest
	// terminal at the coarsest step.
	keep = 10 * time.Minute
)

// timeline draws, per member, a strip of the last minute or so.
type timeline struct {
	styles *Styles
	names  []string
	tracks map[string][]span
	now    time.Time
	width  int // inner width
	nameW  int
	cell   time.Duration
	paints [numPhases]paint
	// partitioned is set while some member is cut off from a quorum, to
	// explain ┄ and ▒.
	partitioned bool
}

func newTimeline(s *Styles) timeline {
	t := timeline{styles: s, tracks: map[string][]span{}, cell: time.Second}
	for p := range numPhases {
		t.paints[p] = newPaint(s.Phase[p])
	}
	return t
}

func (t *timeline) setSize(w, _ int) {
	t.width = w - t.styles.Pane.GetHorizontalFrameSize()
	t.fitCell()
}

func (t *timeline) cells() int { return max(t.width-t.nameW, 1) }

func (t *timeline) fitCell() {
	t.cell = cellSteps[len(cellSteps)-1]
	for _, d := range cellSteps {
		if time.Duration(t.cells())*d >= timelineSpan {
			t.cell = d
			return
		}
	}
}

// update takes a status sample; other messages are ignored.
func (t timeline) update(msg statusMsg) timeline {
	st := msg.st
	t.now = st.Time
	t.names = t.names[:0]
	t.partitioned = false
	for _, m := range st.Members {
		off := st.CutOff(m.Name)
		t.partitioned = t.partitioned || off
		t.names = append(t.names, m.Name)
		t.nameW = max(t.nameW, lipgloss.Width(m.Name)+1)
		p := phaseOf(m, off)
		tr := t.tracks[m.Name]
		if len(tr) == 0 || tr[len(tr)-1].phase != p {
			tr = append(tr, span{from: st.Time, phase: p})
		}
		// Forget spans that ended before the kept history.
		cut := 0
		for cut+1 < len(tr) && tr[cut+1].from.Before(st.Time.Add(-keep)) {
			cut++
		}
		if cut > 0 {
			tr = append(tr[:0:0], tr[cut:]...)
		}
		t.tracks[m.Name] = tr
	}
	t.fitCell()
	return t
}

// height is the number of lines the timeline needs.
func (t timeline) height(members int) int { return 1 + members }

func (t timeline) view() string {
	s := t.styles
	n := t.cells()
	legend := fmt.Sprintf("%s leader %s follower %s no leader %s down %s starting  1 cell = %s",
		phaseGlyph[phaseLeader], phaseGlyph[phaseFollower], phaseGlyph[phaseNoLeader], phaseGlyph[phaseDown], phaseGlyph[phaseStarting], t.cell)
	if t.partitioned {
		legend = fmt.Sprintf("%s leader %s follower %s cut off %s no leader %s down  1 cell = %s",
			phaseGlyph[phaseLeader], phaseGlyph[phaseFollower], phaseGlyph[phaseCutFollower]+phaseGlyph[phaseCutLeader], phaseGlyph[phaseNoLeader], phaseGlyph[phaseDown], t.cell)
	}
	title := s.Title.Render("TIMELINE") + "  " + s.Dim.Render(legend)
	lines := []string{clip(title, t.width)}
	// Cells are aligned to multiples of the cell duration so that they
	// scroll without shimmering; the last cell holds now.
	end := t.now.Truncate(t.cell).Add(t.cell)
	start := end.Add(-time.Duration(n) * t.cell)
	var b strings.Builder
	for _, name := range t.names {
		b.Reset()
		b.WriteString(name)
		b.WriteString(strings.Repeat(" ", t.nameW-lipgloss.Width(name)))
		t.drawTrack(&b, t.tracks[name], start, n)
		lines = append(lines, b.String())
	}
	return frame(s.Pane, lines...)
}

// drawTrack writes n cells from start, one style call per run of equal
// phases so that drawing stays cheap at 9 members and 150 cells.
func (t timeline) drawTrack(b *strings.Builder, tr []span, start time.Time, n int) {
	i := 0
	run, runLen := phaseNone, 0
	flush := func() {
		if runLen > 0 {
			b.WriteString(t.paints[run].wrap(strings.Repeat(phaseGlyph[run], runLen)))
		}
	}
	for k := 0; k < n; k++ {
		a := start.Add(time.Duration(k) * t.cell)
		z := a.Add(t.cell)
		for i+1 < len(tr) && !tr[i+1].from.After(a) {
			i++
		}
		p := phaseNone
		for j := i; j < len(tr) && tr[j].from.Before(z); j++ {
			if j+1 < len(tr) && !tr[j+1].from.After(a) {
				continue
			}
			if !tr[j].from.After(t.now) && tr[j].phase > p {
				p = tr[j].phase
			}
		}
		if a.After(t.now) {
			p = phaseNone
		}
		if p != run {
			flush()
			run, runLen = p, 0
		}
		runLen++
	}
	flush()
}
