package cluster

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.uber.org/zap"

	"github.com/etcdlab/etcdlab/cluster/network"
)

// Cluster is a set of embedded etcd members in this process.
type Cluster struct {
	cfg     Config
	tmpDir  bool
	token   string
	logger  *zap.Logger
	logSync func()

	opMu sync.Mutex // serializes lifecycle operations

	mu      sync.RWMutex
	members []*member
	// net holds the relays between members, from Launch on; nil before.
	net    *network.Network
	closed bool
	// resumedIDs are the member IDs a resumed data dir remembers.
	resumedIDs map[string]types.ID

	events *broadcaster
	poke   chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup

	password   string
	launched   bool
	launchedAt time.Time
}

// New validates cfg, prepares the data dir and checks that every port is
// free. It starts nothing; call Launch.
func New(cfg Config) (*Cluster, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		cfg:    cfg,
		token:  clusterToken,
		events: newBroadcaster(),
		poke:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	names, err := c.openDataDir()
	if err != nil {
		return nil, err
	}
	if names == nil {
		for i := 1; i <= cfg.Members; i++ {
			names = append(names, memberName(i))
		}
	}
	var slots []int
	for _, n := range names {
		slot, err := slotOf(n)
		if err != nil {
			c.removeTemp()
			return nil, err
		}
		slots = append(slots, slot)
		c.members = append(c.members, c.newMember(slot))
	}
	if err := c.checkPortsFree(slots); err != nil {
		c.removeTemp()
		return nil, err
	}
	return c, nil
}

// DataDir returns the directory that holds the members' data.
func (c *Cluster) DataDir() string { return c.cfg.DataDir }

// Config returns the configuration the cluster runs with, defaults filled in.
func (c *Cluster) Config() Config { return c.cfg }

func (c *Cluster) find(name string) (*member, error) {
	for _, m := range c.members {
		if m.name == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no member named %q: members are %s", name, strings.Join(c.names(), ", "))
}

func (c *Cluster) names() []string {
	out := make([]string, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, m.name)
	}
	return out
}

// Names returns the members' names in slot order.
func (c *Cluster) Names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.names()
}

// Endpoint describes how clients and peers reach one member.
type Endpoint struct {
	// Name is the member's name, e.g. etcd1.
	Name string
	// ClientURL and PeerURL are the URLs the member advertises to clients
	// and to its peers.
	ClientURL string
	PeerURL   string
}

// Endpoints returns every member's URLs in slot order.
func (c *Cluster) Endpoints() []Endpoint {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Endpoint, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, Endpoint{Name: m.name, ClientURL: m.clientURL.String(), PeerURL: m.peerURL.String()})
	}
	return out
}

// ClientURL returns the named member's client URL.
func (c *Cluster) ClientURL(name string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m, err := c.find(name)
	if err != nil {
		return "", err
	}
	return m.clientURL.String(), nil
}
