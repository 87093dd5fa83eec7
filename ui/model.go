package ui

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// state is the lifecycle of the UI's session.
type state int

const (
	stateStarting state = iota
	stateReady
	stateStopping
)

// String returns the state's name.
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
	// helpOff is how far the help overlay is scrolled, in lines.
	helpOff int
	// err is why the session could not start; Run returns it.
	err error
	// leave says, in etcdlab learn, where to go once the dashboard quits.
	leave leave

	sess *lab.Session
	rec  *lab.Recorder
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
	connect  connectPane
	net      netPane

	queue   []job
	running bool
	// current is the job running while running is set.
	current job

	// tape keeps what the live dashboard took in, for rewinding and
	// --trace (tape.go); nil in a model that replays. replay says the
	// model replays records: it runs no command and starts nothing.
	tape   *tape
	replay bool
	// rw is the rewound view, while the dashboard shows the past.
	rw rewind
	// foot, if set, is drawn in place of the footer's keys: a rewound or
	// replayed screen's own.
	foot string
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
		connect:  connectPane{styles: st},
		net:      newNetPane(st),
	}
	m.ctx = context.Background()
	if eng != nil {
		m.ctx = eng.ctx
	}
	m.help.Styles = s.Help
	m.members.want = o.Config.Cluster.Members
	m.player.coach = newCoach(st, o.Learn)
	m.banner.ports = o.Config.Ports()
	if a := o.Config.Attach; a != nil {
		m.banner.attaching = strings.Join(a.Endpoints, ",")
		m.net.why = netAttached
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

// Update takes a message in on the tape, if it is one a trace keeps,
// and routes it as the trace reads it back.
func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.tape != nil {
		if b, ok := m.bodyOf(msg); ok {
			if r, ok := m.tape.add(traceTime(), b); ok {
				msg = relive(msg, m.msgOf(r))
			}
		}
	}
	return m.route(msg)
}

// route routes a message by kind.
func (m model) route(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		m.sizeRewound()
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
	case netMsg:
		return m.onNet(msg), nil
	case checkMsg:
		return m.onCheck(msg)
	case markedMsg:
		return m.onMarked(msg), nil
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
	case connMsg:
		return m.onConn(msg), nil
	case stoppedMsg:
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.update(msg)
	return m, cmd
}

// onStarted takes the session once the members are ready, logs how to
// connect, and starts the streams and the scenario.
func (m model) onStarted(msg startedMsg) (tea.Model, tea.Cmd) {
	m.state, m.banner.state = stateReady, stateReady
	m.sess, m.rec = msg.sess, msg.rec
	m.connect.conn, m.connect.known = msg.conn, true
	m.events.start = msg.at
	m.events.rewrap()
	for _, w := range msg.warnings {
		m.events.add(entry{kind: entryNote, text: w})
	}
	m.events.add(entry{kind: entryNote, text: "connect from another terminal: esc c shows the lines to copy"})
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

// onTick takes the samples that ride on a tick and arms the next one;
// stale ticks are dropped.
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
	if msg.net != nil {
		m = m.onNet(*msg.net)
	}
	var c lab.Backend
	var l *lab.Lab
	if m.sess != nil {
		c, l = m.sess.Cluster, m.sess.Lab
	}
	return m, tea.Batch(tick(m.tickID, c, l), m.tryTask(msg.t))
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

// onNet takes a sample of the network, and lays the screen out again
// when the open pane's height changes.
func (m model) onNet(msg netMsg) model {
	if !m.net.open {
		m.net = m.net.update(msg)
		return m
	}
	n := len(m.members.st.Members)
	before := m.net.height(n)
	m.net = m.net.update(msg)
	if m.net.height(n) != before {
		m.setSize(m.width, m.height)
	}
	return m
}

// toggleNet opens or closes the network pane, on the live screen and on
// the moment rewound; it draws the last sample taken, at most a second
// old.
func (m model) toggleNet() (tea.Model, tea.Cmd) {
	m.net.open = !m.net.open
	m.setSize(m.width, m.height)
	m.sizeRewound()
	return m, nil
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

// onStatus hands a status sample to the banner, the member table and the
// timeline, and lays the screen out again when the member count changes.
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

// onEvent logs a cluster event, then waits for the next and samples the
// status it changed.
func (m model) onEvent(msg eventMsg) (tea.Model, tea.Cmd) {
	m.events.add(eventEntry(msg.ev))
	m.timeline = m.timeline.onEvent(msg.ev)
	if m.sess == nil {
		return m, nil
	}
	cmds := []tea.Cmd{waitEvent(m.sess.Events), sample(m.sess.Cluster)}
	switch msg.ev.Kind {
	case cluster.MemberAdded, cluster.MemberRemoved:
		cmds = append(cmds, connect(m.sess.Cluster))
	}
	return m, tea.Batch(cmds...)
}

// onConn keeps the connection pane current after members were added or
// removed, and logs the new ETCDCTL_ENDPOINTS line.
func (m model) onConn(msg connMsg) model {
	if was := m.connect.conn; !m.connect.known || was.Endpoints() != msg.conn.Endpoints() {
		m.events.add(entry{at: m.clock(), kind: entryNote, text: "the members changed; connect with: " + msg.conn.Endpoints() + "  (esc c shows more)"})
	}
	m.connect.conn, m.connect.known = msg.conn, true
	return m
}
