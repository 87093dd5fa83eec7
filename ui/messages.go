package ui

import (
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
)

// startedMsg carries the session once every member is ready.
type startedMsg struct {
	sess     *lab.Session
	rec      *lab.Recorder
	conn     lab.Connection
	warnings []string  // what a person must know before trusting the ports
	at       time.Time // when the session began starting
}

// connMsg is how to reach the cluster, read again after its members changed.
type connMsg struct{ conn lab.Connection }

// startErrMsg reports that the cluster could not start.
type startErrMsg struct{ err error }

// statusMsg is a fresh status sample.
type statusMsg struct{ st cluster.Status }

// tickMsg is the periodic status sample, taken when the tick fired (st and
// lab are nil before the session has started, net while the network pane
// is closed); id drops stale ticks.
type tickMsg struct {
	id  int
	t   time.Time
	st  *cluster.Status
	lab *labMsg
	net *netMsg
}

// netMsg is a sample of the relays' counters, or why there is none (err
// wraps cluster.ErrAttached when attached).
type netMsg struct {
	stats cluster.NetStats
	err   error
}

// labMsg is a sample of what the lab runs on its own: leases, watches and
// the load. at is when it was taken, the charts' now.
type labMsg struct {
	at      time.Time
	leases  []lab.LeaseInfo
	watches []lab.WatchInfo
	load    workload.LoadStats
}

// notesMsg is one or more notes of the lab, in the order it printed them.
type notesMsg struct{ notes []lab.Note }

// notesClosedMsg says the UI stopped waiting for notes: the session ended.
type notesClosedMsg struct{}

// eventMsg is one cluster event.
type eventMsg struct{ ev cluster.Event }

// eventsClosedMsg says the cluster's event stream has ended.
type eventsClosedMsg struct{}

// resultMsg is the outcome of a command the UI ran.
type resultMsg struct {
	job   job
	res   lab.Result
	start time.Time
	// recErr is set when the command could not be written to the recording.
	recErr error
}

// stoppedMsg says the members are stopped and the UI may quit.
type stoppedMsg struct{}

// checkMsg is the outcome of one try of a task's check line.
type checkMsg struct {
	cmd  *lab.Command
	held bool
	res  lab.Result
}

// markedMsg says the exercise was recorded as done, or why it could not be.
type markedMsg struct{ err error }
