// Package lab is etcdlab's command language: one parser and one
// interpreter shared by the terminal UI's prompt, `etcdlab serve`'s
// standard input and scenario files, plus the modes that run them (Start,
// RunFile, Serve) and the scenario runner and recorder.
//
// A Lab executes parsed Commands against a Backend (embedded members or an
// attached cluster) and returns a Result; what happens on its own between
// commands (a watch event, a lease expiring, a load's second) arrives as
// Notes. The workload that tests a cluster (load, check, chaos) lives in
// lab/workload; lab holds its commands only.
//
// Where things go:
//   - the language: lex.go (words and quoting), parse.go (commands, flags,
//     expect), script.go (scenario files);
//   - exercises: the task, hint, solution and explain lines in task.go,
//     their grouping into Tasks in exercise.go, a task's check tried and
//     awaited in check.go, the ledger of kills and the task under way in
//     ledger.go, the conditions exercises check (kills, first-killed,
//     tolerates, voters, stale-read) in excond.go, and the bundled
//     exercises read from an fs.FS in catalog.go;
//   - a new command: a row in its family's table (coreCommands in
//     commands.go, or watchCommands, leaseCommands, txnCommands,
//     maintCommands, workloadCommands), with its flag checks and a check
//     func beside its handler: kv.go, faults.go, members.go, watch.go,
//     lease.go, txn.go, maint.go, workload.go;
//   - a new condition: for wait, waitHolds and checkWait in conditions.go;
//     for expect, a case in expect (conditions.go) and parseExpect
//     (parse.go), or, for a condition about the workload, a row in
//     workloadExpects (workload.go) with its judgement in lab/workload;
//   - a new check of a load's history: lab/workload, exposed by check or
//     an expect condition here;
//   - which member a command goes through (the majority side by default,
//     --endpoint NAME or all): route.go;
//   - how an etcd error reads: explain.go, and for a write that got no
//     answer, its unknown outcome and why: outcome.go; how a value or the
//     member table prints: format.go;
//   - the modes and transcripts: modes.go and run.go, and what a
//     transcript tells an observer such as a trace (lab/trace):
//     observe.go; recordings: record.go;
//     how a person connects from another terminal: connect.go;
//   - watches: watch.go (the commands), watchstream.go (one stream and its
//     bookkeeping), watchcheck.go (the check against etcd's history),
//     watchwrites.go (the writes of clients outside the lab).
package lab
