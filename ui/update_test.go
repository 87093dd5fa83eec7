package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keyTab   = tea.KeyMsg{Type: tea.KeyTab}
	keyUp    = tea.KeyMsg{Type: tea.KeyUp}
	keyDown  = tea.KeyMsg{Type: tea.KeyDown}
	keyPgUp  = tea.KeyMsg{Type: tea.KeyPgUp}
	keyPgDn  = tea.KeyMsg{Type: tea.KeyPgDown}
	keyCtrlC = tea.KeyMsg{Type: tea.KeyCtrlC}
	keySpace = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
)

func queued(m model) []string {
	var out []string
	for _, j := range m.queue {
		out = append(out, j.cmd.Text)
	}
	return out
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// ready returns a model of a healthy 3-member session with the member
// table focused and etcd2 selected.
func ready(t *testing.T, o Options) model {
	m := newTestUI(t, 3, 120, 40, o)
	m = play(t, m, 2*time.Second, healthy)
	return m
}

func TestPromptKeys(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		setup func(model) model
		keys  []tea.Msg
		check func(t *testing.T, m model, cmd tea.Cmd)
	}{
		{name: "typing and enter queue the command", keys: []tea.Msg{runes("put a 1"), keyEnter},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := queued(m); len(got) != 1 || got[0] != "put a 1" {
					t.Errorf("queue = %q, want [put a 1]", got)
				}
				if m.prompt.value() != "" || m.prompt.history[0] != "put a 1" {
					t.Errorf("prompt %q history %q", m.prompt.value(), m.prompt.history)
				}
			}},
		{name: "a syntax error is shown and runs nothing", keys: []tea.Msg{runes("kil etcd1"), keyEnter},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if len(m.queue) != 0 || !m.prompt.bad || !strings.Contains(m.prompt.result, "unknown command") {
					t.Errorf("queue %q, result %q", queued(m), m.prompt.result)
				}
			}},
		{name: "enter on an empty prompt does nothing", keys: []tea.Msg{keyEnter},
			check: func(t *testing.T, m model, cmd tea.Cmd) {
				if len(m.queue) != 0 || cmd != nil {
					t.Errorf("queue %q", queued(m))
				}
			}},
		{name: "esc gives the table focus", keys: []tea.Msg{keyEsc},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if m.focus != focusTable || !m.members.focused || m.prompt.input.Focused() {
					t.Errorf("focus %s", m.focus)
				}
			}},
		{name: "tab completes a command name", keys: []tea.Msg{runes("mov"), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "move-leader " {
					t.Errorf("prompt = %q", got)
				}
			}},
		{name: "tab completes a member name as far as it can", keys: []tea.Msg{runes("kill"), keySpace, runes("e"), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "kill etcd" || !strings.Contains(m.prompt.result, "etcd1  etcd2  etcd3") {
					t.Errorf("prompt = %q, result %q", got, m.prompt.result)
				}
			}},
		{name: "tab completes a unique member", keys: []tea.Msg{runes("restart etcd2"), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "restart etcd2 " {
					t.Errorf("prompt = %q", got)
				}
			}},
		{name: "tab completes a lease ID after --lease=", setup: withLeasesAndWatches,
			keys: []tea.Msg{runes("put k v --lease=6"), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "put k v --lease=694d77aa9e38260f " {
					t.Errorf("prompt = %q", got)
				}
			}},
		{name: "tab lists the lease IDs after --lease=", setup: withLeasesAndWatches,
			keys: []tea.Msg{runes("put k v --lease="), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "put k v --lease=" || !strings.Contains(m.prompt.result, "--lease=000000000000001a  --lease=694d77aa9e38260f") {
					t.Errorf("prompt = %q, result %q", got, m.prompt.result)
				}
			}},
		{name: "tab completes a lease command and its lease", setup: withLeasesAndWatches,
			keys: []tea.Msg{runes("lease rev"), keyTab, runes("0"), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "lease revoke 000000000000001a " {
					t.Errorf("prompt = %q", got)
				}
			}},
		{name: "tab completes a watch ID", setup: withLeasesAndWatches,
			keys: []tea.Msg{runes("unwatch "), keyTab},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "unwatch " || !strings.Contains(m.prompt.result, "completions: 1  2") {
					t.Errorf("prompt = %q, result %q", got, m.prompt.result)
				}
				m, _ = send(t, m, runes("2"))
				m, _ = send(t, m, keyTab)
				if got := m.prompt.value(); got != "unwatch 2 " {
					t.Errorf("prompt = %q", got)
				}
			}},
		{name: "up and down browse the history", keys: []tea.Msg{runes("put a 1"), keyEnter, runes("get a"), keyEnter, runes("dra"), keyUp, keyUp, keyUp},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := m.prompt.value(); got != "put a 1" {
					t.Errorf("after up up up: %q", got)
				}
				m, _ = send(t, m, keyDown)
				m, _ = send(t, m, keyDown)
				if got := m.prompt.value(); got != "dra" {
					t.Errorf("after down down: %q, want the draft back", got)
				}
			}},
		{name: "pgup and pgdn scroll the events",
			setup: func(m model) model {
				for i := range 100 {
					m.events.add(entry{kind: entryNote, text: "line " + itoa(i)})
				}
				return m
			},
			keys: []tea.Msg{keyPgUp, keyPgUp},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if m.events.offset != 2*(m.events.height-1) {
					t.Errorf("offset %d, height %d", m.events.offset, m.events.height)
				}
				if !strings.Contains(m.View(), "scrolled back") {
					t.Error("the events title does not say it is scrolled")
				}
				m, _ = send(t, m, keyPgDn)
				m, _ = send(t, m, keyPgDn)
				if m.events.offset != 0 {
					t.Errorf("offset %d after pgdn pgdn", m.events.offset)
				}
			}},
		{name: "ctrl+c quits from the prompt", keys: []tea.Msg{keyCtrlC},
			check: func(t *testing.T, m model, cmd tea.Cmd) {
				if !isQuit(cmd) {
					t.Error("ctrl+c did not quit")
				}
			}},
		{name: "step mode: space on an empty prompt runs the next line", opts: stepOpts(t), keys: []tea.Msg{keySpace},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := queued(m); len(got) != 1 || got[0] != "put a 1" || !m.player.busy {
					t.Errorf("queue = %q", got)
				}
			}},
		{name: "step mode: enter on an empty prompt runs the next line", opts: stepOpts(t), keys: []tea.Msg{keyEnter},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := queued(m); len(got) != 1 || got[0] != "put a 1" {
					t.Errorf("queue = %q", got)
				}
			}},
		{name: "step mode: space while typing is a space", opts: stepOpts(t), keys: []tea.Msg{runes("get"), keySpace, runes("a"), keyEnter},
			check: func(t *testing.T, m model, _ tea.Cmd) {
				if got := queued(m); len(got) != 1 || got[0] != "get a" || m.player.busy {
					t.Errorf("queue = %q", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ready(t, tt.opts)
			if tt.setup != nil {
				m = tt.setup(m)
			}
			var cmd tea.Cmd
			for _, k := range tt.keys {
				m, cmd = send(t, m, k)
			}
			tt.check(t, m, cmd)
		})
	}
}

