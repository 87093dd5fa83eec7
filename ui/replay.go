package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/trace"
)

// ReplayOptions is what etcdlab replay plays.
type ReplayOptions struct {
	Trace *trace.Trace
	// Speed scales the trace's time: 2 plays twice as fast.
	Speed float64
	// At, if set, opens the trace paused at that moment (AtMoment).
	At *Moment
}

// Moment is where a replay opens: Offset after the session's start, or
// the first failed expectation.
type Moment struct {
	Offset time.Duration
	Fail   bool
}

// replayFrame is how often a replay that plays moves on.
const replayFrame = 50 * time.Millisecond

// replayTickMsg moves a replay that plays on by one frame; id drops
// stale ticks.
type replayTickMsg struct{ id int }

// replayer is etcdlab replay: the dashboard's own screen, fed from a
// trace instead of a cluster, moved through by its keys.
type replayer struct {
	keys   KeyMap
	styles *Styles
	help   help.Model
	tape   *tape
	origin time.Time // the session's start: times are drawn from it
	n      int       // the moment shown, as records taken in
	view   model
	// playing moves n on with the trace's time, at speed; clock is the
	// trace's time reached.
	playing bool
	speed   float64
	clock   time.Time
	playID  int
	// finding reads the text to find (find); said is a line for the
	// footer until the next key.
	finding bool
	find    textinput.Model
	said    string
	// net says the network pane is open (l), at every moment shown.
	net    bool
	width  int
	height int
}

// Replay opens the dashboard over a trace, without starting etcd, until
// the user quits or ctx ends. An --at that the trace does not reach is a
// *lab.UsageError, returned before anything is drawn.
func Replay(ctx context.Context, o ReplayOptions) error {
	r, err := newReplayer(o)
	if err != nil {
		return err
	}
	p := tea.NewProgram(r, tea.WithAltScreen(), tea.WithContext(ctx))
	_, err = p.Run()
	return err
}

// newReplayer reads the trace onto a tape and places it at o.At, or at
// the start, playing.
func newReplayer(o ReplayOptions) (replayer, error) {
	tr := o.Trace
	s := DefaultStyles()
	r := replayer{keys: DefaultKeyMap(), styles: &s, help: help.New(), speed: o.Speed, origin: origin(tr)}
	if r.speed <= 0 {
		r.speed = 1
	}
	r.help.Styles = s.Help
	base := replayBase(tr.Header)
	if base.net.why != netAttached && !hasNet(tr) {
		base.net.why = netUnrecorded
	}
	r.tape = newTape(nil, tr.Header.Start, base, 0)
	for _, rec := range tr.Records {
		r.tape.push(rec)
	}
	r.find = textinput.New()
	r.find.Prompt = "find: "
	r.said = tr.Notice
	n, err := r.moment(o.At)
	if err != nil {
		return r, err
	}
	r = r.show(n)
	r.playing = o.At == nil
	r.clock = r.tape.timeOf(r.n)
	return r, nil
}

// origin is when the traced session began: its start record's, else the
// trace's own start.
func origin(tr *trace.Trace) time.Time {
	for _, rec := range tr.Records {
		if s, ok := rec.Body.(trace.Started); ok {
			return s.At
		}
	}
	return tr.Header.Start
}

// hasNet reports whether a trace holds a sample of the network: traces
// written before etcdlab recorded it hold none.
func hasNet(tr *trace.Trace) bool {
	for _, rec := range tr.Records {
		if s, ok := rec.Body.(trace.Sample); ok && s.Net != nil {
			return true
		}
	}
	return false
}

// replayBase is the screen before a trace's first record, as the
// dashboard that wrote it drew it: the same size asked for, ports and
// scenario.
func replayBase(h trace.Header) model {
	o := Options{Config: lab.Config{Cluster: cluster.Config{Members: h.Members, BasePort: h.BasePort}}, Step: h.Step}
	if len(h.Attach) > 0 {
		o.Config.Attach = &cluster.RemoteConfig{Endpoints: h.Attach}
	}
	if sc := h.Script; sc != nil {
		if s, errs := lab.ParseScript(sc.Text); len(errs) == 0 {
			o.Script, o.ScriptPath = s, filepath.Base(sc.Name)
		}
	}
	return newModel(o, nil)
}

// moment returns the moment at opens at: the last moment at most its
// offset after the origin, or just after the first failed expectation.
func (r replayer) moment(at *Moment) (int, error) {
	t := r.tape
	switch {
	case at == nil:
		return t.start(), nil
	case at.Fail:
		for k := t.start(); k < t.end(); k++ {
			if res, ok := t.rec(k).Body.(trace.Result); ok && res.Fail {
				return k + 1, nil
			}
		}
		return 0, &lab.UsageError{Msg: "--at fail: no expectation failed in this trace; use --at SECONDS, e.g. --at 10s"}
	}
	end := t.timeOf(t.end()).Sub(r.origin)
	if at.Offset > end || at.Offset < 0 {
		return 0, &lab.UsageError{Msg: fmt.Sprintf("--at %.1fs is beyond the end of the trace, at %.1fs: pick a time from 0 to %.1f, or G in the replay", at.Offset.Seconds(), end.Seconds(), end.Seconds())}
	}
	return t.jump(t.start(), r.origin.Add(at.Offset).Sub(t.timeOf(t.start()))), nil
}

// show draws moment n.
func (r replayer) show(n int) replayer {
	r.n = min(max(n, r.tape.start()), r.tape.end())
	r.view = r.tape.at(r.n)
	r.view.banner.past = "⏵"
	r.view.net.open = r.net
	r.view.setSize(r.width, r.height)
	return r
}

