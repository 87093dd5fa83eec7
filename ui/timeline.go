package ui

import (
	"strconv"
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

// timeline draws, per member, a strip of the last minute or so, and under
// them the leader row: who led the cluster in each cell, or ? where the
// cell holds any moment without a leader that could commit.
type timeline struct {
	styles *Styles
	names  []string
	tracks map[string][]span
	lead   []leadSpan
	// gaps are the times of the leader events: each marks a moment without
	// a leader, however short, that samples may fall either side of.
	gaps   []time.Time
	now    time.Time
	width  int // inner width
	nameW  int
	cell   time.Duration
	paints [numPhases]paint
	// seen marks the phases the kept tracks hold, for the legend.
	seen [numPhases]bool
	// partitioned is set while some member is cut off from a quorum, to
	// explain ┄ and ▒.
	partitioned bool
	// short draws the leader row alone, when the layout has one line.
	short bool
	// cursor, if set, is drawn at the title's right end, over the last
	// cell: the moment a rewound or replayed screen shows.
	cursor string
}

// leadSpan is who led from from on: the table row (1-based) of a leader
// that could commit, or 0 while there was none (or only a stale one).
type leadSpan struct {
	from time.Time
	row  int
}

// leaderLabel names the leader row.
const leaderLabel = "leader"

func newTimeline(s *Styles) timeline {
	t := timeline{styles: s, tracks: map[string][]span{}, cell: time.Second, nameW: len(leaderLabel) + 1}
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
	t.seen = [numPhases]bool{}
	row := 0
	for i, m := range st.Members {
		if m.Name == st.Leader && !st.StaleLeader(m.Name) {
			row = i + 1
		}
	}
	if len(t.lead) == 0 || t.lead[len(t.lead)-1].row != row {
		t.lead = append(t.lead, leadSpan{from: st.Time, row: row})
	}
	t.lead = forget(t.lead, st.Time.Add(-keep), func(l leadSpan) time.Time { return l.from })
	for len(t.gaps) > 0 && t.gaps[0].Before(st.Time.Add(-keep)) {
		t.gaps = t.gaps[1:]
	}
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
		tr = forget(tr, st.Time.Add(-keep), func(s span) time.Time { return s.from })
		for _, s := range tr {
			t.seen[s.phase] = true
		}
		t.tracks[m.Name] = tr
	}
	t.fitCell()
	return t
}

// forget drops the spans that ended before since: each lasts until the
// next one begins.
func forget[S any](spans []S, since time.Time, from func(S) time.Time) []S {
	cut := 0
	for cut+1 < len(spans) && from(spans[cut+1]).Before(since) {
		cut++
	}
	if cut == 0 {
		return spans
	}
	return append(spans[:0:0], spans[cut:]...)
}

// onEvent marks the moment of a leader event on the leader row: a leader
// lost, elected or changed always leaves a moment without one.
func (t timeline) onEvent(ev cluster.Event) timeline {
	switch ev.Kind {
	case cluster.LeaderLost, cluster.LeaderElected, cluster.LeaderChanged:
		t.gaps = append(t.gaps, ev.Time)
	}
	return t
}

// height is the number of lines the full timeline needs: a title, a row
// per member and the leader row.
func (t timeline) height(members int) int { return 1 + members + 1 }