// withLeasesAndWatches gives the model a sample of the lab with two
// leases and two watches.
func withLeasesAndWatches(m model) model {
	next, _ := m.Update(labMsg{at: at(sec(3)),
		leases:  []lab.LeaseInfo{leaseOf(0x1a, 30, 20, true, "s"), leaseOf(0x694d77aa9e38260f, 10, 5, false, "k")},
		watches: []lab.WatchInfo{{ID: 1, Key: "k", Member: "etcd2"}, {ID: 2, Key: "app/ (prefix)", Member: "etcd3"}}})
	return next.(model)
}

func stepOpts(t *testing.T) Options {
	s, errs := lab.ParseScript("members 3\nput a 1\nkill etcd1\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return Options{Script: s, ScriptPath: "x.lab", Step: true}
}

func TestTableKeys(t *testing.T) {
	acts := []struct{ key, want string }{
		{"k", "kill etcd2"}, {"s", "stop etcd2"}, {"r", "restart etcd2"},
		{"i", "isolate etcd2"}, {"h", "heal etcd2"}, {"m", "move-leader etcd2"}, {"H", "heal"},
	}
	for _, a := range acts {
		t.Run(a.key, func(t *testing.T) {
			m := ready(t, Options{})
			m, _ = send(t, m, keyEsc)
			m, _ = send(t, m, runes("2"))
			m, _ = send(t, m, runes(a.key))
			if got := queued(m); len(got) != 1 || got[0] != a.want {
				t.Errorf("queue = %q, want [%s]", got, a.want)
			}
		})
	}
	tests := []struct {
		name  string
		opts  Options
		keys  []tea.Msg
		check func(t *testing.T, m model, cmd tea.Cmd)
	}{
		{name: "digits select", keys: []tea.Msg{runes("3")}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.members.selectedName() != "etcd3" {
				t.Errorf("selected %s", m.members.selectedName())
			}
		}},
		{name: "a digit past the last member keeps the selection", keys: []tea.Msg{runes("2"), runes("9")}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.members.selectedName() != "etcd2" {
				t.Errorf("selected %s", m.members.selectedName())
			}
		}},
		{name: "up and down move within the table", keys: []tea.Msg{keyDown, keyDown, keyDown, keyUp}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.members.selectedName() != "etcd2" {
				t.Errorf("selected %s", m.members.selectedName())
			}
			if !strings.Contains(m.View(), "▶ etcd2") {
				t.Error("the selected row is not marked")
			}
		}},
		{name: "? opens help listing every key, esc closes it", keys: []tea.Msg{runes("?")}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.overlay != overlayHelp {
				t.Fatalf("overlay %d", m.overlay)
			}
			v := m.View()
			for _, g := range m.keys.helpGroups() {
				if !strings.Contains(v, g.title) {
					t.Errorf("help lacks the heading %q", g.title)
				}
			}
			for _, b := range flatten(m.keys.FullHelp()) {
				if !strings.Contains(v, b.Help().Desc) {
					t.Errorf("help lacks %q", b.Help().Desc)
				}
			}
			m, _ = send(t, m, keyEsc)
			if m.overlay != overlayNone || m.focus != focusTable {
				t.Errorf("after esc: overlay %d focus %s", m.overlay, m.focus)
			}
		}},
		{name: "c shows how to connect", keys: []tea.Msg{runes("c")}, check: func(t *testing.T, m model, _ tea.Cmd) {
			v := m.View()
			if m.overlay != overlayConnect || !strings.Contains(v, "ETCDCTL_ENDPOINTS=") || !strings.Contains(v, "etcd3.client(") {
				t.Errorf("overlay %d:\n%s", m.overlay, v)
			}
		}},
		{name: ": brings the prompt back", keys: []tea.Msg{runes(":")}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.focus != focusPrompt || !m.prompt.input.Focused() || m.prompt.value() != "" {
				t.Errorf("focus %s, prompt %q", m.focus, m.prompt.value())
			}
		}},
		{name: "enter brings the prompt back", keys: []tea.Msg{keyEnter}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.focus != focusPrompt {
				t.Errorf("focus %s", m.focus)
			}
		}},
		{name: "q stops the members, then quits", keys: []tea.Msg{runes("q")}, check: func(t *testing.T, m model, cmd tea.Cmd) {
			if m.state != stateStopping || !strings.Contains(m.View(), "stopping the members") {
				t.Fatalf("state %s", m.state)
			}
			msg := cmd()
			if _, ok := msg.(stoppedMsg); !ok {
				t.Fatalf("quit command returned %T", msg)
			}
			_, cmd = send(t, m, msg)
			if !isQuit(cmd) {
				t.Error("stoppedMsg did not quit")
			}
		}},
		{name: "ctrl+c while stopping quits at once", keys: []tea.Msg{runes("q"), keyCtrlC}, check: func(t *testing.T, m model, cmd tea.Cmd) {
			if !isQuit(cmd) {
				t.Error("no quit")
			}
		}},
		{name: "step mode: space runs the next line", opts: stepOpts(t), keys: []tea.Msg{keySpace}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if got := queued(m); len(got) != 1 || got[0] != "put a 1" {
				t.Errorf("queue = %q", got)
			}
		}},
		{name: "pgup scrolls from the table too", keys: []tea.Msg{keyPgUp}, check: func(t *testing.T, m model, _ tea.Cmd) {
			if m.events.offset != 0 && len(m.events.lines) <= m.events.height {
				t.Errorf("offset %d with %d lines", m.events.offset, len(m.events.lines))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ready(t, tt.opts)
			m.eng = newEngine(context.Background(), lab.Config{}, nil)
			t.Cleanup(m.eng.close)
			m, _ = send(t, m, keyEsc)
			var cmd tea.Cmd
			for _, k := range tt.keys {
				m, cmd = send(t, m, k)
			}
			tt.check(t, m, cmd)
		})
	}
}

