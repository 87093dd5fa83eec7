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

// minEvents is the least height the event log keeps when the lab's panes
// take room: its title and four lines; comfortEvents is what it gets
// before the full timeline, the full load chart or more lease rows.
const (
	minEvents     = 5
	comfortEvents = 6
)

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

// setSize lays the screen out. The banner, the member table, the scenario
// lines, the prompt and the footer have fixed heights; the event log, the
// timeline, the load chart and the leases share the rest. Each first gets
// its smallest form (the log minEvents, the timeline its leader row, the
// chart without p50, one lease row); what is left goes to the log up to
// comfortEvents, then to the full timeline, the full chart, more lease rows,
// and the log again. Without room, the leases, the chart and then the
// timeline go first.
func (m *model) setSize(w, h int) {
	m.width, m.height = w, h
	n := max(len(m.members.st.Members), m.members.want)
	fixed := m.banner.height() + 1 + n + m.player.height() + m.prompt.height() + 1
	rest := h - fixed
	m.tooSmall = ""
	if w < minWidth || rest < 2 {
		m.tooSmall = fmt.Sprintf("etcdlab needs %dx%d, not %dx%d: enlarge the terminal", minWidth, fixed+2, w, h)
		return
	}
	netH := m.fitNet(n, rest)
	rest -= netH
	ev, tl, chart, ls := minEvents, 1, 0, m.leases.heightFor(1)
	if m.load.wanted() {
		chart = chartCompact
	}
	for _, drop := range []*int{&ls, &chart, &tl} {
		if ev+tl+chart+ls > rest {
			*drop = 0
		}
	}
	ev = max(rest-tl-chart-ls, 1)
	extra := ev - minEvents
	ev = min(ev, comfortEvents)
	extra -= ev - minEvents
	if full := m.timeline.height(n); tl > 0 && extra >= full-tl {
		extra -= full - tl
		tl = full
	}
	if chart == chartCompact && extra > 0 {
		chart, extra = chartFull, extra-1
	}
	if ls > 0 {
		grown := m.leases.fit(ls + extra)
		extra -= grown - ls
		ls = grown
	} else {
		m.leases.fit(0)
	}
	ev += max(extra, 0)
	m.showTimeline, m.timeline.short = tl > 0, tl == 1
	m.banner.setSize(w, 2)
	m.members.setSize(w, n+1)
	m.net.setSize(w, netH)
	m.timeline.setSize(w, tl)
	m.leases.setSize(w, m.leases.lines)
	m.load.setSize(w, chart)
	m.events.setSize(w, ev)
	m.prompt.setSize(w, 2)
	m.player.setSize(w, 2)
	m.help.Width = w - m.styles.Overlay.GetHorizontalFrameSize()
	m.connect.setSize(w, m.overlayHeight())
}

// fitNet returns the lines the open network pane takes of rest: the whole
// matrix if the event log keeps minEvents beside it, else one line that
// says how many it needs. The matrix comes before the timeline, the load
// chart and the leases: a person opened it.
func (m *model) fitNet(n, rest int) int {
	h := m.net.height(n)
	m.net.cramped, m.net.room = false, 0
	if h > 1 && rest-h < minEvents {
		m.net.cramped, m.net.room = true, max(rest-minEvents, 0)
		h = 1
	}
	if rest-h < 2 {
		return 0
	}
	return h
}

