package ui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// rewind is the live dashboard looking at its past: the moment shown, as
// records of the tape taken in, and the screen at that moment. The
// cluster runs on underneath and the prompt stays live.
type rewind struct {
	on   bool
	n    int
	view *model
}

// rewindKey handles the keys of time travel: the key that freezes the
// view, and while it is frozen the steps, the jumps, the log's scrolling
// and the way back to live. It reports whether it took the key; any
// other key acts as it does live, so commands typed meanwhile still run.
func (m model) rewindKey(k tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	if !m.rw.on {
		if key.Matches(k, m.keys.Rewind) && m.tape != nil && m.overlay == overlayNone && m.state != stateStarting {
			return m.rewindTo(m.tape.end()), nil, true
		}
		return m, nil, false
	}
	t := m.tape
	switch {
	case key.Matches(k, m.keys.Live):
		m.rw = rewind{}
	case key.Matches(k, m.keys.StepBack):
		return m.rewindTo(t.step(m.rw.n, -1)), nil, true
	case key.Matches(k, m.keys.StepForward):
		return m.rewindTo(t.step(m.rw.n, +1)), nil, true
	case key.Matches(k, m.keys.JumpBack):
		return m.rewindTo(t.jump(m.rw.n, -jumpBy)), nil, true
	case key.Matches(k, m.keys.JumpForward):
		return m.rewindTo(t.jump(m.rw.n, jumpBy)), nil, true
	case key.Matches(k, m.keys.ScrollUp):
		m.rw.view.events.scroll(max(m.rw.view.events.height-1, 1))
	case key.Matches(k, m.keys.ScrollDown):
		m.rw.view.events.scroll(-max(m.rw.view.events.height-1, 1))
	default:
		return m, nil, false
	}
	return m, nil, true
}

// rewindTo shows moment n of the tape.
func (m model) rewindTo(n int) model {
	v := m.tape.at(n)
	m.rw = rewind{on: true, n: max(n, m.tape.start()), view: &v}
	m.sizeRewound()
	return m
}

// sizeRewound lays the rewound screen out at the live one's size, with
// its line over the banner.
func (m model) sizeRewound() {
	if v := m.rw.view; v != nil {
		v.banner.past = "⏸"
		v.net.open = m.net.open
		v.setSize(m.width, m.height)
	}
}

// sinceStart is how long after the session's start t was, in seconds.
func (m model) sinceStart(t time.Time) float64 {
	start := m.events.start
	if start.IsZero() && m.tape != nil {
		start = m.tape.begin
	}
	return t.Sub(start).Seconds()
}

// rewoundView draws the moment shown: every pane as it was then, with
// the live prompt under it and a line over the banner saying where live
// is now.
func (m model) rewoundView() string {
	v := *m.rw.view
	v.prompt, v.focus, v.help, v.keys = m.prompt, m.focus, m.help, m.keys
	at := m.sinceStart(m.tape.timeOf(m.rw.n))
	v.banner.past = fmt.Sprintf("⏸ REWOUND to %.1fs, live is %.1fs: the cluster runs on, commands still run", at, m.sinceStart(m.clock()))
	v.timeline.cursor = fmt.Sprintf("%.1fs ▼", at)
	s := m.styles
	where := s.Prompt.Render("REWOUND ▸ ")
	hm := m.help
	hm.Width = m.width - s.Footer.GetHorizontalFrameSize() - lipgloss.Width(where)
	v.foot = where + hm.ShortHelpView(m.keys.rewindHelp())
	return v.View()
}
