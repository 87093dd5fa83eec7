package lab

import (
	"fmt"
	"net"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
)

// Connection is what a person needs to reach the cluster from another
// terminal: every member's URLs, etcdctl's environment and the python
// etcd3 client's arguments. It changes when members are added or removed.
type Connection struct {
	Members []cluster.Endpoint
	// Env holds etcdctl's environment variables in the order to set them,
	// ETCDCTL_ENDPOINTS first.
	Env []EnvVar
	// Python is the python etcd3 call that connects to the first member,
	// e.g. etcd3.client(host='127.0.0.1', port=2379).
	Python string
	// LogFile is where etcd's own logs go, "" if nowhere.
	LogFile string
}

// EnvVar is one environment variable etcdctl reads.
type EnvVar struct{ Name, Value string }

// String returns the variable as NAME=VALUE.
func (v EnvVar) String() string { return v.Name + "=" + v.Value }

// Connect returns how to reach the cluster now. It reads the backend's
// member list and files, never the network.
func Connect(c Backend) Connection {
	eps := c.Endpoints()
	conn := Connection{Members: eps, LogFile: c.LogFile()}
	urls := make([]string, len(eps))
	for i, e := range eps {
		urls[i] = e.ClientURL
	}
	conn.Env = append(conn.Env, EnvVar{"ETCDCTL_ENDPOINTS", strings.Join(urls, ",")})
	host, port := "127.0.0.1", "2379"
	if len(eps) > 0 {
		host, port, _ = net.SplitHostPort(hostPort(eps[0].ClientURL))
	}
	py := fmt.Sprintf("etcd3.client(host='%s', port=%s", host, port)
	if f := c.TLS(); f != nil {
		conn.Env = append(conn.Env, EnvVar{"ETCDCTL_CACERT", f.CA})
		py += fmt.Sprintf(", ca_cert='%s'", f.CA)
	}
	if user, pw := c.Credentials(); user != "" {
		conn.Env = append(conn.Env, EnvVar{"ETCDCTL_USER", user + ":" + pw})
		py += fmt.Sprintf(", user='%s', password='%s'", user, pw)
	}
	conn.Python = py + ")"
	return conn
}

// Endpoints returns the ETCDCTL_ENDPOINTS line.
func (c Connection) Endpoints() string { return c.Env[0].String() }

// Lines returns the connection as `etcdlab serve` prints it: one line per
// member, the environment, the python call and the log file.
func (c Connection) Lines() []string {
	var out []string
	for _, e := range c.Members {
		out = append(out, fmt.Sprintf("%-6s client %s  peer %s", e.Name, e.ClientURL, e.PeerURL))
	}
	for _, v := range c.Env {
		out = append(out, v.String())
	}
	out = append(out, "python: "+c.Python)
	if c.LogFile != "" {
		out = append(out, "etcd logs: "+c.LogFile)
	}
	return out
}

// ConnectionInfo returns the lines that tell a person how to reach the
// cluster from another terminal.
func ConnectionInfo(c Backend) []string { return Connect(c).Lines() }