// Init starts playing, unless the replay opened paused.
func (r replayer) Init() tea.Cmd {
	if r.playing {
		return r.frame()
	}
	return nil
}

// frame arms the next frame of play.
func (r replayer) frame() tea.Cmd {
	id := r.playID
	return tea.Tick(replayFrame, func(time.Time) tea.Msg { return replayTickMsg{id: id} })
}

// Update moves through the trace by key, and on with it while it plays.
func (r replayer) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.width, r.height = msg.Width, msg.Height
		r.view.setSize(r.width, r.height)
	case replayTickMsg:
		if msg.id != r.playID || !r.playing {
			return r, nil
		}
		return r.play()
	case tea.KeyMsg:
		r.said = ""
		if r.finding {
			return r.findKey(msg)
		}
		return r.key(msg)
	}
	return r, nil
}

// play moves one frame of the trace's time on, feeding the view the
// records it passes, and stops at the end.
func (r replayer) play() (tea.Model, tea.Cmd) {
	r.clock = r.clock.Add(time.Duration(float64(replayFrame) * r.speed))
	for r.n < r.tape.end() && !r.tape.rec(r.n).At.After(r.clock) {
		r.view = r.view.feed(r.tape.rec(r.n))
		r.n++
	}
	if r.n >= r.tape.end() {
		r.playing = false
		r.said = "the end of the trace: g goes back to the start"
		return r, nil
	}
	return r, r.frame()
}

// key handles a key of the replay.
func (r replayer) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	t := r.tape
	switch {
	case key.Matches(k, r.keys.ReplayQuit):
		return r, tea.Quit
	case key.Matches(k, r.keys.Play):
		r.playing = !r.playing
		if !r.playing {
			return r, nil
		}
		if r.n >= t.end() {
			r = r.show(t.start())
		}
		r.clock, r.playID = t.timeOf(r.n), r.playID+1
		return r, r.frame()
	case key.Matches(k, r.keys.StepBack):
		r = r.pause().show(t.step(r.n, -1))
	case key.Matches(k, r.keys.StepForward):
		r = r.pause().show(t.step(r.n, +1))
	case key.Matches(k, r.keys.JumpBack):
		r = r.pause().show(t.jump(r.n, -jumpBy))
	case key.Matches(k, r.keys.JumpForward):
		r = r.pause().show(t.jump(r.n, jumpBy))
	case key.Matches(k, r.keys.First):
		r = r.pause().show(t.start())
	case key.Matches(k, r.keys.Last):
		r = r.pause().show(t.end())
	case key.Matches(k, r.keys.Slower):
		r.speed = max(r.speed/2, 1.0/16)
	case key.Matches(k, r.keys.Faster):
		r.speed = min(r.speed*2, 64)
	case key.Matches(k, r.keys.Search):
		r.finding = true
		r.find.Reset()
		return r, r.find.Focus()
	case key.Matches(k, r.keys.ScrollUp):
		r.view.events.scroll(max(r.view.events.height-1, 1))
	case key.Matches(k, r.keys.ScrollDown):
		r.view.events.scroll(-max(r.view.events.height-1, 1))
	case key.Matches(k, r.keys.Net):
		r.net = !r.net
		r.view.net.open = r.net
		r.view.setSize(r.width, r.height)
	}
	return r, nil
}

// pause stops playing.
func (r replayer) pause() replayer {
	r.playing = false
	return r
}

// findKey handles a key while the text to find is typed: enter jumps to
// the next moment whose event, note, line or result holds it.
func (r replayer) findKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyEsc:
		r.finding = false
		return r, nil
	case tea.KeyEnter:
		r.finding = false
		q := strings.ToLower(strings.TrimSpace(r.find.Value()))
		if q == "" {
			return r, nil
		}
		for k := r.n; k < r.tape.end(); k++ {
			if strings.Contains(strings.ToLower(r.tape.rec(k).Searchable()), q) {
				return r.pause().show(k + 1), nil
			}
		}
		r.said = fmt.Sprintf("nothing after %.1fs holds %q: g goes back to the start", r.since(r.n), q)
		return r, nil
	}
	var cmd tea.Cmd
	r.find, cmd = r.find.Update(k)
	return r, cmd
}

// since is how long after the origin moment n was, in seconds; the
// moments of the start, before it, read as 0.
func (r replayer) since(n int) float64 { return max(r.tape.timeOf(n).Sub(r.origin).Seconds(), 0) }

// View draws the dashboard at the moment shown, with a line over the
// banner saying where in the trace it is, and the replay's keys.
func (r replayer) View() string {
	v := r.view
	state := "⏸ paused"
	if r.playing {
		state = "⏵ playing"
	}
	end := r.since(r.tape.end())
	v.banner.past = fmt.Sprintf("%s REPLAY at %.1fs of %.1fs, ×%s: a trace, no etcd runs", state, r.since(r.n), end, speedText(r.speed))
	v.timeline.cursor = fmt.Sprintf("%.1fs ▼", r.since(r.n))
	s := r.styles
	switch {
	case r.finding:
		v.foot = r.find.View()
	case r.said != "":
		v.foot = s.Warn.Render(r.said)
	default:
		where := s.Prompt.Render("REPLAY ▸ ")
		hm := r.help
		hm.Width = r.width - s.Footer.GetHorizontalFrameSize() - lipgloss.Width(where)
		v.foot = where + hm.ShortHelpView(r.keys.replayHelp())
	}
	return v.View()
}

// speedText writes a speed as short as it reads: 2, 0.5, 0.0625.
func speedText(x float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", x), ".0") }
