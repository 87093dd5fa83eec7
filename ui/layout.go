package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// minWidth is the narrowest terminal the layout is drawn in.
const minWidth = 60

// minEvents is the least height the event log keeps when the load chart or
// the leases take room: its title and four lines.
const minEvents = 5

// overlay is a pane drawn over the timeline and events.
type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayConnect
)

// paneWants is what the lab's panes ask of the layout; a change lays the
// screen out again.
type paneWants struct {
	leases int
	load   bool
}

// paneWants returns what the lab's panes ask of the layout now.
func (m model) paneWants() paneWants {
	return paneWants{leases: m.leases.heightFor(maxLeaseRows), load: m.load.wanted()}
}

// setSize lays the screen out: banner, members, scenario, then timeline
// and events share what is left above the prompt and footer. The timeline
// goes first when there is no room for both.
func (m *model) setSize(w, h int) {
	m.width, m.height = w, h
	n := max(len(m.members.st.Members), m.members.want)
	fixed := m.banner.height() + 1 + n + m.player.height() + m.prompt.height() + 1
	rest := h - fixed
	tl := m.timeline.height(n)
	m.tooSmall = ""
	if w < minWidth || rest < 2 {
		m.tooSmall = fmt.Sprintf("etcdlab needs %dx%d, not %dx%d: enlarge the terminal", minWidth, fixed+2, w, h)
		return
	}
	// The load chart, then the leases, then the timeline take what the
	// event log can spare; the chart's events row stands in for the
	// timeline when there is no room for both.
	chart := 0
	if m.load.wanted() {
		for _, c := range []int{chartFull, chartCompact} {
			if rest-c >= minEvents {
				chart = c
				break
			}
		}
	}
	rest -= chart
	ls := m.leases.fit(rest - minEvents)
	rest -= ls
	// The timeline leaves the log two lines, or minEvents beside the lab's
	// panes.
	logMin := 3
	if chart+ls > 0 {
		logMin = minEvents
	}
	switch {
	case rest >= tl+logMin:
		m.showTimeline = true
		rest -= tl
	default:
		m.showTimeline = false
	}
	m.banner.setSize(w, 2)
	m.members.setSize(w, n+1)
	m.timeline.setSize(w, tl)
	m.leases.setSize(w, m.leases.lines)
	m.load.setSize(w, chart)
	m.events.setSize(w, rest)
	m.prompt.setSize(w, 2)
	m.player.setSize(w, 2)
	m.help.Width = w - m.styles.Overlay.GetHorizontalFrameSize()
}

// View draws the screen; it computes nothing but layout.
func (m model) View() string {
	if m.width == 0 {
		return ""
	}
	if m.tooSmall != "" {
		return clip(m.styles.Notice.Render(m.tooSmall), m.width)
	}
	if m.overlay != overlayNone {
		return strings.Join([]string{m.banner.view(), m.overlayView(), m.prompt.view(), m.footer()}, "\n")
	}
	parts := []string{m.banner.view(), m.members.view()}
	if m.player.active() {
		parts = append(parts, m.player.view())
	}
	if m.leases.lines > 0 {
		parts = append(parts, m.leases.view())
	}
	if m.showTimeline {
		parts = append(parts, m.timeline.view())
	}
	if m.load.lines > 0 {
		parts = append(parts, m.load.view())
	}
	parts = append(parts, m.events.view(), m.prompt.view(), m.footer())
	return strings.Join(parts, "\n")
}

// overlayHeight is the height an overlay covers: everything between the
// banner and the prompt.
func (m model) overlayHeight() int {
	return m.height - m.banner.height() - m.prompt.height() - 1
}

// overlayView draws the open overlay, the keys or how to connect, over
// the panes between the banner and the prompt.
func (m model) overlayView() string {
	s := m.styles
	inner := m.width - s.Overlay.GetHorizontalFrameSize()
	var body []string
	switch m.overlay {
	case overlayHelp:
		body = append(body, s.Title.Render("KEYS")+s.Dim.Render("  (member keys act on the selected member; esc closes)"))
		body = append(body, m.helpColumns(inner)...)
	case overlayConnect:
		body = append(body, s.Title.Render("CONNECT FROM ANOTHER TERMINAL")+s.Dim.Render("  (esc closes)"))
		for _, l := range m.conn {
			body = append(body, strings.Split(ansi.Wrap(l, inner, ","), "\n")...)
		}
		if len(m.conn) == 0 {
			body = append(body, "the members are not up yet")
		}
	}
	h := m.overlayHeight() - s.Overlay.GetVerticalFrameSize()
	for len(body) < h {
		body = append(body, "")
	}
	body = body[:max(h, 0)]
	for i, l := range body {
		body[i] = clip(l, inner)
	}
	return s.Overlay.Width(m.width - s.Overlay.GetHorizontalBorderSize()).Render(strings.Join(body, "\n"))
}

// helpColumns lays the key groups side by side as far as the width allows,
// then in further rows, so that every key is listed at any size.
func (m model) helpColumns(width int) []string {
	hm := m.help
	hm.Width = 0
	var out []string
	var row [][]key.Binding
	flush := func() {
		if len(row) > 0 {
			out = append(out, strings.Split(hm.FullHelpView(row), "\n")...)
			row = nil
		}
	}
	for _, g := range m.keys.FullHelp() {
		if len(row) > 0 && lipgloss.Width(hm.FullHelpView(append(row, g))) > width {
			flush()
		}
		row = append(row, g)
	}
	flush()
	return out
}

// footer lists the keys of the focused part, and the presenter's key
// while a scenario line waits for it.
func (m model) footer() string {
	s := m.styles
	var where string
	var keys []key.Binding
	if m.focus == focusTable {
		where = s.Prompt.Render("MEMBER KEYS ▸ ")
		keys = m.keys.ShortHelp()
	} else {
		where = s.Prompt.Render("PROMPT ▸ ")
		keys = m.keys.promptHelp()
	}
	if m.player.waiting() {
		keys = append([]key.Binding{m.keys.Advance}, keys...)
	}
	hm := m.help
	hm.Width = m.width - s.Footer.GetHorizontalFrameSize() - lipgloss.Width(where)
	return frame(s.Footer, clip(where+hm.ShortHelpView(keys), m.width-s.Footer.GetHorizontalFrameSize()))
}
