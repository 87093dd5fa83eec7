// Package cli is etcdlab's command line: the dashboard (the root command)
// and its subcommands, their flags, and the exit statuses README documents.
// It is built on spf13/cobra and pflag, as etcdctl and etcdutl are.
//
// Run builds a fresh command tree for every call, so that nothing of one
// run's flags survives into the next. Where things live:
//
//   - cli.go: Run, the exit statuses, and the one line a user reads for an
//     error (usermsg.go words cluster's errors in terms of flags);
//   - flags.go: the flags several commands share, each defined once, and
//     the one-line messages for bad flags; config.go: the one place where
//     flags, a data dir's etcdlab.json and a scenario's `members N` become
//     a configuration;
//   - one file per command: root.go (the dashboard), run.go, serve.go,
//     attach.go, bench.go, export.go, replay.go, version.go,
//     completion.go, help.go; trace.go is --trace, which the dashboard,
//     run and serve take.
//
// A new subcommand is one file: a constructor returning its
// *cobra.Command, registered in that file's init with addCommand.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/etcdlab/etcdlab/lab"
	"github.com/spf13/cobra"
)

// Exit statuses, documented in README.md.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a scenario expectation failed
	ExitUsage       = 2 // bad flags or scenario syntax; nothing started
	ExitStart       = 3 // the cluster could not start
	ExitInterrupted = 130
)

// subcommands builds etcdlab's subcommands; each command's file adds its
// constructor in init. It is written only before main runs.
var subcommands []func() *cobra.Command

// addCommand registers a subcommand's constructor. Call it from init.
func addCommand(build func() *cobra.Command) { subcommands = append(subcommands, build) }

// Run parses args, runs the command they name and returns the exit status.
// Everything the command prints goes to stdout and stderr; serve reads
// stdin.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	for _, build := range subcommands {
		root.AddCommand(build())
	}
	root.SetHelpCommand(newHelp())
	if args == nil {
		args = []string{} // cobra reads os.Args for a nil slice
	}
	root.SetArgs(twoDashes(args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exitCode(ctx, root.ExecuteContext(ctx), stderr)
}

// usageError is bad input on the command line: one line on stderr, exit
// status 2, nothing started.
type usageError struct {
	err error
	// help names the help that shows the right usage, e.g. "etcdlab serve
	// --help"; empty when the message already says how to fix it.
	help string
}

// Error returns the line the user reads.
func (e *usageError) Error() string {
	msg := userMessage(e.err)
	if e.help != "" {
		msg += " (see " + e.help + ")"
	}
	return msg
}

// Unwrap returns the error behind the message.
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError whose message says how to fix it.
func usagef(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// noArgs refuses positional arguments to a command that takes only flags.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usagef("unexpected argument %q: %s takes only flags; see %s --help", strings.Join(args, " "), c.CommandPath(), c.CommandPath())
}

// exitCode prints err, if any, as the user should read it and returns the
// exit status it stands for.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var (
		usage *usageError
		fail  *lab.FailError
		bad   *lab.UsageError
		start *lab.StartError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "etcdlab: %v\n", usage)
		return ExitUsage
	case errors.As(err, &fail):
		fmt.Fprintln(stderr, fail.Error())
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		return ExitFailed
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "etcdlab: %v\n", bad)
		return ExitUsage
	case errors.As(err, &start):
		fmt.Fprintf(stderr, "etcdlab: %s\n", userMessage(start))
		return ExitStart
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "etcdlab: interrupted; members stopped")
		return ExitInterrupted
	}
	fmt.Fprintf(stderr, "etcdlab: %s\n", userMessage(err))
	return ExitFailed
}

// commandNames returns the names of root's visible subcommands, sorted.
func commandNames(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
		}
	}
	sort.Strings(names)
	return names
}
