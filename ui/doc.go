// Package ui is etcdlab's terminal UI: a live view of the cluster (quorum
// banner, member table, network matrix, timeline, lease and load panes,
// event log) over the same command prompt as `etcdlab serve` and scenario
// files. Run is its entry point; the model stays unexported.
//
// The top model (model.go) holds the session and one child per pane. Its
// Update routes each message, by kind, to a small handler that hands it to
// the children that own it. A child is a value in a file of its own with a
// setSize, a view and, where it takes a message whole, a lowercase update:
// banner.go, members.go, timeline.go, leases.go, loadchart.go, prompt.go,
// netpane.go (the network pane, laid out only while open) and connect.go
// (the c pane). The event log (events.go) and the scenario played inside
// the UI (player.go) are fed by the model instead: the log is told what to
// add, the player what ran. Around them:
//
//   - input.go routes keys by focus (prompt or member table) and overlay;
//   - layout.go shares the screen's lines between the panes (setSize) and
//     draws them (View), with the overlays and the footer;
//   - queue.go runs typed, keyed and scripted commands one at a time
//     through the lab's interpreter and logs their results;
//   - messages.go holds the message types, commands.go the tea.Cmds that
//     send them, engine.go the start and stop of the session;
//   - keys.go holds the KeyMap, styles.go the Styles;
//   - time travel: tape.go keeps what the dashboard took in as records
//     of its trace (the last keepTape, with checkpoints copied by
//     clone.go) and draws any moment again by feeding a checkpoint's copy
//     the records after it; trace.go turns the dashboard's messages into
//     records and back, so that the live screen is drawn from the values
//     a replay reads; rewind.go is the live view frozen on its past
//     (ctrl+r), replay.go etcdlab replay (Replay) over a trace file;
//   - exercise.go plays an exercise's tasks inside the player: the task
//     bar, the check tried on each status sample in a tea.Cmd (never
//     queued, so the student's commands keep running), hints and the
//     solution by key; learn.go is etcdlab learn (Learn), the list of
//     exercises in picker.go, then each exercise in the dashboard.
//
// Where a new thing goes:
//
//   - A pane is a child in its own file, with update, setSize and view.
//     The model holds it, a handler in model.go feeds it, and setSize in
//     layout.go gives it lines.
//   - A key is a binding in KeyMap and DefaultKeyMap, listed in
//     ShortHelp, FullHelp or promptHelp, and matched in input.go; a member
//     key that types a command is one more row of acts.
//   - A message type goes in messages.go with a one-line doc comment, sent
//     by a tea.Cmd in commands.go and routed by Update to an onXxx handler
//     in model.go.
//
// Update does no I/O: every call to etcd runs in a tea.Cmd and comes back
// as a message. View draws only what the children hold. Colour repeats
// what a word or a symbol already says, so the screen reads the same with
// NO_COLOR.
package ui
