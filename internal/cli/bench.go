package cli

import (
	"fmt"

	"github.com/etcdlab/etcdlab/internal/bench"
	"github.com/spf13/cobra"
)

func init() { addCommand(newBenchCmd) }

// newBenchCmd returns `etcdlab bench`: the lab measured against etcd
// processes, a developer's tool (see BENCHMARKS.md).
func newBenchCmd() *cobra.Command {
	o := bench.DefaultOptions()
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure the lab against etcd v3.7.3 processes on this machine",
		Long: `bench measures the lab against etcd v3.7.3 processes on this machine (memory,
idle CPU, put throughput and latency, time to ready, failover, the dashboard's
frame time; again at 5 and 9 members), and what the relays between members
cost, and prints Markdown tables, as in BENCHMARKS.md. Run it inside etcdlab's
source tree: it builds etcd into .cache/etcd and runs go test ./ui; it needs
tmux and Linux. It takes about 10 minutes with the defaults.`,
		Example: `  etcdlab bench
  etcdlab bench --runs 3 --idle 5s          # quicker, noisier
  go run . bench --base-port 16000 > table.md`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return &usageError{err: err}
			}
			return bench.Run(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := c.Flags()
	fs.IntVar(&o.Runs, "runs", o.Runs, "repeat every measurement `N` times; the table shows medians")
	fs.IntVar(&o.Clients, "clients", o.Clients, "`N` concurrent clients of the put load, each with its own connections")
	fs.IntVar(&o.Puts, "puts", o.Puts, "`N` sequential puts per client")
	fs.IntVar(&o.BasePort, "base-port", o.BasePort, fmt.Sprintf("first `PORT` of the %d the clusters use", bench.PortSpan))
	fs.DurationVar(&o.Idle, "idle", o.Idle, "window over which idle CPU is measured, a `DURATION`")
	return c
}
