package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"go.etcd.io/etcd/client/pkg/v3/types"
)

// A data dir holds one member dir per member (etcd1, etcd2, ...), etcd's
// log, the TLS files and root password when asked for, and metaFile, which
// remembers the cluster so that a later run resumes it as it was.

const (
	metaFile     = "etcdlab.json"
	clusterToken = "etcd-cluster"
)

// meta is what a data dir remembers about the cluster it holds.
type meta struct {
	Members  []string `json:"members"`
	BasePort int      `json:"base_port"`
	Token    string   `json:"token"`
	TLS      bool     `json:"tls,omitempty"`
	Auth     bool     `json:"auth,omitempty"`
	// IDs holds each member's etcd ID in hex: a member added to a running
	// cluster gets an ID that cannot be computed again, and its relay
	// needs it from its first request.
	IDs map[string]string `json:"ids,omitempty"`
}

// InfoFromDataDir reports the member count and base port stored in an
// existing lab data dir; ok is false when dir holds no lab cluster.
func InfoFromDataDir(dir string) (members, basePort int, ok bool, err error) {
	m, ok, err := readMeta(dir)
	if !ok || err != nil {
		return 0, 0, false, err
	}
	return len(m.Members), m.BasePort, true, nil
}

// readMeta reads what dir remembers about its cluster; ok is false when dir
// holds no lab cluster.
func readMeta(dir string) (m meta, ok bool, err error) {
	path := filepath.Join(dir, metaFile)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return meta{}, false, nil
	case errors.Is(err, syscall.ENOTDIR):
		return meta{}, false, &DataDirError{Dir: dir, Problem: DataDirIsFile, Err: err}
	case err != nil:
		return meta{}, false, &DataDirError{Dir: dir, Problem: DataDirUnreadable, Err: err}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return meta{}, false, &DataDirError{Dir: dir, Problem: DataDirDamaged, File: path, Err: err}
	}
	return m, true, nil
}

// check reports the first way in which the cluster m remembers differs from
// cfg.
func (m meta) check(dir string, cfg Config) error {
	other := func(p DataDirProblem, have, want int) error {
		return &DataDirError{Dir: dir, Problem: p, Have: have, Want: want}
	}
	switch {
	case len(m.Members) != cfg.Members:
		return other(DataDirOtherMembers, len(m.Members), cfg.Members)
	case m.BasePort != cfg.BasePort:
		return other(DataDirOtherBasePort, m.BasePort, cfg.BasePort)
	case m.TLS != cfg.TLS:
		return other(DataDirOtherTLS, oneIf(m.TLS), oneIf(cfg.TLS))
	case m.Auth != cfg.Auth:
		return other(DataDirOtherAuth, oneIf(m.Auth), oneIf(cfg.Auth))
	}
	return nil
}

// openDataDir prepares c's data dir: a new temporary one, or cfg.DataDir,
// created if need be, writable, and either empty or holding this cluster.
// It returns the members a resumed cluster had, nil for a new one.
func (c *Cluster) openDataDir() ([]string, error) {
	dir := c.cfg.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "etcdlab-")
		if err != nil {
			return nil, &DataDirError{Problem: DataDirNotCreatable, Err: err}
		}
		c.cfg.DataDir, c.tmpDir = tmp, true
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &DataDirError{Dir: dir, Problem: DataDirNotCreatable, Err: err}
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	m, ok, err := readMeta(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			return nil, &DataDirError{Dir: dir, Problem: DataDirNotEmpty}
		}
		return nil, nil
	}
	if err := m.check(dir, c.cfg); err != nil {
		return nil, err
	}
	if m.Token != "" {
		c.token = m.Token
	}
	c.resumedIDs = map[string]types.ID{}
	for name, hex := range m.IDs {
		if id, err := types.IDFromString(hex); err == nil {
			c.resumedIDs[name] = id
		}
	}
	return m.Members, nil
}

// checkWritable creates and removes a file in dir.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		return &DataDirError{Dir: dir, Problem: DataDirNotWritable, Err: err}
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// writeMeta records the current members and settings in the data dir,
// replacing the file atomically.
func (c *Cluster) writeMeta() error {
	c.mu.RLock()
	m := meta{BasePort: c.cfg.BasePort, Token: c.token, TLS: c.cfg.TLS, Auth: c.cfg.Auth}
	for _, mem := range c.members {
		m.Members = append(m.Members, mem.name)
		if id := mem.relayID; id != 0 {
			if m.IDs == nil {
				m.IDs = map[string]string{}
			}
			m.IDs[mem.name] = id.String()
		}
	}
	c.mu.RUnlock()
	b, _ := json.MarshalIndent(m, "", "  ")
	path := filepath.Join(c.cfg.DataDir, metaFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	return os.Rename(tmp, path)
}

// removeTemp removes the data dir if New created it as a temporary one.
func (c *Cluster) removeTemp() {
	if c.tmpDir {
		os.RemoveAll(c.cfg.DataDir)
	}
}

func oneIf(b bool) int {
	if b {
		return 1
	}
	return 0
}

func withOrWithout(b bool) string {
	if b {
		return "with"
	}
	return "without"
}
