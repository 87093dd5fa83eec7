package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/bench"
	"github.com/etcdlab/etcdlab/lab"
)

// options is what the command line asks for.
type options struct {
	config lab.Config
	script *lab.Script
	// TUI only
	scriptPath string
	step       bool
	speed      float64
	record     string
}

var modeUsage = map[string]string{
	"tui":    "usage: etcdlab [flags]\n\nOpens the terminal UI on a fresh cluster (3 members unless --members says otherwise).\n",
	"run":    "usage: etcdlab run FILE [flags]\n\nPlays a scenario file on a fresh cluster and prints a transcript.\nExit status: 0 all passed, 1 an expectation failed, 2 bad flags or syntax, 3 the cluster could not start.\n",
	"bench":  "usage: etcdlab bench [flags]\n\nMeasures the lab against etcd v3.7.3 processes on this machine and prints a Markdown table\n(see BENCHMARKS.md). Run it inside etcdlab's source tree: it builds etcd into .cache/etcd and runs\ngo test ./ui; it needs tmux and Linux. It takes about 3 to 4 minutes with the defaults.\n",
	"attach": "usage: etcdlab attach --endpoints URL[,URL...] [flags]\n\nOpens the dashboard on an existing etcd cluster (other processes or machines), read over the client API.\nEvery client command, membership command and move-leader works; kill, restart and partitions do not.\n",
	"serve":  "usage: etcdlab serve [flags]\n\nRuns the cluster headless, prints its endpoints, then executes commands read from standard input\nuntil SIGINT or SIGTERM. The end of standard input does not stop it.\n",
}

