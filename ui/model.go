package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/lab"
)

// minWidth is the narrowest terminal the layout is drawn in.
const minWidth = 60

// minEvents is the least height the event log keeps when the load chart or
// the leases take room: its title and four lines.
const minEvents = 5

// state is the lifecycle of the UI's session.
type state int

const (
	stateStarting state = iota
	stateReady
	stateStopping
)

func (s state) String() string {
	switch s {
	case stateStarting:
		return "starting"
	case stateReady:
		return "ready"
	case stateStopping:
		return "stopping"
	}
	return "unknown"
}

// focus says which part of the screen gets the keys.
type focus int

const (
	focusPrompt focus = iota
	focusTable
)

func (f focus) String() string {
	if f == focusTable {
		return "table"
	}
	return "prompt"
}

// overlay is a pane drawn over the timeline and events.
type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayConnect
)

// model is the whole screen. It routes each message to the child that
// owns it; every etcd call runs in a tea.Cmd.
type model struct {
	ctx    context.Context
	eng    *engine
	keys   KeyMap
	styles *Styles
	help   help.Model

	state   state
	focus   focus
	overlay overlay
	// err is why the session could not start; Run returns it.
	err error

	sess *lab.Session
	rec  *lab.Recorder
	conn []string
	// notes is the lab's stream of notes, nil before the session starts.
	notes <-chan lab.Note

	tickID  int
	recWarn bool

	width, height int
	tooSmall      string
	showTimeline  bool

	banner   banner
	members  members
	timeline timeline
	leases   leases
	load     loadChart
	events   events
	prompt   prompt
	player   player

	queue   []job
	running bool
}

// newModel returns the UI for the options; eng may be nil in tests that
// feed the model messages by hand.
func newModel(o Options, eng *engine) model {
	s := DefaultStyles()
	st := &s
	m := model{
		eng:      eng,
		keys:     DefaultKeyMap(),
		styles:   st,
		help:     help.New(),
		banner:   banner{styles: st, members: o.Config.Cluster.Members},
		members:  newMembers(st),
		timeline: newTimeline(st),
		leases:   newLeases(st),
		load:     newLoadChart(st),
		events:   newEvents(st),
		prompt:   newPrompt(st),
		player:   player{styles: st, script: o.Script, name: filepath.Base(o.ScriptPath), step: o.Step},
	}
	m.ctx = context.Background()
	if eng != nil {
		m.ctx = eng.ctx
	}
	m.help.Styles = s.Help
	m.members.want = o.Config.Cluster.Members
	m.banner.ports = o.Config.Ports()
	if a := o.Config.Attach; a != nil {
		m.banner.attaching = strings.Join(a.Endpoints, ",")
		m.events.add(entry{kind: entryNote, text: "attaching to " + m.banner.attaching + ": kill, restart and partitions are not available; etcdlab does not run these members"})
		return m
	}
	m.events.add(entry{kind: entryNote, text: o.Config.Starting()})
	return m
}

// Init starts the session and the status ticks.
func (m model) Init() tea.Cmd {
	cmds := []tea.Cmd{tick(m.tickID, nil, nil)}
	if m.eng != nil {
		cmds = append(cmds, m.eng.start)
	}
	return tea.Batch(cmds...)
}

// Update routes a message by kind.
func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyMsg:
		return m.updateKey(msg)
	case startedMsg:
		return m.onStarted(msg)
	case startErrMsg:
		m.err = msg.err
		return m, tea.Quit
	case tickMsg:
		return m.onTick(msg)
	case statusMsg:
		return m.onStatus(msg), nil
	case labMsg:
		return m.onLab(msg), nil
	case eventMsg:
		return m.onEvent(msg)
	case eventsClosedMsg:
		return m, nil
	case notesMsg:
		return m.onNotes(msg)
	case notesClosedMsg:
		return m, nil
	case resultMsg:
		return m.onResult(msg)
	case stoppedMsg:
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.update(msg)
	return m, cmd
}

