package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/trace"
	"google.golang.org/grpc/grpclog"
)

// Options is what the UI runs.
type Options struct {
	// Config is the cluster and interpreter to start.
	Config lab.Config
	// Script, if set, is played inside the UI; ScriptPath names it.
	Script     *lab.Script
	ScriptPath string
	// Step is presenter mode: each scenario line waits for space or enter.
	Step bool
	// Record, if set, is a file that receives every command typed or keyed
	// as a replayable scenario.
	Record string
	// Learn is set by etcdlab learn while it plays one of its exercises.
	Learn *LearnStep
	// Trace, if set, takes in everything the dashboard sees (--trace);
	// the dashboard keeps the last keepTape of it to rewind over either way.
	Trace *trace.Writer
}

// Run starts the cluster and shows the UI until the user quits or ctx
// ends. The members are terminated on every way out, a panic included. A
// cluster that cannot start returns a *lab.StartError.
func Run(ctx context.Context, o Options) error {
	_, err := runDashboard(ctx, o)
	return err
}

// runDashboard runs the dashboard for o and returns where the user left it for.
func runDashboard(ctx context.Context, o Options) (leave, error) {
	// clientv3 has a no-op logger; grpc logs on its own, and any line on
	// stderr would tear the screen.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))
	var recW io.Writer
	if o.Record != "" {
		f, err := os.Create(o.Record)
		if err != nil {
			return leaveQuit, &lab.UsageError{Msg: fmt.Sprintf("cannot write --record file: %v", err)}
		}
		defer f.Close()
		recW = f
	}
	eng := newEngine(ctx, o.Config, recW)
	defer eng.close()
	w := o.Trace
	if w == nil {
		var err error
		if w, err = trace.NewWriter(nil, trace.Header{Mode: "dashboard", Members: o.Config.Cluster.Members}); err != nil {
			return leaveQuit, err
		}
	}
	m := newModel(o, eng)
	m.tape = newTape(w, w.Header().Start, newModel(o, nil), keepTape)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx))
	final, err := p.Run()
	eng.close()
	fm, _ := final.(model)
	if fm.err != nil {
		return leaveQuit, fm.err
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return leaveQuit, ctx.Err()
	}
	return fm.leave, err
}
