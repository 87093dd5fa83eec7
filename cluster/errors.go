package cluster

import (
	"errors"
	"fmt"
)

// The errors below say what is wrong in the cluster's own terms. They name
// no command-line flag: the caller knows how its user set the value and
// words the fix (etcdlab's main names the flag; the lab says what to do
// inside the lab).

// MembersRangeError reports a cluster size outside 1..MaxMembers.
type MembersRangeError struct {
	// Members is the size asked for.
	Members int
}

// Error says the size is out of range, and what the range is.
func (e *MembersRangeError) Error() string {
	return fmt.Sprintf("%d members is out of range: a lab runs 1 to %d", e.Members, MaxMembers)
}

// BasePortRangeError reports a base port whose member ports do not all fit
// between Min and the highest TCP port.
type BasePortRangeError struct {
	// Port is the base port asked for.
	Port int
	// Min and Max bound the base ports that fit; Span is how many ports a
	// lab uses from its base port.
	Min, Max, Span int
}

// Error says the base port is out of range, and what the range is.
func (e *BasePortRangeError) Error() string {
	return fmt.Sprintf("base port %d is out of range: it must be between %d and %d (the lab uses %d ports from it)", e.Port, e.Min, e.Max, e.Span)
}

// TimingsError reports a heartbeat interval and an election timeout that
// etcd refuses.
type TimingsError struct {
	// HeartbeatMs and ElectionMs are the values asked for, in ms.
	HeartbeatMs, ElectionMs int
}

// Error says the timings are invalid, and what etcd needs.
func (e *TimingsError) Error() string {
	return fmt.Sprintf("an election timeout of %d ms with a heartbeat interval of %d ms is invalid: etcd needs an election timeout of at least 5 heartbeats and at most %d ms", e.ElectionMs, e.HeartbeatMs, MaxElectionMs)
}

// PortInUseError reports a port of a member that another process already
// holds.
type PortInUseError struct {
	// Port is the port in use, and Member the member it belongs to.
	Port   int
	Member string
	// Role is "client" or "peer".
	Role string
	// Base is the cluster's base port.
	Base int
}

// Error names the port and the member and role it belongs to.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d (%s %s port) is already in use", e.Port, e.Member, e.Role)
}

// IsPortInUse reports whether err, or an error it wraps, is a
// *PortInUseError.
func IsPortInUse(err error) bool {
	var pe *PortInUseError
	return errors.As(err, &pe)
}

// LogFileError reports an etcd log file that cannot be opened.
type LogFileError struct {
	// Path is the log file, and Err why it cannot be opened.
	Path string
	Err  error
}

// Error names the file and the cause.
func (e *LogFileError) Error() string {
	return fmt.Sprintf("cannot open etcd log file %s: %v", e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *LogFileError) Unwrap() error { return e.Err }

// DataDirProblem says why a data dir cannot be used.
type DataDirProblem int

const (
	// DataDirIsFile: the data dir is a file, or lies under one.
	DataDirIsFile DataDirProblem = iota + 1
	// DataDirUnreadable: its metadata file cannot be read.
	DataDirUnreadable
	// DataDirDamaged: its metadata file (File) does not parse.
	DataDirDamaged
	// DataDirNotCreatable: the directory cannot be created; Dir is empty
	// for a temporary data dir.
	DataDirNotCreatable
	// DataDirNotWritable: no file can be created in it.
	DataDirNotWritable
	// DataDirNotEmpty: it holds files but no lab cluster.
	DataDirNotEmpty
	// DataDirOtherMembers: it holds a cluster of Have members, not Want.
	DataDirOtherMembers
	// DataDirOtherBasePort: it holds a cluster on base port Have, not Want.
	DataDirOtherBasePort
	// DataDirOtherTLS: it holds a cluster with TLS (Have 1) or without
	// (Have 0), and Want asks for the other.
	DataDirOtherTLS
	// DataDirOtherAuth: as DataDirOtherTLS, for authentication.
	DataDirOtherAuth
)

// DataDirError reports a data dir the lab cannot use, or one that holds
// another cluster than the one asked for.
type DataDirError struct {
	// Dir is the data dir; it is empty for a temporary one.
	Dir string
	// Problem says what is wrong with it.
	Problem DataDirProblem
	// File is the metadata file, for DataDirDamaged.
	File string
	// Have is what the data dir holds and Want what was asked for, for the
	// DataDirOther problems.
	Have, Want int
	// Err is the underlying error, if any.
	Err error
}

// Error names the data dir and its problem.
func (e *DataDirError) Error() string {
	switch e.Problem {
	case DataDirIsFile:
		return fmt.Sprintf("data dir %s is a file, or lies under one", e.Dir)
	case DataDirUnreadable:
		return fmt.Sprintf("cannot read data dir %s: %v", e.Dir, e.Err)
	case DataDirDamaged:
		return fmt.Sprintf("%s is damaged (%v)", e.File, e.Err)
	case DataDirNotCreatable:
		if e.Dir == "" {
			return fmt.Sprintf("cannot create a temporary data dir: %v", e.Err)
		}
		return fmt.Sprintf("cannot create data dir %s: %v", e.Dir, e.Err)
	case DataDirNotWritable:
		return fmt.Sprintf("data dir %s is not writable: %v", e.Dir, e.Err)
	case DataDirNotEmpty:
		return fmt.Sprintf("data dir %s is not empty and holds no etcdlab cluster", e.Dir)
	case DataDirOtherMembers:
		return fmt.Sprintf("data dir %s holds a %d-member cluster, not %d", e.Dir, e.Have, e.Want)
	case DataDirOtherBasePort:
		return fmt.Sprintf("data dir %s holds a cluster on base port %d, not %d", e.Dir, e.Have, e.Want)
	case DataDirOtherTLS:
		return fmt.Sprintf("data dir %s holds a cluster %s TLS", e.Dir, withOrWithout(e.Have != 0))
	case DataDirOtherAuth:
		return fmt.Sprintf("data dir %s holds a cluster %s auth", e.Dir, withOrWithout(e.Have != 0))
	}
	return fmt.Sprintf("data dir %s cannot be used: %v", e.Dir, e.Err)
}

// Unwrap returns the underlying error, if any.
func (e *DataDirError) Unwrap() error { return e.Err }
