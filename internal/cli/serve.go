package cli

import (
	"github.com/etcdlab/etcdlab/lab"
	"github.com/spf13/cobra"
)

func init() { addCommand(newServeCmd) }

// newServeCmd returns `etcdlab serve`: the cluster headless, commands on
// standard input, real client ports for etcdctl and other clients.
func newServeCmd() *cobra.Command {
	var (
		f         labFlags
		tracePath string
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the cluster headless for etcdctl and other clients; commands on stdin",
		Long: `serve runs the cluster headless and prints how to reach it (every member's
client and peer URL, ETCDCTL_ENDPOINTS, a python etcd3 line), then executes the
lab's commands read from standard input (kill etcd2, partition etcd1 etcd2,etcd3,
...) until SIGINT or SIGTERM. The end of standard input does not stop it, so
etcdlab serve </dev/null & keeps serving.

Exit status: 0 after SIGINT or SIGTERM, 2 bad flags, 3 the cluster could not
start, 130 interrupted while the members were starting.`,
		Example: `  etcdlab serve                        # then, elsewhere: go tool etcdctl put greeting hello
  etcdlab serve --members 5 --data-dir ./lab
  etcdlab serve --tls --auth           # prints ETCDCTL_CACERT and ETCDCTL_USER`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := f.config(cmd.Flags(), "", 1)
			if err != nil {
				return err
			}
			tf, err := openTrace(tracePath, "serve", cmd.Flags(), cfg, "")
			if err != nil {
				return err
			}
			fo := tf.follow(&cfg)
			return tf.finish(fo, lab.Serve(cmd.Context(), cfg, cmd.InOrStdin(), cmd.OutOrStdout()))
		},
	}
	f.add(c.Flags())
	addTrace(c.Flags(), &tracePath)
	c.MarkFlagDirname("data-dir")
	markFiles(c, "log-file", "trace")
	return c
}