func flatten[T any](groups [][]T) []T {
	var out []T
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestMessages(t *testing.T) {
	t.Run("window size reflows and a tiny one shows a notice", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		checkFits(t, m.View(), 80, 24)
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 30, Height: 5})
		if m.tooSmall == "" || strings.Contains(m.View(), "\n") {
			t.Errorf("30x5: %q", m.View())
		}
	})
	t.Run("the UI shows starting members before the session", func(t *testing.T) {
		m := newModel(Options{Config: lab.Config{Cluster: cluster.Config{Members: 5, BasePort: 46000}}}, nil)
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		if v := m.View(); !strings.Contains(v, "STARTING 5 members") || !strings.Contains(v, "46000-46009") {
			t.Errorf("view:\n%s", v)
		}
		if m.state != stateStarting {
			t.Errorf("state %s", m.state)
		}
	})
	t.Run("startedMsg makes the session ready", func(t *testing.T) {
		m := newModel(Options{Config: lab.Config{Cluster: cluster.Config{Members: 3}}}, nil)
		m, _ = send(t, m, startedMsg{at: t0, conn: fakeConn})
		if m.state != stateReady || !m.connect.known || m.connect.conn.Endpoints() != fakeConn.Endpoints() {
			t.Errorf("state %s", m.state)
		}
	})
	t.Run("startErrMsg quits with the error", func(t *testing.T) {
		m := newModel(Options{}, nil)
		m, cmd := send(t, m, startErrMsg{err: &lab.StartError{Err: errFixed("port 2379 is already in use")}})
		if m.err == nil || !isQuit(cmd) {
			t.Errorf("err %v", m.err)
		}
	})
	t.Run("a current tick samples again, a stale one is dropped", func(t *testing.T) {
		m := ready(t, Options{})
		if _, cmd := send(t, m, tickMsg{id: m.tickID, t: at(3 * time.Second)}); cmd == nil {
			t.Error("current tick did not re-arm")
		}
		if _, cmd := send(t, m, tickMsg{id: m.tickID + 1, t: at(3 * time.Second)}); cmd != nil {
			t.Error("stale tick was not dropped")
		}
	})
	t.Run("an older status sample does not overwrite a newer one", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, statusMsg{st: oneDown(20 * time.Second)})
		m, _ = send(t, m, statusMsg{st: healthy(19 * time.Second)})
		if m.banner.st.Leader != "etcd3" {
			t.Errorf("leader %s, want etcd3 of the newer sample", m.banner.st.Leader)
		}
	})
	t.Run("an event is logged", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, eventMsg{ev: cluster.Event{Time: at(time.Second), Kind: cluster.QuorumLost, Text: "quorum lost: test"}})
		if !strings.Contains(m.View(), "✗ quorum lost: test") {
			t.Error("event not shown")
		}
		if _, cmd := send(t, m, eventsClosedMsg{}); cmd != nil {
			t.Error("a closed stream was waited on again")
		}
	})
	t.Run("a result is shown in place and logged", func(t *testing.T) {
		m := ready(t, Options{})
		m.running = true
		c, _ := lab.Parse("get a")
		m, _ = send(t, m, resultMsg{job: job{cmd: c}, res: lab.Result{Lines: []string{"a", "1"}, Took: time.Millisecond}, start: at(time.Second)})
		if m.running || !strings.Contains(m.prompt.result, "get a (1ms): a  (+1 lines") {
			t.Errorf("result %q", m.prompt.result)
		}
		m, _ = send(t, m, resultMsg{job: job{cmd: c}, res: lab.Result{Err: errFixed("boom")}, recErr: errFixed("cannot write the recording: disk full")})
		v := m.View()
		if !strings.Contains(v, "✗ get a (0s): boom") || !strings.Contains(v, "disk full") {
			t.Errorf("view:\n%s", v)
		}
	})
	t.Run("a scenario plays by itself and marks expectations", func(t *testing.T) {
		s, _ := lab.ParseScript("say hello\nexpect leader\nexpect leader etcd2\nput never run\n")
		m := ready(t, Options{Script: s, ScriptPath: "x.lab"})
		for _, r := range []lab.Result{{Lines: []string{"hello"}}, {Lines: []string{"passed: leader is etcd1 (term 2)"}}, {Err: errFixed("expected leader etcd2, but the leader is etcd1")}} {
			if len(m.queue) != 1 {
				t.Fatalf("queue %q", queued(m))
			}
			j := m.queue[0]
			m.queue = nil
			m, _ = send(t, m, resultMsg{job: j, res: r})
		}
		v := m.View()
		for _, want := range []string{"» hello", "✓ PASS leader is etcd1", "✗ FAIL expect leader etcd2", "scenario stopped at line 3"} {
			if !strings.Contains(v, want) {
				t.Errorf("view lacks %q:\n%s", want, v)
			}
		}
		if len(m.queue) != 0 {
			t.Errorf("the scenario went on after a failure: %q", queued(m))
		}
	})
	t.Run("stoppedMsg quits", func(t *testing.T) {
		if _, cmd := send(t, ready(t, Options{}), stoppedMsg{}); !isQuit(cmd) {
			t.Error("no quit")
		}
	})
}

func TestState(t *testing.T) {
	for s, want := range map[state]string{stateStarting: "starting", stateReady: "ready", stateStopping: "stopping", 9: "unknown"} {
		if s.String() != want {
			t.Errorf("%d: %s", s, s)
		}
	}
}
