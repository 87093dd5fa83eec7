// Package cluster runs real embedded etcd members on loopback ports and lets
// a caller crash, stop, restart and partition them while it watches what Raft
// does about it.
package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
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
	cuts    map[[2]string]bool
	closed  bool

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
	if cfg.Members < 1 || cfg.Members > MaxMembers {
		return nil, fmt.Errorf("--members %d is out of range: choose 1 to %d", cfg.Members, MaxMembers)
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = DefaultBasePort
	}
	if err := ValidateBasePort(cfg.BasePort); err != nil {
		return nil, err
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.HeartbeatMs == 0 {
		cfg.HeartbeatMs = 100
	}
	if cfg.ElectionMs == 0 {
		cfg.ElectionMs = 1000
	}
	if err := ValidateTimings(cfg.HeartbeatMs, cfg.ElectionMs); err != nil {
		return nil, err
	}
	if cfg.SampleInterval == 0 {
		cfg.SampleInterval = 20 * time.Millisecond
	}
	c := &Cluster{
		cfg:    cfg,
		token:  clusterToken,
		cuts:   make(map[[2]string]bool),
		events: newBroadcaster(),
		poke:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	names := make([]string, cfg.Members)
	for i := range names {
		names[i] = memberName(i + 1)
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "etcdlab-")
		if err != nil {
			return nil, fmt.Errorf("cannot create a temporary data dir: %v (set TMPDIR or use --data-dir)", err)
		}
		c.cfg.DataDir, c.tmpDir = dir, true
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create --data-dir %s: %v", cfg.DataDir, err)
		}
		if err := checkWritable(cfg.DataDir); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, metaFile))
		switch {
		case err == nil:
			var m meta
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s is damaged (%v): remove it or use another --data-dir", filepath.Join(cfg.DataDir, metaFile), err)
			}
			if len(m.Members) != cfg.Members {
				return nil, fmt.Errorf("--data-dir %s holds a %d-member cluster, not %d: use --members %d or another --data-dir", cfg.DataDir, len(m.Members), cfg.Members, len(m.Members))
			}
			if m.BasePort != cfg.BasePort {
				return nil, fmt.Errorf("--data-dir %s holds a cluster on --base-port %d, not %d: use --base-port %d or another --data-dir", cfg.DataDir, m.BasePort, cfg.BasePort, m.BasePort)
			}
			if m.TLS != cfg.TLS {
				return nil, fmt.Errorf("--data-dir %s holds a cluster %s TLS: %s --tls, or use another --data-dir", cfg.DataDir, withOrWithout(m.TLS), addOrDrop(m.TLS))
			}
			if m.Auth != cfg.Auth {
				return nil, fmt.Errorf("--data-dir %s holds a cluster %s auth: %s --auth, or use another --data-dir", cfg.DataDir, withOrWithout(m.Auth), addOrDrop(m.Auth))
			}
			names = m.Members
			if m.Token != "" {
				c.token = m.Token
			}
		case errors.Is(err, os.ErrNotExist):
			if entries, _ := os.ReadDir(cfg.DataDir); len(entries) > 0 {
				return nil, fmt.Errorf("--data-dir %s is not empty and holds no etcdlab cluster: use an empty or new directory", cfg.DataDir)
			}
		default:
			return nil, fmt.Errorf("cannot read --data-dir %s: %v", cfg.DataDir, err)
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
	if err := checkPortsFree(cfg.Host, cfg.BasePort, slots); err != nil {
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
	Name      string
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