// View draws the screen; it computes nothing but layout.
func (m model) View() string {
	if m.width == 0 {
		return ""
	}
	if m.tooSmall != "" {
		return clip(m.styles.Notice.Render(m.tooSmall), m.width)
	}
	if m.rw.on {
		return m.rewoundView()
	}
	switch m.overlay {
	case overlayConnect:
		return strings.Join([]string{m.banner.view(), m.connect.view(), m.prompt.view(), m.footer()}, "\n")
	case overlayHelp:
		return strings.Join([]string{m.banner.view(), m.overlayView(), m.prompt.view(), m.footer()}, "\n")
	}
	parts := []string{m.banner.view(), m.members.view()}
	if m.net.lines > 0 {
		parts = append(parts, m.net.view())
	}
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

// overlayView draws the help overlay over the panes between the banner and
// the prompt: its title, then the keys and the words from helpOff on.
func (m model) overlayView() string {
	s := m.styles
	inner := m.width - s.Overlay.GetHorizontalFrameSize()
	h := m.overlayHeight() - s.Overlay.GetVerticalFrameSize()
	var body []string
	switch m.overlay {
	case overlayHelp:
		lines := m.helpLines(inner)
		title := s.Title.Render("KEYS") + s.Dim.Render("  (member keys act on the selected member; esc closes)")
		if len(lines) > h-1 {
			title += s.Dim.Render("  pgdn/pgup: more")
		}
		body = append([]string{title}, lines[min(m.helpOff, m.helpMaxOff()):]...)
	}
	for len(body) < h {
		body = append(body, "")
	}
	body = body[:max(h, 0)]
	for i, l := range body {
		body[i] = clip(l, inner)
	}
	return s.Overlay.Width(m.width - s.Overlay.GetHorizontalBorderSize()).Render(strings.Join(body, "\n"))
}

// helpLines are the help overlay's lines under its title: the keys, then
// the words, wrapped to width.
func (m model) helpLines(width int) []string {
	lines := append(m.helpColumns(width), "", m.styles.Header.Render("WORDS"))
	for _, w := range helpWords {
		lines = append(lines, strings.Split(ansi.Wordwrap(w, width, ""), "\n")...)
	}
	return lines
}

// helpPage is how many of the help's lines the overlay shows at once.
func (m model) helpPage() int {
	return max(m.overlayHeight()-m.styles.Overlay.GetVerticalFrameSize()-1, 1)
}

// helpMaxOff is the farthest the help scrolls: its last line at the bottom.
func (m model) helpMaxOff() int {
	n := len(m.helpLines(m.width - m.styles.Overlay.GetHorizontalFrameSize()))
	return max(n-m.helpPage(), 0)
}

// helpWords define what the banner and the panes count, for the help
// overlay.
var helpWords = []string{
	"✂ N reachable (banner): the most running voters that one of them can exchange Raft messages with, both ways, itself included. " +
		"A member that can send to the majority but not hear it, or hear but not send, is not reachable: a one-way cut cuts both ends off from each other.",
	"NETWORK column: ✂ deaf to X, it no longer hears X; mute to X, X no longer hears it; cut: both ways.",
	"NETWORK pane (l): Raft messages/s over the last second, from each row's member to each column's; " +
		"▸ log entries or their acknowledgements, · heartbeats only, ? votes, ✂ cut, and before them the link's delay and loss.",
}

// helpColumns lays the key groups side by side, each under its heading,
// as far as the width allows, then in further rows, so that every key is
// listed at any size.
func (m model) helpColumns(width int) []string {
	hm := m.help
	hm.Width = 0
	const gap = "   "
	var out []string
	var row []string
	flush := func() {
		if len(row) > 0 {
			out = append(out, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, row...), "\n")...)
			row = nil
		}
	}
	for _, g := range m.keys.helpGroups() {
		col := m.styles.Header.Render(g.title) + "\n" + hm.FullHelpView([][]key.Binding{g.keys})
		if len(row) > 0 {
			col = lipgloss.JoinHorizontal(lipgloss.Top, gap, col)
		}
		if len(row) > 0 && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, append(row, col)...)) > width {
			flush()
			col = m.styles.Header.Render(g.title) + "\n" + hm.FullHelpView([][]key.Binding{g.keys})
		}
		row = append(row, col)
	}
	flush()
	return out
}

// footer lists the keys of the focused part, and the presenter's key
// while a scenario line waits for it.
func (m model) footer() string {
	s := m.styles
	if m.foot != "" {
		return frame(s.Footer, clip(m.foot, m.width-s.Footer.GetHorizontalFrameSize()))
	}
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
