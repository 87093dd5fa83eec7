package cli

import (
	"fmt"
	"strings"

	"github.com/etcdlab/etcdlab/ui"
	"github.com/spf13/cobra"
)

// newRoot returns the etcdlab command: the dashboard on a fresh cluster,
// optionally playing a scenario. The subcommands are added by Run.
func newRoot() *cobra.Command {
	var (
		f          labFlags
		scriptPath string
		step       bool
		speed      float64
		record     string
		tracePath  string
	)
	c := &cobra.Command{
		Use:   "etcdlab",
		Short: "A terminal lab for etcd and Raft: real etcd members to break and watch",
		Long: `etcdlab runs real etcd members (embedded etcd v3.7.3) in one process on loopback
ports, and opens a live dashboard over them: kill, stop, restart, partition and
reconfigure them, type etcdctl-style commands, and watch leader, term, revision
and quorum change. Without a command it opens the dashboard on a fresh cluster
(3 members unless --members says otherwise); --script plays a scenario in it.

Exit status: 0 success, 1 a scenario expectation failed, 2 bad flags or
scenario syntax (nothing started), 3 the cluster could not start, 130
interrupted.`,
		Example: `  etcdlab                                   # 3 members and the dashboard
  etcdlab --members 5 --data-dir ./lab      # 5 members, kept in ./lab for next time
  etcdlab --script scripts/04-leader-killed.lab --step   # a lesson, line by line`,
		Args:          rootArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true, // completion.go has etcdlab's own
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, script, err := f.config(cmd.Flags(), scriptPath, speed)
			if err != nil {
				return err
			}
			tf, err := openTrace(tracePath, "dashboard", cmd.Flags(), cfg, scriptPath)
			if err != nil {
				return err
			}
			o := ui.Options{Config: cfg, Script: script, ScriptPath: scriptPath, Step: step, Record: record}
			if tf != nil {
				o.Trace = tf.w
			}
			return tf.finish(nil, ui.Run(cmd.Context(), o))
		},
	}
	c.SetFlagErrorFunc(flagError)
	fs := c.Flags()
	f.add(fs)
	fs.StringVar(&scriptPath, "script", "", "play the scenario `FILE` inside the UI")
	fs.BoolVar(&step, "step", false, "presenter mode: run each scenario line when space or enter is pressed")
	fs.Float64Var(&speed, "speed", 1, "scale the sleeps of a scenario by `FACTOR`: 2 plays twice as fast")
	fs.StringVar(&record, "record", "", "write every command of the session to `FILE` as a replayable scenario")
	c.RegisterFlagCompletionFunc("script", completeScenario)
	c.MarkFlagDirname("data-dir")
	addTrace(fs, &tracePath)
	markFiles(c, "log-file", "record", "trace")
	return c
}

// rootArgs refuses words that name no command, suggesting the closest.
func rootArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usagef("unknown command %q%s: commands are %s; see etcdlab --help",
		args[0], hint, strings.Join(commandNames(c), ", "))
}
