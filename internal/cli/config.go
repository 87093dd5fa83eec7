package cli

import (
	"net"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/spf13/pflag"
)

// This file is the one place where the command line becomes a
// configuration. A flag the user gave wins. Otherwise a data dir that holds
// a lab cluster gives its size and base port (its etcdlab.json), and then a
// scenario's `members N` gives the size; otherwise the flag's default
// holds. cluster.New reports a data dir that holds another cluster than
// the one asked for.

// config resolves the cluster flags, and the scenario at scriptPath if one
// is named, into a cluster configuration. Every error is bad input: nothing
// has started.
func (f *clusterFlags) config(fs *pflag.FlagSet, scriptPath string) (cluster.Config, *lab.Script, error) {
	c := cluster.Config{Members: f.members, BasePort: f.basePort, DataDir: f.dataDir,
		HeartbeatMs: f.heartbeatMs, ElectionMs: f.electionMs, TLS: f.tls}
	if c.DataDir != "" {
		n, port, ok, err := cluster.InfoFromDataDir(c.DataDir)
		if err != nil {
			return c, nil, &usageError{err: err}
		}
		if ok && !fs.Changed("members") {
			c.Members = n
		}
		if ok && !fs.Changed("base-port") {
			c.BasePort = port
		}
	}
	var script *lab.Script
	if scriptPath != "" {
		s, err := lab.LoadScript(scriptPath)
		if err != nil {
			return c, nil, &usageError{err: err}
		}
		script = s
		if s.Members > 0 && !fs.Changed("members") {
			c.Members = s.Members
		}
	}
	if err := cluster.ValidateMembers(c.Members); err != nil {
		return c, nil, &usageError{err: err}
	}
	if err := cluster.ValidateBasePort(c.BasePort); err != nil {
		return c, nil, &usageError{err: err}
	}
	// Bad timings are bad flags (exit 2), not a failed start; and 0 here is
	// what the user typed, not cluster.Config's "use etcd's default".
	if err := cluster.ValidateTimings(c.HeartbeatMs, c.ElectionMs); err != nil {
		return c, nil, &usageError{err: err}
	}
	return c, script, nil
}

// config resolves a lab's flags, and the scenario at scriptPath if one is
// named, into the configuration of a lab this process runs. speed scales a
// scenario's sleeps.
func (f *labFlags) config(fs *pflag.FlagSet, scriptPath string, speed float64) (lab.Config, *lab.Script, error) {
	if speed <= 0 {
		return lab.Config{}, nil, usagef("--speed %v must be positive, e.g. --speed 2", speed)
	}
	if f.timeout <= 0 {
		return lab.Config{}, nil, usagef("--command-timeout %v must be positive, e.g. --command-timeout 2s", f.timeout)
	}
	c, script, err := f.cluster.config(fs, scriptPath)
	if err != nil {
		return lab.Config{}, nil, err
	}
	if h := f.host; h != "localhost" && net.ParseIP(h) == nil {
		return lab.Config{}, nil, usagef("--listen-host %q is not an IP address: use e.g. 127.0.0.1, 0.0.0.0 or this machine's address", h)
	}
	c.Host, c.LogFile, c.Auth = f.host, f.logFile, f.auth
	return lab.Config{Cluster: c, Options: lab.Options{Timeout: f.timeout, Speed: speed}}, script, nil
}
