package lab

import (
	"errors"
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// exercise is the lab's side of an exercise being played: the current task
// and what the cluster was when it began, and the ledger of the members
// taken down, which the exercise conditions count. Its zero value is
// ready; watch starts the ledger.
type exercise struct {
	mu sync.Mutex

	task  *Task
	done  bool // the task's check has held
	began time.Time
	term  uint64 // the cluster's term when the task began
	kills int    // len(downed) when the task began
	hints int    // hints shown of the task

	// events is the lab's own subscription to the cluster's events; it is
	// read only by drain, so that a condition counts every kill made
	// before it was checked (Kill publishes its event before it returns).
	events <-chan cluster.Event
	unsub  func()
	// downed lists the members killed or stopped, in order, by whom ever:
	// a command, a key, chaos.
	downed []string
	// firstTask is len(downed) when the first task began, -1 before.
	firstTask int
	// writes lists the writes sent (put, del, a txn that writes, lease
	// grant and revoke), by whom ever, the most recent writesKept; wrote is
	// how many were ever sent, and writesAt how many when the task began.
	writes          []sentWrite
	wrote, writesAt int
}

// sentWrite is a write sent to etcd and what became of it as the client
// saw it.
type sentWrite struct {
	text string
	// via is the member it went through, "" if unknown.
	via  string
	took time.Duration
	// failed is set when etcd did not answer OK; unknown when, besides,
	// its outcome is unknown (OutcomeUnknownError).
	failed, unknown bool
}

// writesKept bounds the writes the ledger keeps.
const writesKept = 256

// wroteOne records a write that ran.
func (x *exercise) wroteOne(c *Command, r Result) {
	if _, ok := writeOf(c); !ok {
		return
	}
	var unknown *OutcomeUnknownError
	w := sentWrite{text: c.Text, via: r.Via, took: r.Took, failed: r.Err != nil, unknown: errors.As(r.Err, &unknown)}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.writes = append(x.writes, w)
	if len(x.writes) > writesKept {
		x.writes = append([]sentWrite(nil), x.writes[len(x.writes)-writesKept:]...)
	}
	x.wrote++
}

// writesSince returns the writes sent since the current task began, or
// all that are kept when no task is under way.
func (x *exercise) writesSince() []sentWrite {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := len(x.writes)
	if x.task != nil {
		n = min(n, x.wrote-x.writesAt)
	}
	return append([]sentWrite(nil), x.writes[len(x.writes)-n:]...)
}

// since says from when the exercise conditions count.
func (x *exercise) since() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.task == nil {
		return "since the lab started"
	}
	return "since the task began"
}

// watch subscribes the ledger to the cluster's events.
func (x *exercise) watch(c Backend) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.events, x.unsub = c.Subscribe()
	x.firstTask = -1
}

// close ends the subscription.
func (x *exercise) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.unsub != nil {
		x.unsub()
		x.unsub, x.events = nil, nil
	}
}

// drain takes the events waiting in the subscription into the ledger.
// x.mu must be held.
func (x *exercise) drainLocked() {
	for x.events != nil {
		select {
		case e, ok := <-x.events:
			if !ok {
				x.events = nil
				return
			}
			if e.Kind == cluster.MemberKilled || e.Kind == cluster.MemberStopped {
				x.downed = append(x.downed, e.Member)
			}
		default:
			return
		}
	}
}

func (x *exercise) drain() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.drainLocked()
}

// begin makes t the current task, starting from the cluster as it is now.
func (x *exercise) begin(c Backend, t *Task) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.drainLocked()
	x.task, x.done, x.hints = t, false, 0
	x.began, x.term, x.kills = time.Now(), leaderTerm(c.Status()), len(x.downed)
	x.writesAt = x.wrote
	if x.firstTask < 0 {
		x.firstTask = len(x.downed)
	}
}

// finish marks the current task done once its check has held.
func (x *exercise) finish(t *Task) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.task == t {
		x.done = true
	}
}

// fromTerm returns the term a "new leader" must exceed: the term when the
// current task began while one is under way, else the term now.
func (x *exercise) fromTerm(now uint64) uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.task != nil && !x.done {
		return x.term
	}
	return now
}

// current returns the task under way.
func (x *exercise) current() (*Task, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.task == nil {
		return nil, errNoTask
	}
	return x.task, nil
}

// nextHint counts one more hint shown of the current task and returns its
// number, past the last hint once all were shown.
func (x *exercise) nextHint() (*Task, int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.task == nil {
		return nil, 0, errNoTask
	}
	if x.hints <= len(x.task.Hints) {
		x.hints++
	}
	return x.task, x.hints, nil
}

// killsSince returns the members killed or stopped since the current task
// began, or since the lab started when no task has.
func (x *exercise) killsSince() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.drainLocked()
	if x.task == nil {
		return append([]string(nil), x.downed...)
	}
	return append([]string(nil), x.downed[x.kills:]...)
}

// firstKilled returns the first member killed or stopped since the first
// task began (since the lab started when no task has).
func (x *exercise) firstKilled() (string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.drainLocked()
	from := max(x.firstTask, 0)
	if len(x.downed) <= from {
		if x.firstTask < 0 {
			return "", errors.New("no member has been killed or stopped")
		}
		return "", errors.New("no member has been killed or stopped since the exercise's first task")
	}
	return x.downed[from], nil
}