func (t timeline) view() string {
	s := t.styles
	n := t.cells()
	// Cells are aligned to multiples of the cell duration so that they
	// scroll without shimmering; the last cell holds now.
	end := t.now.Truncate(t.cell).Add(t.cell)
	start := end.Add(-time.Duration(n) * t.cell)
	var b strings.Builder
	b.WriteString(s.Title.Render(leaderLabel))
	b.WriteString(strings.Repeat(" ", t.nameW-len(leaderLabel)))
	t.drawLeader(&b, start, n)
	leader := b.String()
	if t.short {
		return frame(s.Pane, leader)
	}
	title := s.Title.Render("TIMELINE") + "  " + s.Dim.Render(t.legend(t.width-len("TIMELINE  ")-lipgloss.Width(t.cursor)-1))
	if t.cursor != "" {
		pad := max(t.width-lipgloss.Width(title)-lipgloss.Width(t.cursor), 1)
		title += strings.Repeat(" ", pad) + s.Past.Render(t.cursor)
	}
	lines := []string{clip(title, t.width)}
	for _, name := range t.names {
		b.Reset()
		b.WriteString(name)
		b.WriteString(strings.Repeat(" ", t.nameW-lipgloss.Width(name)))
		t.drawTrack(&b, t.tracks[name], start, n)
		lines = append(lines, b.String())
	}
	return frame(s.Pane, append(lines, leader)...)
}

// legend says what the glyphs mean in at most w cells: the fullest of its
// forms that fits. Glyphs of phases the tracks do not hold are left out,
// except the common ones.
func (t timeline) legend(w int) string {
	g := phaseGlyph
	cut := t.partitioned || t.seen[phaseCutLeader] || t.seen[phaseCutFollower]
	form := func(cell string, wide bool, note string) string {
		items := []string{cell, g[phaseLeader] + " leader"}
		switch {
		case cut && wide:
			items = append(items, g[phaseCutLeader]+" stale leader", g[phaseCutFollower]+" cut off")
		case cut:
			items = append(items, g[phaseCutFollower]+g[phaseCutLeader]+" cut off")
		}
		items = append(items, g[phaseFollower]+" follower")
		if t.seen[phaseLearner] {
			items = append(items, g[phaseLearner]+" learner")
		}
		items = append(items, g[phaseNoLeader]+" no leader", g[phaseDown]+" down")
		if t.seen[phaseStarting] && wide {
			items = append(items, g[phaseStarting]+" starting")
		}
		return strings.Join(items, " ") + note
	}
	cell := "1 cell = " + t.cell.String() + ":"
	for _, note := range []string{"; leader row: who led, ? a moment without one", "; leader row: who led", ""} {
		if f := form(cell, true, note); lipgloss.Width(f) <= w {
			return f
		}
	}
	return form(t.cell.String()+"/cell:", false, "")
}

// drawLeader writes the leader row's n cells from start: the leader's row
// number, or ? if the cell holds a moment without a leader. Like
// drawTrack, it paints each run of equal cells once.
func (t timeline) drawLeader(b *strings.Builder, start time.Time, n int) {
	var run strings.Builder
	runPaint := paint{}
	flush := func(p paint) {
		if run.Len() > 0 {
			b.WriteString(runPaint.wrap(run.String()))
			run.Reset()
		}
		runPaint = p
	}
	i, g := 0, 0
	for k := 0; k < n; k++ {
		a := start.Add(time.Duration(k) * t.cell)
		z := a.Add(t.cell)
		for i+1 < len(t.lead) && !t.lead[i+1].from.After(a) {
			i++
		}
		if a.After(t.now) || len(t.lead) == 0 || t.lead[0].from.After(a) && !t.lead[0].from.Before(z) {
			flush(paint{})
			b.WriteByte(' ')
			continue
		}
		gap, row := false, 0
		for j := i; j < len(t.lead) && t.lead[j].from.Before(z); j++ {
			if j+1 < len(t.lead) && !t.lead[j+1].from.After(a) {
				continue
			}
			row = t.lead[j].row
			gap = gap || row == 0
		}
		for g < len(t.gaps) && t.gaps[g].Before(a) {
			g++
		}
		gap = gap || g < len(t.gaps) && t.gaps[g].Before(z)
		glyph, p := "★", t.paints[phaseLeader]
		switch {
		case gap:
			glyph, p = phaseGlyph[phaseNoLeader], t.paints[phaseNoLeader]
		case row <= 9:
			glyph = strconv.Itoa(row)
		}
		if p != runPaint {
			flush(p)
		}
		run.WriteString(glyph)
	}
	flush(paint{})
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