func (m model) onStarted(msg startedMsg) (tea.Model, tea.Cmd) {
	m.state, m.banner.state = stateReady, stateReady
	m.sess, m.rec, m.conn = msg.sess, msg.rec, msg.conn
	m.events.start = msg.at
	m.events.rewrap()
	for _, l := range m.conn {
		switch {
		case strings.HasPrefix(l, "warning:"):
			m.events.add(entry{kind: entryNote, text: l})
		case strings.HasPrefix(l, "ETCDCTL_ENDPOINTS="):
			m.events.add(entry{kind: entryNote, text: "connect from another terminal: " + l + "  (esc c shows more)"})
		}
	}
	var cmds []tea.Cmd
	if m.sess != nil {
		m.notes = m.sess.Lab.Notes()
		cmds = append(cmds, waitEvent(m.sess.Events), waitNotes(m.ctx, m.notes), sample(m.sess.Cluster))
	}
	if !m.player.step {
		m = m.playNext()
	}
	return m, tea.Batch(append(cmds, m.runNext())...)
}

func (m model) onTick(msg tickMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.tickID {
		return m, nil
	}
	m.banner.now = msg.t
	if m.banner.since.IsZero() {
		m.banner.since = msg.t
	}
	if msg.st != nil {
		m = m.onStatus(statusMsg{st: *msg.st})
	}
	if msg.lab != nil {
		m = m.onLab(*msg.lab)
	}
	var c lab.Backend
	var l *lab.Lab
	if m.sess != nil {
		c, l = m.sess.Cluster, m.sess.Lab
	}
	return m, tick(m.tickID, c, l)
}

// paneWants is what the lab's panes ask of the layout; a change lays the
// screen out again.
type paneWants struct {
	leases int
	load   bool
}

func (m model) paneWants() paneWants {
	return paneWants{leases: m.leases.heightFor(maxLeaseRows), load: m.load.wanted()}
}

// onLab takes a sample of the lab's leases, watches and load.
func (m model) onLab(msg labMsg) model {
	before := m.paneWants()
	m.leases = m.leases.update(msg)
	m.load = m.load.update(msg)
	if m.paneWants() != before {
		m.setSize(m.width, m.height)
	}
	return m
}

// onNotes logs the lab's notes and waits for more.
func (m model) onNotes(msg notesMsg) (tea.Model, tea.Cmd) {
	ens := make([]entry, 0, len(msg.notes))
	for _, n := range msg.notes {
		if en, ok := noteEntry(n); ok {
			ens = append(ens, en)
		}
	}
	m.events.add(ens...)
	if m.notes == nil {
		return m, nil
	}
	return m, waitNotes(m.ctx, m.notes)
}

func (m model) onStatus(msg statusMsg) model {
	if msg.st.Time.Before(m.members.st.Time) {
		return m // an older sample overtaken by a newer one
	}
	n := len(m.members.st.Members)
	m.banner = m.banner.update(msg)
	m.members = m.members.update(msg)
	m.timeline = m.timeline.update(msg)
	if len(msg.st.Members) != n {
		m.setSize(m.width, m.height)
	}
	return m
}

func (m model) onEvent(msg eventMsg) (tea.Model, tea.Cmd) {
	m.events.addEvent(eventEntry(msg.ev))
	if m.sess == nil {
		return m, nil
	}
	return m, tea.Batch(waitEvent(m.sess.Events), sample(m.sess.Cluster))
}

