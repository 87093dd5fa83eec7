// Package workload is what etcdlab runs against a cluster to test it, apart
// from the commands a person types: a load generator that records every
// operation's history, the availability windows that faults open in that
// load, a checker that judges the history (linearizability with porcupine,
// lost writes, the members' agreement on their KV hash), and chaos, which
// injects random faults as Jepsen's nemesis does.
//
// The lab drives it: the lab's commands (load start, check, chaos, expect
// linearizable, ...) parse their flags and call a Workload. A Workload sees
// the cluster through Target, prints through Host and injects faults
// through Faults; it never imports the lab.
//
// Where things go:
//   - a new kind of operation or a new load option: load.go (the client
//     loop) and history.go (what the history records of it);
//   - a new availability measure or chart series: availability.go;
//   - a new verdict on a history: checker.go for the history alone,
//     agreement.go for the members' state, check.go for the report and
//     the expectations built on it;
//   - a new fault for chaos: chaos.go, with its method in Faults.
//
// The command that exposes any of these is written in the lab, in
// lab/workload.go.
package workload
