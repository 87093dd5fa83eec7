package cli

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// clusterFlags say which cluster to run or export. The dashboard, run,
// serve and export take them.
type clusterFlags struct {
	members, basePort       int
	dataDir                 string
	heartbeatMs, electionMs int
	tls                     bool
}

// add defines the cluster flags on fs.
func (f *clusterFlags) add(fs *pflag.FlagSet) {
	fs.IntVar(&f.members, "members", 3, fmt.Sprintf("cluster size `N`, 1-%d", cluster.MaxMembers))
	fs.IntVar(&f.basePort, "base-port", cluster.DefaultBasePort, "etcd1's client `PORT`; member i uses base+2(i-1) (client) and base+2(i-1)+1 (peer)")
	fs.StringVar(&f.dataDir, "data-dir", "", "keep member data in `DIR` and resume it next time (default: a temporary dir removed on exit)")
	fs.IntVar(&f.heartbeatMs, "heartbeat-interval", 100, "etcd's heartbeat interval in `MS`")
	fs.IntVar(&f.electionMs, "election-timeout", 1000, "etcd's election timeout in `MS`")
	fs.BoolVar(&f.tls, "tls", false, "serve clients and peers over TLS with certificates generated under DATA-DIR/tls")
}

// labFlags say how this process runs its lab: the cluster flags and the
// ones of a running lab. The dashboard, run and serve take them.
type labFlags struct {
	cluster clusterFlags
	timeout time.Duration
	logFile string
	host    string
	auth    bool
}

// add defines the lab flags on fs.
func (f *labFlags) add(fs *pflag.FlagSet) {
	f.cluster.add(fs)
	addTimeout(fs, &f.timeout)
	fs.StringVar(&f.logFile, "log-file", "", "write etcd's own logs to `FILE`, - for nowhere (default: DATA-DIR/etcd.log)")
	fs.StringVar(&f.host, "listen-host", "127.0.0.1", "`ADDRESS` the members listen on; anything but loopback lets others reach the cluster")
	fs.BoolVar(&f.auth, "auth", false, "create a root user with a generated password and enable etcd's authentication")
}

// addTimeout defines --command-timeout, which every mode with a prompt or
// a scenario takes.
func addTimeout(fs *pflag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "command-timeout", lab.DefaultTimeout, "deadline of every etcd call a command makes, a `DURATION` such as 500ms")
}

// markFiles makes the shell complete file names for the flags named.
func markFiles(c *cobra.Command, names ...string) {
	for _, n := range names {
		c.MarkFlagFilename(n)
	}
}

// goStyleFlag is a flag written with one dash, as Go's flag package and
// etcd itself accept: -members 3, -base-port=2379.
var goStyleFlag = regexp.MustCompile(`^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$`)

// twoDashes returns args with every one-dash long flag given two, so that
// `-members 3` keeps working as it did with Go's flag package. etcdlab
// defines no one-letter flag but -h, so a dash and two letters or more is
// never a group of short flags. Nothing after -- is touched, and a value
// is read the same way: a value that looks like a one-dash flag takes the
// = form (--log-file=-x).
func twoDashes(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		if goStyleFlag.MatchString(a) {
			a = "-" + a
		}
		out[i] = a
	}
	return out
}

// flagError turns pflag's error for a bad flag of c into one line that
// names the flag, says what it wants, and points at c's help.
func flagError(c *cobra.Command, err error) error {
	var (
		invalid *pflag.InvalidValueError
		missing *pflag.ValueRequiredError
	)
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		err = fmt.Errorf("invalid value %q for --%s: want %s%s", invalid.GetValue(), f.Name, valueKind(f.Value.Type()), example(f))
	case errors.As(err, &missing) && missing.GetFlag() != nil:
		err = fmt.Errorf("--%s needs a value%s", missing.GetFlag().Name, example(missing.GetFlag()))
	}
	return &usageError{err: err, help: c.CommandPath() + " --help"}
}

// example returns ", e.g. --NAME DEFAULT" for a flag with a default.
func example(f *pflag.Flag) string {
	if f.DefValue == "" {
		return ""
	}
	return fmt.Sprintf(", e.g. --%s %s", f.Name, f.DefValue)
}

// valueKind says in words what a flag of pflag type t takes.
func valueKind(t string) string {
	switch t {
	case "int":
		return "a whole number"
	case "float64":
		return "a number"
	case "duration":
		return "a duration with its unit"
	case "bool":
		return "true or false"
	}
	return "a " + t
}
