package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/trace"
	"github.com/spf13/pflag"
	"go.etcd.io/etcd/api/v3/version"
)

// addTrace defines --trace, which the dashboard, run and serve take.
func addTrace(fs *pflag.FlagSet, path *string) {
	fs.StringVar(path, "trace", "", "write everything the lab sees to `FILE` as it happens, for etcdlab replay")
}

// traceFile is a trace being written to its file.
type traceFile struct {
	f *os.File
	w *trace.Writer
}

// openTrace creates the trace at path and writes its header: the mode,
// the flags given, the cluster asked for and the scenario at scriptPath,
// if any. It returns nil for an empty path.
func openTrace(path, mode string, fs *pflag.FlagSet, cfg lab.Config, scriptPath string) (*traceFile, error) {
	if path == "" {
		return nil, nil
	}
	h := traceHeader(mode, fs, cfg)
	if scriptPath != "" {
		b, err := os.ReadFile(scriptPath)
		if err != nil {
			return nil, usagef("cannot read scenario for --trace: %v", err)
		}
		h.Script = &trace.Script{Name: scriptPath, Text: string(b)}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("cannot write --trace file: %v", err)
	}
	w, err := trace.NewWriter(f, h)
	if err != nil {
		f.Close()
		return nil, usagef("--trace %s: %v", path, err)
	}
	return &traceFile{f: f, w: w}, nil
}

// traceHeader returns a header for a trace of mode.
func traceHeader(mode string, fs *pflag.FlagSet, cfg lab.Config) trace.Header {
	h := trace.Header{Etcdlab: etcdlabVersion(), Etcd: version.Version, Mode: mode,
		Members: cfg.Cluster.Members, BasePort: cfg.Cluster.BasePort}
	if a := cfg.Attach; a != nil {
		h.Attach, h.Members, h.BasePort = a.Endpoints, 0, 0
	}
	h.Step, _ = fs.GetBool("step")
	fs.Visit(func(f *pflag.Flag) {
		if f.Name != "trace" {
			h.Flags = append(h.Flags, "--"+f.Name+"="+f.Value.String())
		}
	})
	return h
}

// etcdlabVersion returns etcdlab's module version, or the revision it was
// built from.
func etcdlabVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	if rev := revision(bi.Settings); rev != "" {
		return strings.Fields(rev)[0]
	}
	return "(devel)"
}

// Close writes what the trace holds and closes the file; it returns the
// first error writing it.
func (t *traceFile) Close() error {
	if t == nil {
		return nil
	}
	err := t.w.Close()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--trace %s: %v", t.f.Name(), err)
	}
	return nil
}

// follow makes the trace the observer of a headless mode's transcript.
func (t *traceFile) follow(cfg *lab.Config) *trace.Follower {
	if t == nil {
		return nil
	}
	f := trace.Follow(t.w)
	cfg.Observer = f
	return f
}

// finish closes the trace once its mode returned err; the mode's error
// comes first, then any error of the trace.
func (t *traceFile) finish(f *trace.Follower, err error) error {
	if t == nil {
		return err
	}
	terr := t.Close()
	if f != nil && terr == nil {
		terr = f.Err()
	}
	if err != nil {
		return err
	}
	return terr
}
