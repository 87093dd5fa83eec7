package workload

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Target is the cluster a workload runs against. The lab's Backend is one:
// embedded members or an attached cluster.
type Target interface {
	// Status returns the members' state; it is cheap and never blocks on
	// the network.
	Status() cluster.Status
	// Endpoints returns each member's name and URLs.
	Endpoints() []cluster.Endpoint
	// ClientURL returns a member's client URL.
	ClientURL(name string) (string, error)
	// ClientConfig returns the configuration of a client of endpoints:
	// TLS and credentials when the cluster has them.
	ClientConfig(endpoints []string, dialTimeout time.Duration) (clientv3.Config, error)
	// Subscribe returns a stream of the cluster's events and a function
	// that ends it.
	Subscribe() (<-chan cluster.Event, func())
}

// Host is the program a workload runs in: it shows the workload's notes
// and says in one line what a client error means.
type Host interface {
	// Note prints a line outside any command's result, e.g. a load's
	// second; source says what printed it ("load", "avail", "chaos").
	// It must not block.
	Note(source, text string)
	// Explain turns a client error, met through member (or through every
	// member if ""), into one line that says what happened.
	Explain(err error, member string) error
}

// Faults are the faults and repairs chaos injects. Each returns only
// whether it could be done; the cluster's events say what happened.
type Faults interface {
	// Kill crashes a member: no leadership hand-off.
	Kill(ctx context.Context, name string) error
	// Isolate cuts every network link of a member.
	Isolate(ctx context.Context, name string) error
	// Restart starts a killed member again from its data dir.
	Restart(ctx context.Context, name string) error
	// Heal mends every cut link and lifts every delay and loss.
	Heal(ctx context.Context) error
	// Cut drops every Raft message from one member to another, one way;
	// either name may be all.
	Cut(ctx context.Context, from, to string) error
	// Delay holds every Raft message from one member to another for d ±
	// jitter, in order; either name may be all.
	Delay(ctx context.Context, from, to string, d, jitter time.Duration) error
	// Loss drops percent of the Raft messages from one member to another
	// at random; either name may be all.
	Loss(ctx context.Context, from, to string, percent float64) error
}

// Options tune a Workload.
type Options struct {
	// Timeout is the deadline of each etcd call; zero means 2s.
	Timeout time.Duration
	// Speed scales chaos's interval: 2 makes it half as long; zero means 1.
	Speed float64
}

// Workload runs loads, checks their histories and injects chaos against
// one target. It keeps the current or last load run. It is safe for
// concurrent use.
type Workload struct {
	t       Target
	h       Host
	timeout time.Duration
	speed   float64

	// mu serializes load start and load stop.
	mu sync.Mutex
	// run is read without mu by LoadStats, check and the expectations.
	run atomic.Pointer[loadRun]
}

// New returns a Workload that runs against t and reports to h.
func New(t Target, h Host, o Options) *Workload {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Speed <= 0 {
		o.Speed = 1
	}
	return &Workload{t: t, h: h, timeout: o.Timeout, speed: o.Speed}
}

// Close stops the load, if one runs, and waits for its goroutines.
func (w *Workload) Close() { w.stopLoad() }

func (w *Workload) newClient(endpoints ...string) (*clientv3.Client, error) {
	cfg, err := w.t.ClientConfig(endpoints, w.timeout)
	if err != nil {
		return nil, err
	}
	return clientv3.New(cfg)
}

// secs formats a window like "1.42s".
func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// latency formats a latency like "2.1ms".
func latency(d time.Duration) string {
	if d >= time.Second {
		return secs(d)
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
