package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// maxEntries bounds the event log; older entries are forgotten.
const maxEntries = 1000

// entryKind says how an entry of the log is drawn.
type entryKind int

const (
	entryEvent entryKind = iota
	entryBad             // an event that lost something: a kill, no quorum
	entryGood            // an event that won something back: a leader, quorum
	entryCommand
	entryResult
	entryError
	entryPass
	entryFail
	entrySay
	entryNote
)

// entry is one line of the event log before wrapping.
type entry struct {
	at   time.Time
	kind entryKind
	text string
}

// events is the scrollable log of cluster events and command results.
type events struct {
	styles  *Styles
	entries []entry
	lines   []string // entries wrapped to the width, styled
	start   time.Time
	offset  int // lines scrolled up from the newest
	width   int // inner width
	height  int // lines of log under the title
}

func newEvents(s *Styles) events { return events{styles: s} }

func (e *events) setSize(w, h int) {
	w -= e.styles.Pane.GetHorizontalFrameSize()
	h -= e.styles.Pane.GetVerticalFrameSize() + 1
	if w != e.width {
		e.width = w
		e.rewrap()
	}
	e.height = max(h, 0)
	e.clampOffset()
}

func (e *events) rewrap() {
	// A fresh slice: a rewound copy of the log may share the old one.
	e.lines = make([]string, 0, len(e.lines))
	for _, en := range e.entries {
		e.lines = append(e.lines, e.wrap(en)...)
	}
}

func (e *events) clampOffset() {
	e.offset = min(max(e.offset, 0), max(len(e.lines)-e.height, 0))
}

// add appends entries, keeping the view still if the reader scrolled up.
func (e *events) add(ens ...entry) {
	for _, en := range ens {
		ls := e.wrap(en)
		e.entries = append(e.entries, en)
		e.lines = append(e.lines, ls...)
		if e.offset > 0 {
			e.offset += len(ls)
		}
	}
	if len(e.entries) > maxEntries+maxEntries/4 {
		e.entries = append(e.entries[:0:0], e.entries[len(e.entries)-maxEntries:]...)
		e.rewrap()
	}
	e.clampOffset()
}

func (e *events) scroll(d int) {
	e.offset += d
	e.clampOffset()
}

var eventMark = map[entryKind]string{
	entryEvent:   "•",
	entryBad:     "✗",
	entryGood:    "✓",
	entryCommand: "›",
	entryResult:  " ",
	entryError:   "✗",
	entryPass:    "✓",
	entryFail:    "✗",
	entrySay:     "»",
	entryNote:    "•",
}

func (e events) styleOf(k entryKind) lipgloss.Style {
	s := e.styles
	switch k {
	case entryBad:
		return s.LogBad
	case entryGood:
		return s.LogGood
	case entryCommand:
		return s.LogCommand
	case entryError, entryFail:
		return s.LogError
	case entryPass:
		return s.LogPass
	case entrySay:
		return s.Caption
	case entryEvent, entryNote:
		return s.LogEvent
	}
	return s.LogResult
}

// wrap renders an entry as lines of the log's width: a time stamp
// relative to the session's start, a mark, then the text, wrapped under
// itself.
func (e events) wrap(en entry) []string {
	stamp := fmt.Sprintf("%7.1fs ", en.at.Sub(e.start).Seconds())
	if en.at.IsZero() || e.start.IsZero() {
		stamp = strings.Repeat(" ", 9)
	}
	lead := stamp + eventMark[en.kind] + " "
	indent := strings.Repeat(" ", lipgloss.Width(lead))
	room := max(e.width-lipgloss.Width(lead), 8)
	st := e.styleOf(en.kind)
	var out []string
	for _, para := range strings.Split(en.text, "\n") {
		for i, l := range strings.Split(ansi.Wrap(para, room, " ,"), "\n") {
			pre := indent
			if len(out) == 0 && i == 0 {
				pre = e.styles.LogTime.Render(stamp) + st.Render(eventMark[en.kind]) + " "
			}
			out = append(out, pre+st.Render(l))
		}
	}
	return out
}

func (e events) view() string {
	s := e.styles
	title := s.Title.Render("EVENTS")
	if e.offset > 0 {
		title += s.Warn.Render(fmt.Sprintf("  ↑ scrolled back %d lines: pgdn for newer", e.offset))
	} else if len(e.lines) > e.height {
		title += s.Dim.Render("  pgup for older")
	}
	end := len(e.lines) - e.offset
	from := max(end-e.height, 0)
	lines := make([]string, 0, e.height+1)
	lines = append(lines, clip(title, e.width))
	lines = append(lines, e.lines[from:end]...)
	for len(lines) < e.height+1 {
		lines = append(lines, "")
	}
	return frame(s.Pane, lines...)
}

// noteEntry turns a note of the lab into a log entry, its source first as
// the transcript prints it. The load's per-second summaries are not
// logged: the load chart shows them, and they would push everything else
// out of the log.
func noteEntry(n lab.Note) (entry, bool) {
	if n.Source == "load" && strings.Contains(n.Text, "ops/s") {
		return entry{}, false
	}
	return entry{at: n.Time, kind: entryNote, text: fmt.Sprintf("%-7s  %s", n.Source, n.Text)}, true
}

// eventEntry turns a cluster event into a log entry.
func eventEntry(ev cluster.Event) entry {
	k := entryEvent
	switch ev.Kind {
	case cluster.MemberKilled, cluster.MemberFailed, cluster.LeaderLost, cluster.QuorumLost, cluster.Partitioned, cluster.MemberStopped:
		k = entryBad
	case cluster.LeaderElected, cluster.QuorumRegained, cluster.MemberRestarted, cluster.Healed:
		k = entryGood
	}
	return entry{at: ev.Time, kind: k, text: ev.Text}
}
