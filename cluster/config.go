package cluster

import "time"

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
	// DirectPeers starts no relays: members listen on their peer ports
	// and talk to each other directly, as plain embedded etcd does. It is
	// for measuring what the relays cost (etcdlab bench); no network fault
	// (cut, delay, loss, isolate, partition) is possible, and Status
	// reports no replication lag.
	DirectPeers bool
}

// MaxElectionMs is the longest election timeout etcd accepts, in ms.
const MaxElectionMs = 50000

// ValidateMembers checks a cluster size: 1 to MaxMembers.
func ValidateMembers(n int) error {
	if n < 1 || n > MaxMembers {
		return &MembersRangeError{Members: n}
	}
	return nil
}

// ValidateTimings checks a heartbeat interval and an election timeout, both
// in ms, against etcd's rules: an election timeout of at least 5 heartbeats
// and at most 50000 ms.
func ValidateTimings(heartbeatMs, electionMs int) error {
	if heartbeatMs < 1 || electionMs < 5*heartbeatMs || electionMs > MaxElectionMs {
		return &TimingsError{HeartbeatMs: heartbeatMs, ElectionMs: electionMs}
	}
	return nil
}

// resolve validates cfg and fills in its defaults.
func (cfg Config) resolve() (Config, error) {
	if err := ValidateMembers(cfg.Members); err != nil {
		return cfg, err
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = DefaultBasePort
	}
	if err := ValidateBasePort(cfg.BasePort); err != nil {
		return cfg, err
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
		return cfg, err
	}
	if cfg.SampleInterval == 0 {
		cfg.SampleInterval = 20 * time.Millisecond
	}
	return cfg, nil
}
