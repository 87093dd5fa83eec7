package lab

import (
	"context"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Backend is what the lab drives: embedded members (*cluster.Cluster) or an
// existing cluster attached over the client API (*cluster.Remote), which
// answers the in-process faults with cluster.ErrAttached.
type Backend interface {
	Status() cluster.Status
	Endpoints() []cluster.Endpoint
	Names() []string
	ClientURL(name string) (string, error)
	ClientConfig(endpoints []string, dialTimeout time.Duration) (clientv3.Config, error)
	Subscribe() (<-chan cluster.Event, func())

	Kill(name string) (string, error)
	Stop(name string) (string, error)
	Restart(ctx context.Context, name string) (string, error)
	Isolate(name string) (string, error)
	Partition(groups [][]string) (string, error)
	Heal(name string) (string, error)
	MoveLeader(ctx context.Context, name string) (string, error)
	AddMember(ctx context.Context, name string, learner bool) (string, error)
	PromoteMember(ctx context.Context, name string) (string, error)
	RemoveMember(ctx context.Context, name string) (string, error)
	FreeName() (string, error)

	TLS() *cluster.TLSFiles
	Credentials() (user, password string)
	LogFile() string
	Terminate()
}

var (
	_ Backend = (*cluster.Cluster)(nil)
	_ Backend = (*cluster.Remote)(nil)
)
