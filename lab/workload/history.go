package workload

import (
	"slices"
	"time"
)

// Bounds of what a load keeps, so that a lab left running all day does not
// grow without limit.
const (
	// historyLimit is how many operations one load run records, about 20 MB.
	// At the default 100 ops/s it is reached after 33 minutes; recording
	// then stops (the load goes on) and check checks that prefix.
	historyLimit = 200_000
	// statsSeconds is how many per-second samples LoadStats keeps.
	statsSeconds = 60
	// marksLimit bounds the cluster events kept for the charts.
	marksLimit = 64
	// outagesLimit bounds the availability windows kept for LoadStats.
	outagesLimit = 32
	// faultsLimit bounds the faults kept per run for check --html.
	faultsLimit = 1000
	// latencyLimit bounds the latencies one second keeps for p50/p99.
	latencyLimit = 10_000
	// acksKept is how many recent acknowledged writes are kept to close an
	// availability window whose fault event arrives after the write.
	acksKept = 256
)

// opStatus is how an operation ended.
type opStatus uint8

const (
	opOK opStatus = iota
	// opFailed is a read that failed: it did nothing.
	opFailed
	// opMaybe is a write that failed or timed out: it may have been
	// applied, so the checker gives it no return time (Jepsen's :info).
	opMaybe
)

// op is one load operation as the history records it.
type op struct {
	client int
	write  bool
	key    int
	// value is the value written (unique within the run) or read.
	value string
	// found reports whether a read found the key.
	found  bool
	call   time.Duration // since the run began
	ret    time.Duration
	status opStatus
	member string
}

// history returns a copy of the recorded operations and the cut, if the
// history is full.
func (r *loadRun) history() ([]op, bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ops), r.full, r.cut
}

// prefixAt keeps what a prefix of time can explain: reads that returned
// by cut and writes invoked by it (a read may have seen one that had not
// returned yet).
func prefixAt(ops []op, cut time.Duration) []op {
	return slices.DeleteFunc(ops, func(o op) bool { return (o.write && o.call > cut) || (!o.write && o.ret > cut) })
}
