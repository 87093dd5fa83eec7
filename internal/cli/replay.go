package cli

import (
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/trace"
	"github.com/etcdlab/etcdlab/ui"
	"github.com/spf13/cobra"
)

func init() { addCommand(newReplayCmd) }

// newReplayCmd returns `etcdlab replay FILE`: the dashboard over a trace,
// with no etcd started.
func newReplayCmd() *cobra.Command {
	var (
		speed float64
		at    string
	)
	c := &cobra.Command{
		Use:   "replay FILE",
		Short: "Open the dashboard over a trace written with --trace; no etcd runs",
		Long: `replay opens the dashboard over a trace that etcdlab, etcdlab run or etcdlab
serve wrote with --trace FILE, and plays it: the same panes drawn from what the
lab saw, at any terminal size, without starting etcd or opening a port. Keys:
space plays or pauses, left and right step by event, shift+left and shift+right
jump 5 seconds, [ and ] halve and double the speed, g and G go to the first and
last moment, / finds the next event holding a text, q quits.

Exit status: 0 after q, 2 a file that is not a trace etcdlab reads or an --at it
does not reach, 130 interrupted.`,
		Example: `  etcdlab --trace talk.trace                 # record a session
  etcdlab replay talk.trace --speed 2
  etcdlab run scenario.lab --trace ci.trace  # in CI, then on a failure:
  etcdlab replay ci.trace --at fail`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("replay needs exactly one trace FILE, e.g. etcdlab replay talk.trace")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if speed <= 0 {
				return usagef("--speed %v must be positive, e.g. --speed 2", speed)
			}
			m, err := parseMoment(at)
			if err != nil {
				return err
			}
			tr, err := trace.ReadFile(args[0])
			if err != nil {
				return &usageError{err: err}
			}
			return ui.Replay(cmd.Context(), ui.ReplayOptions{Trace: tr, Speed: speed, At: m})
		},
	}
	c.SetFlagErrorFunc(flagError)
	fs := c.Flags()
	fs.Float64Var(&speed, "speed", 1, "play the trace at `FACTOR` times its own pace: 2 plays twice as fast")
	fs.StringVar(&at, "at", "", "open paused at `T` seconds after the start (12.4 or 12.4s), or at fail: the first failed expectation")
	markFiles(c)
	return c
}

// parseMoment reads --at: fail, a number of seconds, or a duration.
func parseMoment(at string) (*ui.Moment, error) {
	switch at = strings.TrimSpace(at); {
	case at == "":
		return nil, nil
	case at == "fail":
		return &ui.Moment{Fail: true}, nil
	}
	if s, err := strconv.ParseFloat(at, 64); err == nil && s >= 0 {
		return &ui.Moment{Offset: time.Duration(s * float64(time.Second))}, nil
	}
	if d, err := time.ParseDuration(at); err == nil && d >= 0 {
		return &ui.Moment{Offset: d}, nil
	}
	return nil, usagef("--at %q is neither a time nor fail: use e.g. --at 12.4s, --at 12.4 or --at fail", at)
}
