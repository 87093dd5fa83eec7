package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/progress"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/scripts"
	"github.com/etcdlab/etcdlab/ui"
	"github.com/spf13/cobra"
)

func init() { addCommand(newLearnCmd) }

// learnFlags are learn's: how each exercise's fresh cluster runs (its size
// is the exercise's), and what to do with the progress.
type learnFlags struct {
	basePort, heartbeatMs, electionMs int
	logFile                           string
	timeout                           time.Duration
	reset, list                       bool
}

// newLearnCmd returns `etcdlab learn`: the bundled exercises, with a
// person's progress through them.
func newLearnCmd() *cobra.Command {
	var f learnFlags
	c := &cobra.Command{
		Use:   "learn",
		Short: "Hands-on exercises: break a real cluster as a task asks, and the lab checks and explains",
		Long: `learn opens a list of exercises. Each gives you tasks on a fresh cluster of
real etcd members (crash the leader, lose quorum and regain it, read a stale
value, grow the cluster safely, ...); you do them with the prompt or the member
keys, the lab checks etcd's real state, and explains what etcd did and why.
Hints and the solution are a key away. Finished exercises are remembered per
user, under $XDG_STATE_HOME/etcdlab (~/.local/state/etcdlab by default).

etcdlab --script FILE plays any exercise file the same way, and etcdlab run
FILE replays it headless by its solution lines.`,
		Example: `  etcdlab learn
  etcdlab learn --list          # the exercises and which are done, without the dashboard
  etcdlab learn --reset         # forget which exercises are done`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	fs := c.Flags()
	fs.BoolVar(&f.reset, "reset", false, "forget which exercises are done, then exit")
	fs.BoolVar(&f.list, "list", false, "print the exercises and which are done, then exit")
	fs.IntVar(&f.basePort, "base-port", cluster.DefaultBasePort, "etcd1's client `PORT`; member i uses base+2(i-1) (client) and base+2(i-1)+1 (peer)")
	fs.IntVar(&f.heartbeatMs, "heartbeat-interval", 100, "etcd's heartbeat interval in `MS`")
	fs.IntVar(&f.electionMs, "election-timeout", 1000, "etcd's election timeout in `MS`")
	fs.StringVar(&f.logFile, "log-file", "", "write etcd's own logs to `FILE`, - for nowhere (default: in the exercise's temporary data dir)")
	addTimeout(fs, &f.timeout)
	markFiles(c, "log-file")
	return c
}

func (f *learnFlags) run(cmd *cobra.Command) error {
	path, err := progress.Path()
	if err != nil {
		return err
	}
	store, err := progress.Open(path)
	var damaged *progress.DamagedError
	notice := ""
	switch {
	case errors.As(err, &damaged):
		notice = damaged.Error()
		fmt.Fprintf(cmd.ErrOrStderr(), "etcdlab: %s\n", notice)
	case err != nil:
		return err
	}
	if f.reset {
		if err := store.Reset(); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "progress cleared: no exercise is done (%s)\n", path)
		return nil
	}
	exs, err := lab.LoadExercises(scripts.Exercises, "exercises")
	if err != nil {
		return fmt.Errorf("the bundled exercises: %v (please report it)", err)
	}
	if f.list {
		list(cmd.OutOrStdout(), exs, store)
		return nil
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	return ui.Learn(cmd.Context(), ui.LearnOptions{Config: cfg, Exercises: exs, Progress: store, Notice: notice})
}

// config checks the cluster flags and returns the configuration every
// exercise's cluster shares; ui sets the size to each exercise's.
func (f *learnFlags) config() (lab.Config, error) {
	if f.timeout <= 0 {
		return lab.Config{}, usagef("--command-timeout %v must be positive, e.g. --command-timeout 2s", f.timeout)
	}
	if err := cluster.ValidateBasePort(f.basePort); err != nil {
		return lab.Config{}, &usageError{err: err}
	}
	if err := cluster.ValidateTimings(f.heartbeatMs, f.electionMs); err != nil {
		return lab.Config{}, &usageError{err: err}
	}
	c := cluster.Config{BasePort: f.basePort, HeartbeatMs: f.heartbeatMs, ElectionMs: f.electionMs, LogFile: f.logFile}
	return lab.Config{Cluster: c, Options: lab.Options{Timeout: f.timeout}}, nil
}

// list prints each exercise with whether it is done.
func list(w io.Writer, exs []lab.Exercise, store *progress.Store) {
	done := 0
	for _, e := range exs {
		mark := " "
		if store.Done(e.ID) {
			mark = "✓"
			done++
		}
		fmt.Fprintf(w, "%s %-32s %s (%d tasks, %d members)\n", mark, e.ID, e.Title(), len(e.Script.Tasks), e.Script.Members)
	}
	fmt.Fprintf(w, "%d of %d done; progress in %s\n", done, len(exs), store.Path())
}
