package cluster

import (
	"fmt"
	"time"
)

// ValidateTimings checks a heartbeat interval and an election timeout, both
// in ms, against etcd's rules: an election timeout of at least 5 heartbeats
// and at most 50000 ms.
func ValidateTimings(heartbeatMs, electionMs int) error {
	if heartbeatMs < 1 || electionMs < 5*heartbeatMs || electionMs > 50000 {
		return fmt.Errorf("--election-timeout %d with --heartbeat-interval %d is invalid: etcd needs an election timeout of at least 5 heartbeats and at most 50000 ms", electionMs, heartbeatMs)
	}
	return nil
}

// Config describes the cluster to launch.
type Config struct {
	// Members is the number of voting members, 1..MaxMembers.
	Members int
	// BasePort is etcd1's client port; see ClientPort and PeerPort.
	BasePort int
	// Host is the address members listen on; default 127.0.0.1.
	Host string
	// DataDir keeps member data across runs; empty means a temporary
	// directory that Terminate removes.
	DataDir string
	// HeartbeatMs and ElectionMs are etcd's --heartbeat-interval and
	// --election-timeout; zero means etcd's defaults (100 and 1000).
	HeartbeatMs int
	ElectionMs  int
	// LogFile receives etcd's logs; empty means DataDir/etcd.log, "-" none.
	LogFile string
	// SampleInterval is how often the monitor samples status for events;
	// zero means 20ms.
	SampleInterval time.Duration
	// TLS serves clients and peers over TLS with certificates the lab
	// generates under DataDir/tls.
	TLS bool
	// Auth creates a root user with a generated password and enables
	// etcd's authentication.
	Auth bool
}
