package cli

import (
	"github.com/etcdlab/etcdlab/lab"
	"github.com/spf13/cobra"
)

func init() { addCommand(newRunCmd) }

// newRunCmd returns `etcdlab run FILE`: a scenario played headless.
func newRunCmd() *cobra.Command {
	var (
		f         labFlags
		tracePath string
	)
	c := &cobra.Command{
		Use:   "run FILE",
		Short: "Play a scenario file headless and print a transcript",
		Long: `run plays a scenario file on a fresh cluster and prints a transcript: each
command, its result, and the cluster's events (elections, kills, quorum lost and
regained) as they happen. It stops at the first expectation that fails. A
scenario's first line may say how many members it needs (members N); --members
overrides it.

Exit status: 0 every expectation held, 1 one failed (FAIL line N: reason),
2 bad flags or scenario syntax, 3 the cluster could not start, 130 interrupted.`,
		Example: `  etcdlab run scripts/01-three-survive-one.lab
  etcdlab run scripts/04-leader-killed.lab --election-timeout 2000
  etcdlab run talk.lab --data-dir ./lab     # replay a session recorded with --record`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("run needs exactly one scenario FILE, e.g. etcdlab run scripts/01-three-survive-one.lab")
			}
			return nil
		},
		ValidArgsFunction: completeScenarioArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, script, err := f.config(cmd.Flags(), args[0], 1)
			if err != nil {
				return err
			}
			tf, err := openTrace(tracePath, "run", cmd.Flags(), cfg, args[0])
			if err != nil {
				return err
			}
			fo := tf.follow(&cfg)
			return tf.finish(fo, lab.RunFile(cmd.Context(), cfg, script, cmd.OutOrStdout()))
		},
	}
	f.add(c.Flags())
	addTrace(c.Flags(), &tracePath)
	c.MarkFlagDirname("data-dir")
	markFiles(c, "log-file", "trace")
	return c
}
