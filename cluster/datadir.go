package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

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
}

// InfoFromDataDir reports the member count and base port stored in an
// existing lab data dir; ok is false when dir holds no lab cluster.
func InfoFromDataDir(dir string) (members, basePort int, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil
	}
	if errors.Is(err, syscall.ENOTDIR) {
		return 0, 0, false, fmt.Errorf("--data-dir %s is a file, or lies under one: choose a directory", dir)
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("cannot read --data-dir %s: %v", dir, err)
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, 0, false, fmt.Errorf("%s is damaged (%v): remove it or use another --data-dir", filepath.Join(dir, metaFile), err)
	}
	return len(m.Members), m.BasePort, true, nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		return fmt.Errorf("--data-dir %s is not writable: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func (c *Cluster) writeMeta() error {
	c.mu.RLock()
	m := meta{BasePort: c.cfg.BasePort, Token: c.token, TLS: c.cfg.TLS, Auth: c.cfg.Auth}
	for _, mem := range c.members {
		m.Members = append(m.Members, mem.name)
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

func (c *Cluster) removeTemp() {
	if c.tmpDir {
		os.RemoveAll(c.cfg.DataDir)
	}
}

func withOrWithout(b bool) string {
	if b {
		return "with"
	}
	return "without"
}

func addOrDrop(b bool) string {
	if b {
		return "add"
	}
	return "drop"
}
