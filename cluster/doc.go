// Package cluster runs real embedded etcd members on loopback ports and lets
// a caller crash, stop, restart and partition them while it watches what Raft
// does about it.
//
// A Cluster is built by New, which checks a Config, its data dir and its
// ports, and started by Launch. Member i listens on ClientPort(base, i) and
// PeerPort(base, i) and keeps its data under the data dir; a later New on
// the same data dir resumes the cluster. Remote is the same view over a
// cluster that runs elsewhere, read through the client API alone. Nothing
// here knows of commands or screens: the lab package drives a Cluster, and
// errors say what is wrong in the cluster's terms (errors.go), leaving the
// fix to the caller's words.
//
// Where things live:
//
//   - cluster.go: the Cluster, New and its accessors; config.go: Config and
//     its checks; ports.go: the port scheme; datadir.go: what a data dir
//     remembers (etcdlab.json) and the checks on resuming it.
//   - lifecycle.go: Launch, Kill, Stop, Restart, Terminate, MoveLeader;
//     member.go: one member's embedded server, its etcd configuration and
//     the watcher that notices it failing; log.go: etcd's logger.
//   - membership.go: member add, promote and remove through etcd's own API;
//     relays.go: the relay in front of every member's peer port (package
//     network), from Launch to Terminate; partition.go: the faults on the
//     links between members (isolate, partition, cut, delay, loss, heal);
//     security.go: TLS and auth; certs.go: the lab's certificates.
//   - status.go: Status and MemberStatus, and the health derived from them;
//     monitor.go: reading a Status from the members, and the monitor that
//     turns its changes (leader, quorum) into events; events.go: Event, its
//     kinds and the broadcaster behind Subscribe.
//
// A new fault is a Cluster method in lifecycle.go (a member's process) or
// partition.go (the network between members, through the relays). It returns only whether it
// could be done, and emits the event that says what happened: a fact
// reaches the lab once. Remote answers it with ErrAttached.
// A new status field goes in MemberStatus or Status (status.go), filled in
// statusLocked (monitor.go) and in Remote.memberStatus. A new event is an
// EventKind with its name in events.go, emitted by the operation that causes
// it or, for a change seen only in the status, found by changes in
// monitor.go.
package cluster
