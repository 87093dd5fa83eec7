package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// UsageError is bad input from the user (a flag, a scenario's syntax):
// nothing was started.
type UsageError struct{ Msg string }

// Error returns the message as the user sees it.
func (e *UsageError) Error() string { return e.Msg }

// StartError means the cluster could not start (a port in use, a data dir
// of another size). Nothing is left running.
type StartError struct{ Err error }

// Error returns why the cluster could not start.
func (e *StartError) Error() string { return e.Err.Error() }

// Unwrap returns the cluster's error, e.g. a *cluster.PortInUseError.
func (e *StartError) Unwrap() error { return e.Err }

// Config is what every mode needs to start a lab.
type Config struct {
	Cluster cluster.Config
	// Attach, if set, watches an existing cluster instead of starting one.
	Attach  *cluster.RemoteConfig
	Options Options
	// LaunchTimeout bounds how long members may take to become ready.
	LaunchTimeout time.Duration
	// Observer, if set, is told what RunFile and Serve see (observe.go).
	Observer Observer
}

// Session is a launched cluster with its interpreter.
type Session struct {
	Lab     *Lab
	Cluster Backend
	// Events streams the cluster's events from before the first member started.
	Events <-chan cluster.Event
	unsub  func()
	start  time.Time
	cfg    Config
}

// Start creates the cluster, subscribes to its events and launches it. On
// error nothing is left running.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	start := time.Now()
	if cfg.Attach != nil {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		r, err := cluster.Attach(actx, *cfg.Attach)
		if err != nil {
			return nil, &StartError{err}
		}
		events, unsub := r.Subscribe()
		return &Session{Lab: New(r, cfg.Options), Cluster: r, Events: events, unsub: unsub, start: start, cfg: cfg}, nil
	}
	c, err := cluster.New(cfg.Cluster)
	if err != nil {
		return nil, &StartError{err}
	}
	events, unsub := c.Subscribe()
	if cfg.LaunchTimeout <= 0 {
		cfg.LaunchTimeout = 60 * time.Second
	}
	lctx, cancel := context.WithTimeout(ctx, cfg.LaunchTimeout)
	defer cancel()
	if err := c.Launch(lctx); err != nil {
		unsub()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &StartError{err}
	}
	return &Session{Lab: New(c, cfg.Options), Cluster: c, Events: events, unsub: unsub, start: start, cfg: cfg}, nil
}

// Started returns when Start began.
func (s *Session) Started() time.Time { return s.start }

// Close closes the clients and terminates the cluster.
func (s *Session) Close() {
	s.Lab.Close()
	s.Cluster.Terminate()
	s.unsub()
}

// LoadScript reads and parses a scenario file. Every syntax error is in the
// returned error, one per line, each with its line number.
func LoadScript(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &UsageError{fmt.Sprintf("cannot read scenario: %v", err)}
	}
	s, errs := ParseScript(string(b))
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = path + ":" + strings.TrimPrefix(e.Error(), "line ")
		}
		return nil, &UsageError{strings.Join(msgs, "\n")}
	}
	return s, nil
}

// Ports returns the range of ports the members use, e.g. "2379-2384".
func (c Config) Ports() string {
	base := c.Cluster.BasePort
	if base == 0 {
		base = cluster.DefaultBasePort
	}
	return fmt.Sprintf("%d-%d", base, cluster.PeerPort(base, max(c.Cluster.Members, 1)))
}

// Starting returns the line every mode shows before the members start.
func (c Config) Starting() string {
	return fmt.Sprintf("starting %d members on ports %s", c.Cluster.Members, c.Ports())
}

// launch prints the starting line and starts the session, then prints its
// events and notes to a transcript until the returned stop is called. With
// serving set, the transcript prints the ETCDCTL_ENDPOINTS line again after
// any event that changed the members.
func launch(ctx context.Context, cfg Config, w io.Writer, serving bool) (*Session, *Transcript, func(), error) {
	fmt.Fprintf(w, "%8s  %s\n", "", cfg.Starting())
	sess, err := Start(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	t := NewTranscript(w, sess.Started())
	if serving {
		t.afterEvent = endpointsChanged(sess.Cluster)
	}
	if t.obs = cfg.Observer; t.obs != nil {
		t.obs.Began(sess)
	}
	t.drain(sess.Events, sess.Lab.Notes())
	fctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { t.follow(fctx, sess.Events, sess.Lab.Notes()); close(done) }()
	return sess, t, func() { cancel(); <-done }, nil
}

// RunFile plays a parsed scenario on a fresh cluster, printing a transcript
// to w. A failed expectation returns a *FailError.
func RunFile(ctx context.Context, cfg Config, s *Script, w io.Writer) error {
	sess, t, stop, err := launch(ctx, cfg, w, false)
	if err != nil {
		return err
	}
	defer sess.Close()
	err = RunScript(ctx, sess.Lab, s, t)
	stop()
	// What was raised and is still waiting goes in before the verdict;
	// nothing raised later is waited for.
	t.drain(sess.Events, sess.Lab.Notes())
	t.end()
	if err != nil {
		return err
	}
	if len(s.Tasks) > 0 {
		t.Printf("PASS: %d commands, %d tasks done by their solutions", len(s.Commands), len(s.Tasks))
		return nil
	}
	t.Printf("PASS: %d commands", len(s.Commands))
	return nil
}

// Serve launches the cluster, prints how to reach it, then executes lines
// from in until ctx ends. The end of in does not stop it.
func Serve(ctx context.Context, cfg Config, in io.Reader, w io.Writer) error {
	sess, t, stop, err := launch(ctx, cfg, w, true)
	if err != nil {
		return err
	}
	defer sess.Close()
	defer func() { stop(); t.end() }()

	for _, l := range append(sess.Warnings(), ConnectionInfo(sess.Cluster)...) {
		t.Printf("%s", l)
	}
	t.Printf("type commands (help lists them); Ctrl-C stops the lab")

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		close(lines)
	}()
	for {
		select {
		case <-ctx.Done():
			t.Printf("stopping the members")
			return nil
		case line, ok := <-lines:
			if !ok {
				lines = nil // keep serving after the end of input
				continue
			}
			c, err := Parse(line)
			if errors.Is(err, ErrEmpty) {
				continue
			}
			t.Line(line)
			if err != nil {
				t.Printf("%s  error: %v", t.stamp(time.Now()), err)
				continue
			}
			t.Command(c)
			t.Result(c, sess.Lab.Exec(ctx, c))
		}
	}
}

// endpointsChanged returns a func that, after an event, returns the
// ETCDCTL_ENDPOINTS line when the members' client URLs differ from the
// last it saw (a member added or removed), and nothing otherwise.
func endpointsChanged(c Backend) func(cluster.Event) []string {
	last := Connect(c).Endpoints()
	return func(cluster.Event) []string {
		now := Connect(c).Endpoints()
		if now == last {
			return nil
		}
		last = now
		return []string{now}
	}
}

// Warnings returns what a person must know before trusting the lab's
// ports: a listen address other than loopback.
func (s *Session) Warnings() []string {
	c := s.cfg.Cluster
	if s.cfg.Attach != nil || c.Host == "" || c.Host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(c.Host); ip != nil && ip.IsLoopback() {
		return nil
	}
	w := fmt.Sprintf("warning: listening on %s: anyone who can reach that address can read and write the cluster", c.Host)
	if !c.TLS || !c.Auth {
		w += " (consider --tls --auth)"
	}
	return []string{w}
}