func (m model) onResult(msg resultMsg) (tea.Model, tea.Cmd) {
	m.running = false
	m.prompt.busy = ""
	c, r := msg.job.cmd, msg.res
	m.events.add(m.events.fresh(resultEntries(c, r))...)
	m.prompt.result, m.prompt.bad = summary(c, r), r.Err != nil
	if msg.recErr != nil && !m.recWarn {
		m.recWarn = true
		m.events.add(entry{at: msg.start, kind: entryError, text: msg.recErr.Error()})
	}
	if msg.job.from == fromScript {
		m.player.done(c, r)
		if !m.player.step {
			m = m.playNext()
		}
	}
	cmds := []tea.Cmd{m.runNext()}
	if m.sess != nil {
		cmds = append(cmds, sample(m.sess.Cluster))
	}
	return m, tea.Batch(cmds...)
}

// resultEntries turns a command's result into log entries.
func resultEntries(c *lab.Command, r lab.Result) []entry {
	at := time.Time{}
	switch {
	case r.Err != nil && c.Name == "expect":
		return []entry{{at: at, kind: entryFail, text: "FAIL " + c.Text + ": " + r.Err.Error()}}
	case r.Err != nil:
		return []entry{{at: at, kind: entryError, text: "error: " + r.Err.Error()}}
	case c.Name == "expect":
		return []entry{{at: at, kind: entryPass, text: "PASS " + strings.TrimPrefix(strings.Join(r.Lines, "\n"), "passed: ")}}
	case c.Name == "say":
		return []entry{{at: at, kind: entrySay, text: strings.Join(r.Lines, "\n")}}
	}
	out := make([]entry, 0, len(r.Lines))
	for _, l := range r.Lines {
		out = append(out, entry{at: at, kind: entryResult, text: l})
	}
	return out
}

// summary is the one line shown in place above the prompt.
func summary(c *lab.Command, r lab.Result) string {
	took := r.Took.Round(time.Millisecond)
	if r.Err != nil {
		return fmt.Sprintf("✗ %s (%s): %s", c.Text, took, firstLine(r.Err.Error()))
	}
	if len(r.Lines) == 0 {
		return fmt.Sprintf("✓ %s (%s)", c.Text, took)
	}
	more := ""
	if len(r.Lines) > 1 {
		more = fmt.Sprintf("  (+%d lines under EVENTS)", len(r.Lines)-1)
	}
	return fmt.Sprintf("✓ %s (%s): %s%s", c.Text, took, r.Lines[0], more)
}

// updateKey routes a key by focus and overlay.
func (m model) updateKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.ForceQuit):
		return m.quit()
	case m.overlay != overlayNone:
		if key.Matches(k, m.keys.Close) {
			m.overlay = overlayNone
		}
		return m, nil
	case key.Matches(k, m.keys.ScrollUp):
		m.events.scroll(max(m.events.height-1, 1))
		return m, nil
	case key.Matches(k, m.keys.ScrollDown):
		m.events.scroll(-max(m.events.height-1, 1))
		return m, nil
	}
	if m.focus == focusTable {
		return m.tableKey(k)
	}
	return m.promptKey(k)
}

func (m model) promptKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Advance) && m.player.waiting() && strings.TrimSpace(m.prompt.value()) == "":
		m.prompt.take()
		return m.advance()
	case key.Matches(k, m.keys.Submit):
		return m.runLine(m.prompt.take(), fromPrompt)
	case key.Matches(k, m.keys.FocusTable):
		m.setFocus(focusTable)
		return m, nil
	case key.Matches(k, m.keys.Complete):
		m.prompt.complete(m.members.names())
		return m, nil
	case key.Matches(k, m.keys.HistoryPrev):
		m.prompt.browse(-1)
		return m, nil
	case key.Matches(k, m.keys.HistoryNext):
		m.prompt.browse(+1)
		return m, nil
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.update(k)
	return m, cmd
}

// acts maps the member keys to the command each one types.
func (m model) acts() []struct {
	b    key.Binding
	verb string
} {
	return []struct {
		b    key.Binding
		verb string
	}{
		{m.keys.Kill, "kill"}, {m.keys.Stop, "stop"}, {m.keys.Restart, "restart"},
		{m.keys.Isolate, "isolate"}, {m.keys.Heal, "heal"}, {m.keys.MoveLeader, "move-leader"},
	}
}

