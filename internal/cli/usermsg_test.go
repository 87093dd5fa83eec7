package cli

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// TestUserMessage checks that every cluster error a person can meet at the
// command line reads as one line naming the flag that fixes it.
func TestUserMessage(t *testing.T) {
	cause := errors.New("permission denied")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"members", &cluster.MembersRangeError{Members: 10},
			"--members 10 is out of range: choose 1 to 9"},
		{"base port", &cluster.BasePortRangeError{Port: 70000, Min: 1024, Max: 65518, Span: 18},
			"--base-port 70000 is out of range: it must be between 1024 and 65518 (the lab uses 18 ports from it)"},
		{"timings", &cluster.TimingsError{HeartbeatMs: 100, ElectionMs: 400},
			"--election-timeout 400 with --heartbeat-interval 100 is invalid: etcd needs an election timeout of at least 5 heartbeats and at most 50000 ms"},
		{"port in use, in a StartError", &lab.StartError{Err: &cluster.PortInUseError{Port: 2381, Member: "etcd2", Role: "client", Base: 2379}},
			"port 2381 (etcd2 client port) is already in use: stop what holds it, or move the lab with --base-port (e.g. --base-port 3379)"},
		{"log file", &cluster.LogFileError{Path: "/x/etcd.log", Err: cause},
			"cannot open etcd log file /x/etcd.log: permission denied (use --log-file)"},
		{"a file", &cluster.DataDirError{Dir: "F", Problem: cluster.DataDirIsFile},
			"--data-dir F is a file, or lies under one: choose a directory"},
		{"unreadable", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirUnreadable, Err: cause},
			"cannot read --data-dir D: permission denied"},
		{"damaged", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirDamaged, File: "D/etcdlab.json", Err: errors.New("unexpected end of JSON input")},
			"D/etcdlab.json is damaged (unexpected end of JSON input): remove it or use another --data-dir"},
		{"temporary not creatable", &cluster.DataDirError{Problem: cluster.DataDirNotCreatable, Err: cause},
			"cannot create a temporary data dir: permission denied (set TMPDIR or use --data-dir)"},
		{"not creatable", &cluster.DataDirError{Dir: "/proc/x", Problem: cluster.DataDirNotCreatable, Err: &os.PathError{Op: "mkdir", Path: "/proc/x", Err: os.ErrNotExist}},
			"cannot create --data-dir /proc/x: mkdir /proc/x: file does not exist"},
		{"not writable", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirNotWritable, Err: cause},
			"--data-dir D is not writable: permission denied"},
		{"not empty", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirNotEmpty},
			"--data-dir D is not empty and holds no etcdlab cluster: use an empty or new directory"},
		{"another size", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirOtherMembers, Have: 3, Want: 5},
			"--data-dir D holds a 3-member cluster, not 5: use --members 3 or another --data-dir"},
		{"another base port", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirOtherBasePort, Have: 2379, Want: 3379},
			"--data-dir D holds a cluster on --base-port 2379, not 3379: use --base-port 2379 or another --data-dir"},
		{"with TLS", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirOtherTLS, Have: 1},
			"--data-dir D holds a cluster with TLS: add --tls, or use another --data-dir"},
		{"without TLS", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirOtherTLS, Want: 1},
			"--data-dir D holds a cluster without TLS: drop --tls, or use another --data-dir"},
		{"with auth", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirOtherAuth, Have: 1},
			"--data-dir D holds a cluster with auth: add --auth, or use another --data-dir"},
		{"without auth", &cluster.DataDirError{Dir: "D", Problem: cluster.DataDirOtherAuth, Want: 1},
			"--data-dir D holds a cluster without auth: drop --auth, or use another --data-dir"},
		{"any other error", fmt.Errorf("members not ready within the deadline"),
			"members not ready within the deadline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := userMessage(tc.err); got != tc.want {
				t.Errorf("userMessage:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
