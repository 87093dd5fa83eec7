package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/export"
	"github.com/spf13/cobra"
	"go.etcd.io/etcd/api/v3/version"
)

func init() { addCommand(newExportCmd) }

// newExportCmd returns `etcdlab export compose|procfile|commands`: the
// lab's cluster written out as real etcd processes.
func newExportCmd() *cobra.Command {
	var (
		f     clusterFlags
		hosts []string
	)
	c := &cobra.Command{
		Use:   "export compose|procfile|commands",
		Short: "Write the lab's cluster as real etcd processes: docker-compose, Procfile or commands",
		Long: `export writes the cluster the same flags would run in the lab (--members,
--base-port, --heartbeat-interval, --election-timeout, --tls, --data-dir) as real
etcd v` + version.Version + ` processes, with the lab's member names, ports and cluster token, and
ends with the etcdlab attach line that watches the result:

  compose    a docker-compose.yml in the shape of the seed's: services etcd1..etcdN
             on the official image ` + export.Image() + `, each on
             2379 and 2380 inside its container, published on the lab's ports of
             127.0.0.1, one named volume per member (or DATA-DIR/etcdN).
  procfile   a Procfile for goreman, as in etcd's own repository: every member
             a process on 127.0.0.1 with the lab's ports; each line after its
             NAME: is a plain shell command too.
  commands   one shell command per member, each for its own machine (--host once
             per member, in order), on --base-port and the port above it, as in
             etcd's clustering guide.

With --tls the output names the certificate files it needs and what they must
cover: etcdlab's own certificates (DATA-DIR/tls) name only 127.0.0.1 and
localhost, so they serve the procfile form as they are, and the others not.
A --data-dir that holds a lab cluster gives its size and ports, as it does for
the lab.`,
		Example: `  etcdlab export compose --members 4 > docker-compose.yml && docker compose up -d
  etcdlab export procfile > Procfile && goreman start
  etcdlab export commands --host 10.0.0.1 --host 10.0.0.2 --host 10.0.0.3`,
		ValidArgs: formatNames(),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || !isFormat(args[0]) {
				return usagef("export needs one form: compose, procfile or commands, e.g. etcdlab export compose > docker-compose.yml")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			form := export.Format(args[0])
			fs := cmd.Flags()
			cfg, _, err := f.config(fs, "")
			if err != nil {
				return err
			}
			ec := export.Cluster{Members: cfg.Members, BasePort: cfg.BasePort, HeartbeatMs: cfg.HeartbeatMs,
				ElectionMs: cfg.ElectionMs, TLS: cfg.TLS, DataDir: cfg.DataDir, Hosts: hosts}
			switch {
			case form != export.Commands && len(hosts) > 0:
				return usagef("--host is for export commands: %s runs every member on this machine", form)
			case form == export.Commands && len(hosts) == 0:
				return usagef("export commands needs --host once per member, e.g. --host 10.0.0.1 --host 10.0.0.2 --host 10.0.0.3")
			case form == export.Commands && !fs.Changed("members"):
				ec.Members = len(hosts)
			}
			if err := checkResumable(form, ec); err != nil {
				return err
			}
			if err := ec.Check(form); err != nil {
				return &usageError{err: err, help: "etcdlab export --help"}
			}
			return export.Write(cmd.OutOrStdout(), form, ec)
		},
	}
	fs := c.Flags()
	f.add(fs)
	// The same flags, read as what the processes will do.
	fs.Lookup("data-dir").Usage = "members keep their data in `DIR`/etcdN, the TLS files in DIR/tls (default: etcd's NAME.etcd, or a volume per member in compose)"
	fs.Lookup("tls").Usage = "clients and peers over TLS; the output names the certificates it needs"
	fs.StringArrayVar(&hosts, "host", nil, "commands only: the `HOST` (address or name) of a member's machine, once per member in order")
	c.MarkFlagDirname("data-dir")
	return c
}

// formatNames returns the forms export writes, for completion.
func formatNames() []string {
	var names []string
	for _, f := range export.Formats() {
		names = append(names, string(f))
	}
	return names
}

// isFormat reports whether s names a form export writes.
func isFormat(s string) bool {
	for _, f := range export.Formats() {
		if string(f) == s {
			return true
		}
	}
	return false
}

// checkResumable reports a data dir holding a lab cluster that the
// processes of form f started with c would not resume as it is. Only the
// Procfile's can: the members' data knows its peers at 127.0.0.1 on the
// lab's ports. It also needs the same size, base port and TLS (what
// cluster.New checks for the lab), and members etcd1..etcdN, which a
// member add or remove may have changed. A dir that holds no lab cluster
// is fine: the processes start a new one there.
func checkResumable(f export.Format, c export.Cluster) error {
	if c.DataDir == "" {
		return nil
	}
	n, port, ok, err := cluster.InfoFromDataDir(c.DataDir)
	if err != nil {
		return &usageError{err: err}
	}
	if !ok {
		return nil
	}
	if f != export.Procfile {
		return usagef("--data-dir %s holds a lab cluster, whose members know each other at 127.0.0.1: only export procfile resumes it; give %s another --data-dir", c.DataDir, f)
	}
	other := func(p cluster.DataDirProblem, have, want int) error {
		return &usageError{err: &cluster.DataDirError{Dir: c.DataDir, Problem: p, Have: have, Want: want}}
	}
	// The lab makes its certificates in DATA-DIR/tls only for a cluster
	// with TLS.
	_, err = os.Stat(filepath.Join(c.DataDir, "tls", "server.key"))
	hasTLS := err == nil
	switch {
	case n != c.Members:
		return other(cluster.DataDirOtherMembers, n, c.Members)
	case port != c.BasePort:
		return other(cluster.DataDirOtherBasePort, port, c.BasePort)
	case hasTLS != c.TLS:
		return other(cluster.DataDirOtherTLS, oneIf(hasTLS), oneIf(c.TLS))
	}
	for i := 1; i <= n; i++ {
		if fi, err := os.Stat(filepath.Join(c.DataDir, fmt.Sprintf("etcd%d", i))); err != nil || !fi.IsDir() {
			return usagef("--data-dir %s holds a lab cluster whose members are not etcd1..etcd%d (a member was added or removed): export cannot resume it; use another --data-dir", c.DataDir, n)
		}
	}
	return nil
}

// oneIf returns 1 for true, 0 for false.
func oneIf(b bool) int {
	if b {
		return 1
	}
	return 0
}
