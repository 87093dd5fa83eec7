// Package bench measures the lab against etcd processes: `etcdlab bench`
// runs both side by side on this machine, on the same disk with the same
// flags, and prints a table of medians with the ratio lab / processes.
//
// The lab side is this very binary started as a subprocess (`etcdlab
// serve`, and the terminal UI in a detached tmux session), so that CPU time
// and resident memory are per process and comparable with etcd processes.
// The etcd side is etcd v3.7.3's server built from this module into
// .cache/etcd. Both are measured by the same client code over their client
// ports. It is a developer tool: it needs the source tree, the go command,
// tmux and Linux's /proc.
//
// bench.go runs the rounds, sides.go starts each side (`etcdlab serve`,
// etcd processes, the TUI in tmux), report.go prints the main table and
// costreport.go the relays' cost and the scaling. Each measurement has a
// file: client.go (the clients, and time to ready), idle.go (CPU and
// memory at rest, from /proc), load.go (put throughput and latency),
// failover.go (a leader killed to the first write), relays.go (relays
// against cluster.Config.DirectPeers, in process), scale.go (the lab
// against processes at 5 and 9 members) and uibench.go (the UI's go
// benchmarks). A new measurement goes in a file of its own, run by a round
// in bench.go, with a row and a footnote in report.go.
package bench
