package cli

import (
	"errors"
	"fmt"

	"github.com/etcdlab/etcdlab/cluster"
)

// userMessage returns the line a person at the command line reads for err.
// cluster's errors say what is wrong in the cluster's terms; here they also
// name the flag that fixes it.
func userMessage(err error) string {
	var (
		members  *cluster.MembersRangeError
		basePort *cluster.BasePortRangeError
		timings  *cluster.TimingsError
		inUse    *cluster.PortInUseError
		logFile  *cluster.LogFileError
		dataDir  *cluster.DataDirError
	)
	switch {
	case errors.As(err, &members):
		return fmt.Sprintf("--members %d is out of range: choose 1 to %d", members.Members, cluster.MaxMembers)
	case errors.As(err, &basePort):
		return fmt.Sprintf("--base-port %d is out of range: it must be between %d and %d (the lab uses %d ports from it)",
			basePort.Port, basePort.Min, basePort.Max, basePort.Span)
	case errors.As(err, &timings):
		return fmt.Sprintf("--election-timeout %d with --heartbeat-interval %d is invalid: etcd needs an election timeout of at least 5 heartbeats and at most %d ms",
			timings.ElectionMs, timings.HeartbeatMs, cluster.MaxElectionMs)
	case errors.As(err, &inUse):
		return fmt.Sprintf("%v: stop what holds it, or move the lab with --base-port (e.g. --base-port %d)", inUse, inUse.Base+1000)
	case errors.As(err, &logFile):
		return fmt.Sprintf("%v (use --log-file)", logFile)
	case errors.As(err, &dataDir):
		return dataDirMessage(dataDir)
	}
	return err.Error()
}

// dataDirMessage words a data dir problem in terms of --data-dir and the
// flags that must match what the dir holds.
func dataDirMessage(e *cluster.DataDirError) string {
	switch e.Problem {
	case cluster.DataDirIsFile:
		return fmt.Sprintf("--data-dir %s is a file, or lies under one: choose a directory", e.Dir)
	case cluster.DataDirUnreadable:
		return fmt.Sprintf("cannot read --data-dir %s: %v", e.Dir, e.Err)
	case cluster.DataDirDamaged:
		return fmt.Sprintf("%v: remove it or use another --data-dir", e)
	case cluster.DataDirNotCreatable:
		if e.Dir == "" {
			return fmt.Sprintf("%v (set TMPDIR or use --data-dir)", e)
		}
		return fmt.Sprintf("cannot create --data-dir %s: %v", e.Dir, e.Err)
	case cluster.DataDirNotWritable:
		return fmt.Sprintf("--data-dir %s is not writable: %v", e.Dir, e.Err)
	case cluster.DataDirNotEmpty:
		return fmt.Sprintf("--data-dir %s is not empty and holds no etcdlab cluster: use an empty or new directory", e.Dir)
	case cluster.DataDirOtherMembers:
		return fmt.Sprintf("--data-dir %s holds a %d-member cluster, not %d: use --members %d or another --data-dir", e.Dir, e.Have, e.Want, e.Have)
	case cluster.DataDirOtherBasePort:
		return fmt.Sprintf("--data-dir %s holds a cluster on --base-port %d, not %d: use --base-port %d or another --data-dir", e.Dir, e.Have, e.Want, e.Have)
	case cluster.DataDirOtherTLS, cluster.DataDirOtherAuth:
		what, flag := "TLS", "--tls"
		if e.Problem == cluster.DataDirOtherAuth {
			what, flag = "auth", "--auth"
		}
		with, fix := "without", "drop"
		if e.Have != 0 {
			with, fix = "with", "add"
		}
		return fmt.Sprintf("--data-dir %s holds a cluster %s %s: %s %s, or use another --data-dir", e.Dir, with, what, fix, flag)
	}
	return e.Error()
}