func (m model) tableKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.FocusPrompt):
		m.setFocus(focusPrompt)
		return m, nil
	case key.Matches(k, m.keys.Advance) && m.player.waiting():
		return m.advance()
	case key.Matches(k, m.keys.Up):
		m.members.move(-1)
	case key.Matches(k, m.keys.Down):
		m.members.move(+1)
	case key.Matches(k, m.keys.Pick):
		m.members.pick(int(k.Runes[0] - '1'))
	case key.Matches(k, m.keys.HealAll):
		return m.runLine("heal", fromKey)
	case key.Matches(k, m.keys.Help):
		m.overlay = overlayHelp
	case key.Matches(k, m.keys.Connect):
		m.overlay = overlayConnect
	}
	for _, a := range m.acts() {
		if key.Matches(k, a.b) {
			name := m.members.selectedName()
			if name == "" {
				m.prompt.result, m.prompt.bad = "no member to act on yet", true
				return m, nil
			}
			return m.runLine(a.verb+" "+name, fromKey)
		}
	}
	return m, nil
}

func (m *model) setFocus(f focus) {
	m.focus = f
	m.members.focused = f == focusTable
	m.prompt.focus(f == focusPrompt)
}

// quit stops the members, then quits; a second quit does not wait.
func (m model) quit() (tea.Model, tea.Cmd) {
	if m.state == stateStopping || m.eng == nil {
		return m, tea.Quit
	}
	m.state, m.banner.state = stateStopping, stateStopping
	m.tickID++ // no more sampling
	m.events.add(entry{kind: entryNote, text: "stopping the members…"})
	return m, m.eng.stop
}

// runLine parses a line of the command language and queues it.
func (m model) runLine(line string, from source) (tea.Model, tea.Cmd) {
	c, err := lab.Parse(line)
	if errors.Is(err, lab.ErrEmpty) {
		return m, nil
	}
	if err != nil {
		m.events.add(entry{kind: entryCommand, text: line}, entry{kind: entryError, text: "error: " + err.Error()})
		m.prompt.result, m.prompt.bad = "✗ "+err.Error(), true
		return m, nil
	}
	m.queue = append(m.queue, job{cmd: c, from: from})
	m.prompt.queued = max(len(m.queue)-1, 0)
	return m, m.runNext()
}

// advance runs the next scenario line in presenter mode.
func (m model) advance() (tea.Model, tea.Cmd) {
	m = m.playNext()
	return m, m.runNext()
}

// playNext queues the scenario's next line if it may run now.
func (m model) playNext() model {
	if c, ok := m.player.take(); ok {
		m.queue = append(m.queue, job{cmd: c, from: fromScript})
	}
	return m
}

// runNext starts the first queued command unless one is running: commands
// run one at a time, in order, as they would in a scenario file.
func (m *model) runNext() tea.Cmd {
	if m.running || len(m.queue) == 0 || m.sess == nil || m.state == stateStopping {
		return nil
	}
	j := m.queue[0]
	m.queue = m.queue[1:]
	m.running = true
	m.prompt.busy, m.prompt.queued = j.cmd.Text, len(m.queue)
	text := j.cmd.Text
	if j.from == fromScript {
		text = fmt.Sprintf("line %d: %s", j.cmd.Line, text)
	}
	if j.cmd.Name != "say" { // its text is logged as a caption when it runs
		m.events.add(entry{at: m.clock(), kind: entryCommand, text: text})
	}
	return execute(m.ctx, m.sess.Lab, m.rec, j)
}

// clock is the time of the newest message that carried one; Update never
// reads the wall clock, so a replayed session draws the same screen.
func (m model) clock() time.Time {
	if m.banner.now.After(m.members.st.Time) {
		return m.banner.now
	}
	return m.members.st.Time
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