// parseFlags parses a mode's flags; flags and the FILE of run may come in
// any order.
func parseFlags(mode string, args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("etcdlab "+mode, flag.ContinueOnError)
	// Parse errors become one line from main; only --help prints usage.
	fs.SetOutput(io.Discard)
	members := fs.Int("members", 3, fmt.Sprintf("number of etcd members, 1-%d", cluster.MaxMembers))
	basePort := fs.Int("base-port", cluster.DefaultBasePort, "etcd1's client port; member i uses base+2(i-1) (client) and base+2(i-1)+1 (peer)")
	fs.StringVar(&o.config.Cluster.DataDir, "data-dir", "", "keep member data here and resume it next time (default: a temporary dir removed on exit)")
	fs.IntVar(&o.config.Cluster.HeartbeatMs, "heartbeat-interval", 100, "etcd's heartbeat interval in ms")
	fs.IntVar(&o.config.Cluster.ElectionMs, "election-timeout", 1000, "etcd's election timeout in ms")
	fs.DurationVar(&o.config.Options.Timeout, "command-timeout", lab.DefaultTimeout, "deadline of every etcd call a command makes")
	fs.StringVar(&o.config.Cluster.LogFile, "log-file", "", "where etcd's own logs go, - for nowhere (default: DATA-DIR/etcd.log)")
	fs.StringVar(&o.config.Cluster.Host, "listen-host", "127.0.0.1", "address the members listen on; anything but loopback lets others reach the cluster")
	fs.BoolVar(&o.config.Cluster.TLS, "tls", false, "serve clients and peers over TLS with certificates generated under DATA-DIR/tls")
	fs.BoolVar(&o.config.Cluster.Auth, "auth", false, "create a root user with a generated password and enable etcd's authentication")
	if mode == "tui" {
		fs.StringVar(&o.scriptPath, "script", "", "play this scenario file inside the UI")
		fs.BoolVar(&o.step, "step", false, "presenter mode: run each scenario line when space or enter is pressed")
		fs.Float64Var(&o.speed, "speed", 1, "scale the sleeps of a scenario: 2 plays twice as fast")
		fs.StringVar(&o.record, "record", "", "write every command of the session to this file as a replayable scenario")
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fmt.Fprint(stderr, modeUsage[mode], "\nflags:\n")
				fs.SetOutput(stderr)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, fmt.Errorf("%v (see %s --help)", err, commandName(mode))
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	switch {
	case mode == "run" && len(positional) != 1:
		return nil, fmt.Errorf("run needs exactly one scenario FILE, e.g. etcdlab run scripts/01-three-survive-one.lab")
	case mode != "run" && len(positional) > 0:
		return nil, fmt.Errorf("unexpected argument %q: etcdlab [run FILE | serve] [flags]; see etcdlab --help", strings.Join(positional, " "))
	}
	if o.speed <= 0 && mode == "tui" {
		return nil, fmt.Errorf("--speed %v must be positive, e.g. --speed 2", o.speed)
	}
	if o.config.Options.Timeout <= 0 {
		return nil, fmt.Errorf("--command-timeout %v must be positive, e.g. --command-timeout 2s", o.config.Options.Timeout)
	}
	o.config.Options.Speed = o.speed
	o.config.Cluster.Members = *members
	o.config.Cluster.BasePort = *basePort

	// A data dir remembers its cluster: use its size and ports unless the
	// flags say otherwise (cluster.New reports a conflict).
	if dir := o.config.Cluster.DataDir; dir != "" {
		n, port, ok, err := cluster.InfoFromDataDir(dir)
		if err != nil {
			return nil, err
		}
		if ok && !set["members"] {
			o.config.Cluster.Members = n
		}
		if ok && !set["base-port"] {
			o.config.Cluster.BasePort = port
		}
	}
	scriptPath := o.scriptPath
	if mode == "run" {
		scriptPath = positional[0]
	}
	if scriptPath != "" {
		s, err := lab.LoadScript(scriptPath)
		if err != nil {
			return nil, err
		}
		o.script = s
		if s.Members > 0 && !set["members"] {
			o.config.Cluster.Members = s.Members
		}
	}
	if err := cluster.ValidateMembers(o.config.Cluster.Members); err != nil {
		return nil, err
	}
	if h := o.config.Cluster.Host; h != "localhost" && net.ParseIP(h) == nil {
		return nil, fmt.Errorf("--listen-host %q is not an IP address: use e.g. 127.0.0.1, 0.0.0.0 or this machine's address", h)
	}
	if err := cluster.ValidateBasePort(o.config.Cluster.BasePort); err != nil {
		return nil, err
	}
	// Bad timings are bad flags (exit 2), not a failed start; and 0 here is
	// what the user typed, not cluster.Config's "use etcd's default".
	if err := cluster.ValidateTimings(o.config.Cluster.HeartbeatMs, o.config.Cluster.ElectionMs); err != nil {
		return nil, err
	}
	return o, nil
}

// parseBenchFlags parses the flags of etcdlab bench.
func parseBenchFlags(args []string, stderr io.Writer) (bench.Options, error) {
	o := bench.DefaultOptions()
	fs := flag.NewFlagSet("etcdlab bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&o.Runs, "runs", o.Runs, "repeat every measurement this many times; the table shows medians")
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent clients of the put load, each with its own connections")
	fs.IntVar(&o.Puts, "puts", o.Puts, "sequential puts per client")
	fs.IntVar(&o.BasePort, "base-port", o.BasePort, fmt.Sprintf("first of the %d ports the clusters use", bench.PortSpan))
	fs.DurationVar(&o.Idle, "idle", o.Idle, "window over which idle CPU is measured")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stderr, modeUsage["bench"], "\nflags:\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return o, err
		}
		return o, fmt.Errorf("%v (see etcdlab bench --help)", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: etcdlab bench [flags]; see etcdlab bench --help", strings.Join(fs.Args(), " "))
	}
	return o, o.Validate()
}

// parseAttachFlags parses the flags of etcdlab attach.
func parseAttachFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("etcdlab attach", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	endpoints := fs.String("endpoints", "", "client URLs of the cluster, comma-separated, e.g. http://10.0.0.1:2379,http://10.0.0.2:2379")
	cacert := fs.String("cacert", "", "CA certificate that signed the members' certificates (for https endpoints)")
	user := fs.String("user", "", "USER:PASSWORD for a cluster with authentication, as etcdctl's --user")
	fs.DurationVar(&o.config.Options.Timeout, "command-timeout", lab.DefaultTimeout, "deadline of every etcd call a command makes")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stderr, modeUsage["attach"], "\nflags:\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, fmt.Errorf("%v (see etcdlab attach --help)", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: etcdlab attach --endpoints URL[,URL...]; see etcdlab attach --help", strings.Join(fs.Args(), " "))
	}
	if *endpoints == "" {
		return nil, fmt.Errorf("attach needs --endpoints, e.g. etcdlab attach --endpoints http://127.0.0.1:2379")
	}
	if o.config.Options.Timeout <= 0 {
		return nil, fmt.Errorf("--command-timeout %v must be positive, e.g. --command-timeout 2s", o.config.Options.Timeout)
	}
	rc := &cluster.RemoteConfig{Endpoints: strings.Split(*endpoints, ",")}
	for _, e := range rc.Endpoints {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--endpoints: %q is not a client URL: write e.g. http://127.0.0.1:2379", e)
		}
	}
	if *user != "" {
		name, pw, ok := strings.Cut(*user, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("--user %q: write USER:PASSWORD, e.g. --user root:secret", *user)
		}
		rc.Username, rc.Password = name, pw
	}
	if *cacert != "" {
		tc, err := cluster.TLSConfigFromCA(*cacert)
		if err != nil {
			return nil, err
		}
		rc.TLS, rc.CAFile = tc, *cacert
	}
	o.config.Attach = rc
	return o, nil
}

// commandName is how a person types the mode: etcdlab, or etcdlab run.
func commandName(mode string) string {
	if mode == "tui" {
		return "etcdlab"
	}
	return "etcdlab " + mode
}
