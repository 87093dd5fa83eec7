package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is every key the UI answers to. Prompt keys act while the prompt
// has focus, table keys while the member table has it.
type KeyMap struct {
	// everywhere
	ForceQuit  key.Binding
	ScrollUp   key.Binding
	ScrollDown key.Binding

	// prompt focus
	Submit      key.Binding
	Complete    key.Binding
	HistoryPrev key.Binding
	HistoryNext key.Binding
	FocusTable  key.Binding

	// table focus
	FocusPrompt key.Binding
	Up          key.Binding
	Down        key.Binding
	Pick        key.Binding
	Kill        key.Binding
	Stop        key.Binding
	Restart     key.Binding
	Isolate     key.Binding
	// CutOut and CutIn cut the selected member's links one way: every
	// link from it (cut NAME all), or every link to it (cut all NAME).
	CutOut     key.Binding
	CutIn      key.Binding
	Heal       key.Binding
	HealAll    key.Binding
	MoveLeader key.Binding
	Help       key.Binding
	Connect    key.Binding
	// Net opens or closes the network pane.
	Net  key.Binding
	Quit key.Binding

	// presenter mode (--step): runs the next scenario line; enter does so
	// only from an empty prompt.
	Advance key.Binding

	// overlays (help, connection details)
	Close key.Binding

	// exercises: anywhere while a task is under way; RunSolution and
	// HideSolution answer the solution once it is shown, NextExercise the
	// end of an exercise in etcdlab learn.
	Hint         key.Binding
	Solution     key.Binding
	RunSolution  key.Binding
	HideSolution key.Binding
	NextExercise key.Binding
	// StartExercise starts the exercise chosen in etcdlab learn's list.
	StartExercise key.Binding

	// time travel: Rewind freezes the live view on the past, where
	// StepBack and StepForward move by event, JumpBack and JumpForward by
	// jumpBy, and Live (or Rewind again) returns to live.
	Rewind      key.Binding
	Live        key.Binding
	StepBack    key.Binding
	StepForward key.Binding
	JumpBack    key.Binding
	JumpForward key.Binding

	// etcdlab replay: play or pause, speed, the first and last moment,
	// the search for an event's text; ReplayQuit leaves.
	Play       key.Binding
	Slower     key.Binding
	Faster     key.Binding
	First      key.Binding
	Last       key.Binding
	Search     key.Binding
	ReplayQuit key.Binding
}

// DefaultKeyMap returns the UI's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		ForceQuit:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop members and quit")),
		ScrollUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "older events")),
		ScrollDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "newer events")),

		Submit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run command")),
		Complete:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		HistoryPrev: key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "previous command")),
		HistoryNext: key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "next command")),
		FocusTable:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "member keys")),

		FocusPrompt: key.NewBinding(key.WithKeys(":", "enter"), key.WithHelp(":/enter", "prompt")),
		Up:          key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "select previous")),
		Down:        key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "select next")),
		Pick:        key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "select member")),
		Kill:        key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "kill")),
		Stop:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "stop")),
		Restart:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restart")),
		Isolate:     key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "isolate")),
		CutOut:      key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "cut its links out (one way)")),
		CutIn:       key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "cut its links in (one way)")),
		Heal:        key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "heal")),
		HealAll:     key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "heal all")),
		MoveLeader:  key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "move leader here")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Connect:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "connect")),
		Net:         key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "network pane")),
		Quit:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),

		Advance: key.NewBinding(key.WithKeys(" ", "enter"), key.WithHelp("space/enter", "next scenario line")),

		Close: key.NewBinding(key.WithKeys("esc", "q", "?", "c"), key.WithHelp("esc", "close")),

		Hint:         key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "hint")),
		Solution:     key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "solution")),
		RunSolution:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run the solution")),
		HideSolution: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "hide it")),
		NextExercise: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next exercise")),

		StartExercise: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start it on a fresh cluster")),

		Rewind:      key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "rewind")),
		Live:        key.NewBinding(key.WithKeys("esc", "ctrl+r"), key.WithHelp("esc", "back to live")),
		StepBack:    key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous event")),
		StepForward: key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next event")),
		JumpBack:    key.NewBinding(key.WithKeys("shift+left", "ctrl+left"), key.WithHelp("shift+←", "5s back")),
		JumpForward: key.NewBinding(key.WithKeys("shift+right", "ctrl+right"), key.WithHelp("shift+→", "5s on")),

		Play:       key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "play/pause")),
		Slower:     key.NewBinding(key.WithKeys("["), key.WithHelp("[", "slower")),
		Faster:     key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "faster")),
		First:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
		Last:       key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last")),
		Search:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "find")),
		ReplayQuit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// jumpBy is how far JumpBack and JumpForward move.
