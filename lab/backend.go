package lab

import (
	"context"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/workload"
)

// Backend is what the lab drives: embedded members (*cluster.Cluster) or an
// existing cluster attached over the client API (*cluster.Remote), which
// answers the in-process faults with cluster.ErrAttached.
type Backend interface {
	// Target is the view of the cluster the lab shares with its workload:
	// status, endpoints, client configuration and events.
	workload.Target
	// Names returns the members' names.
	Names() []string

	// The faults, the network and membership. Each returns only whether it
	// could be done: what happened reaches the lab once, as events.
	Kill(name string) error
	Stop(name string) error
	Restart(ctx context.Context, name string) error
	Isolate(name string) error
	Partition(groups [][]string) error
	Heal(name string) error
	Cut(from, to string) error
	Delay(from, to string, d, jitter time.Duration) error
	Loss(from, to string, percent float64) error
	// NetStats copies every link's rule and counters.
	NetStats() (cluster.NetStats, error)
	MoveLeader(ctx context.Context, name string) (cluster.Handoff, error)
	AddMember(ctx context.Context, name string, learner bool) error
	PromoteMember(ctx context.Context, name string) error
	RemoveMember(ctx context.Context, name string) error
	// FreeName returns the name of the lowest member slot not in use.
	FreeName() (string, error)

	// How a person reaches the cluster from another terminal, and its end.
	TLS() *cluster.TLSFiles
	Credentials() (user, password string)
	LogFile() string
	Terminate()
}

var (
	_ Backend = (*cluster.Cluster)(nil)
	_ Backend = (*cluster.Remote)(nil)
)
