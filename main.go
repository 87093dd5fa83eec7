// Command etcdlab runs real etcd members in one process so that people can
// break them and watch Raft respond: a terminal UI, scenario replay and a
// headless server for external clients.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/etcdlab/etcdlab/internal/bench"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/ui"
)

// Exit statuses, documented in README.md.
const (
	exitOK          = 0
	exitFailed      = 1 // a scenario expectation failed
	exitUsage       = 2 // bad flags or scenario syntax; nothing started
	exitStart       = 3 // the cluster could not start
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run parses args, runs the chosen mode and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "bench" {
		return runBench(ctx, args[1:], stdout, stderr)
	}
	mode := "tui"
	if len(args) > 0 && (args[0] == "run" || args[0] == "serve" || args[0] == "tui" || args[0] == "attach") {
		mode, args = args[0], args[1:]
	}
	var opts *options
	var err error
	if mode == "attach" {
		opts, err = parseAttachFlags(args, stderr)
	} else {
		opts, err = parseFlags(mode, args, stderr)
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "etcdlab: %s\n", userMessage(err))
		return exitUsage
	}
	switch mode {
	case "run":
		err = lab.RunFile(ctx, opts.config, opts.script, stdout)
	case "serve":
		err = lab.Serve(ctx, opts.config, stdin, stdout)
	default:
		err = ui.Run(ctx, ui.Options{Config: opts.config, Script: opts.script, ScriptPath: opts.scriptPath, Step: opts.step, Record: opts.record})
	}
	return exitCode(ctx, err, stderr)
}

// runBench measures the lab against etcd processes (a developer tool; see
// BENCHMARKS.md).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseBenchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "etcdlab: %v\n", err)
		return exitUsage
	}
	return exitCode(ctx, bench.Run(ctx, o, stdout, stderr), stderr)
}

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var fe *lab.FailError
	var ue *lab.UsageError
	var se *lab.StartError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &fe):
		fmt.Fprintln(stderr, fe.Error())
		if ctx.Err() != nil {
			return exitInterrupted
		}
		return exitFailed
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "etcdlab: %v\n", ue)
		return exitUsage
	case errors.As(err, &se):
		fmt.Fprintf(stderr, "etcdlab: %s\n", userMessage(se))
		return exitStart
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "etcdlab: interrupted; members stopped")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "etcdlab: %s\n", userMessage(err))
	return exitFailed
}