const jumpBy = 5 * time.Second

// rewindHelp lists the keys of a rewound dashboard, for the footer.
func (k KeyMap) rewindHelp() []key.Binding {
	return []key.Binding{k.StepBack, k.StepForward, k.JumpBack, k.JumpForward, k.ScrollUp, k.Live, k.ForceQuit}
}

// replayHelp lists the keys of etcdlab replay, for the footer.
func (k KeyMap) replayHelp() []key.Binding {
	return []key.Binding{k.Play, k.StepBack, k.StepForward, k.JumpBack, k.Slower, k.Faster, k.First, k.Last, k.Search, k.Net, k.ReplayQuit}
}

// promptHelp lists the keys of the prompt focus.
func (k KeyMap) promptHelp() []key.Binding {
	return []key.Binding{k.Submit, k.Complete, k.HistoryPrev, k.FocusTable, k.ScrollUp, k.Rewind, k.ForceQuit}
}

// ShortHelp lists the keys of the table focus for the footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Pick, k.Rewind, k.Kill, k.Stop, k.Restart, k.Isolate, k.Heal, k.Net, k.CutOut, k.CutIn, k.MoveLeader, k.Connect, k.Help, k.FocusPrompt, k.Quit}
}

// helpGroup is a column of the help overlay: the keys of one focus, under
// its heading, so that a key of the prompt never reads as contradicting
// the same key of the member table.
type helpGroup struct {
	title string
	keys  []key.Binding
}

// helpGroups lists every key by where it acts.
func (k KeyMap) helpGroups() []helpGroup {
	return []helpGroup{
		{"MEMBER TABLE: the selected member", []key.Binding{k.Pick, upDown(k.Up, k.Down), k.Kill, k.Stop, k.Restart, k.Isolate, k.CutOut, k.CutIn, k.Heal, k.HealAll, k.MoveLeader}},
		{"MEMBER TABLE: the lab", []key.Binding{k.Net, k.Help, k.Connect, k.FocusPrompt, k.Quit}},
		{"PROMPT", []key.Binding{k.Submit, k.Complete, k.HistoryPrev, k.HistoryNext, k.FocusTable}},
		{"ANYWHERE", []key.Binding{k.ScrollUp, k.ScrollDown, k.Advance, k.ForceQuit}},
		{"HELP AND c PANES", []key.Binding{k.Close}},
		{"REWIND: the past, while the cluster runs on", []key.Binding{k.Rewind, k.StepBack, k.StepForward, k.JumpBack, k.JumpForward, k.Live}},
		{"EXERCISE (etcdlab learn, --script)", []key.Binding{k.Hint, k.Solution, k.RunSolution, k.HideSolution, k.NextExercise}},
	}
}

// upDown lists two bindings on one line of help, as "↑/↓ select".
func upDown(up, down key.Binding) key.Binding {
	return key.NewBinding(key.WithKeys(append(up.Keys(), down.Keys()...)...), key.WithHelp(up.Help().Key+"/"+down.Help().Key, "select previous/next"))
}

// FullHelp lists every key, in columns, for the help overlay.
func (k KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.helpGroups() {
		out = append(out, g.keys)
	}
	return out
}
