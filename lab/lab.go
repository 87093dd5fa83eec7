package lab

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"github.com/etcdlab/etcdlab/lab/workload"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
)

// DefaultTimeout is the deadline of every etcd call a command makes.
const DefaultTimeout = 2 * time.Second

// DefaultWaitTimeout is how long wait gives a state to arrive.
const DefaultWaitTimeout = 10 * time.Second

// Lab executes commands against a cluster. It is safe for concurrent use.
type Lab struct {
	c       Backend
	timeout time.Duration
	// speed scales sleeps: 2 makes "sleep 2s" last 1s.
	speed float64

	mu      sync.Mutex
	all     *clientv3.Client
	members map[string]*clientv3.Client
	closed  bool
	// turn rotates the member a command without --endpoint goes through.
	turn int

	notes chan Note

	// ex is the exercise being played, if any, and the ledger of kills.
	ex exercise

	work *workload.Workload

	// markMu guards mark: the cluster after the last fault command, which
	// expect term-unchanged and expect delivered count from.
	markMu sync.Mutex
	mark   mark

	bg background
	// own remembers the writes of the lab's own requests.
	own ownWrites
}

// Note is a line the lab prints on its own, outside any command's result:
// a watch event, a lease expiring, a load summary.
type Note struct {
	Time time.Time
	// Source says what printed it, e.g. "watch 1" or "load".
	Source string
	Text   string
}

// noteBuffer bounds how many notes wait for a slow reader before new ones
// are dropped rather than blocking the lab.
const noteBuffer = 4096

// Notes returns the stream of notes. It has one reader: the UI or the
// transcript.
func (l *Lab) Notes() <-chan Note { return l.notes }

// note sends a note without ever blocking.
func (l *Lab) note(source, text string) {
	select {
	case l.notes <- Note{Time: time.Now(), Source: source, Text: text}:
	default: // the reader is noteBuffer notes behind: drop this one
	}
}

// Options tune a Lab.
type Options struct {
	// Timeout is the deadline of each etcd call; zero means DefaultTimeout.
	Timeout time.Duration
	// Speed scales sleep commands; zero means 1.
	Speed float64
}

// New returns a Lab that runs commands against c.
func New(c Backend, o Options) *Lab {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Speed <= 0 {
		o.Speed = 1
	}
	l := &Lab{c: c, timeout: o.Timeout, speed: o.Speed, members: map[string]*clientv3.Client{}, notes: make(chan Note, noteBuffer)}
	l.work = workload.New(c, host{l}, workload.Options{Timeout: o.Timeout, Speed: o.Speed})
	l.setMark("")
	l.ex.watch(c)
	return l
}

// Close stops the watches and keep-alives, then closes the lab's etcd clients.
func (l *Lab) Close() {
	l.work.Close()
	l.bg.stop()
	l.ex.close()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.all != nil {
		l.all.Close()
		l.all = nil
	}
	for n, c := range l.members {
		c.Close()
		delete(l.members, n)
	}
}

// Result is what a command did.
type Result struct {
	// Lines is the output, formatted like etcdctl where etcdctl has the command.
	Lines []string
	// Values is what "expect CMD == WORD..." compares: the values (or keys
	// with --keys-only) for get, the count for del.
	Values []string
	// Err is set when the command failed; its text says what to do.
	Err error
	// Took is how long the command ran.
	Took time.Duration
	// Via names the member that served a command sent to etcd, as the lab
	// knows it (see route.go); "" for other commands. It is not part of
	// Lines, which stay etcdctl's output: the transcript and the UI print it
	// beside them.
	Via string
}

// Text joins the output lines, or returns the error.
func (r Result) Text() string {
	if r.Err != nil {
		return "error: " + r.Err.Error()
	}
	return strings.Join(r.Lines, "\n")
}

func (l *Lab) newClient(endpoints []string) (*clientv3.Client, error) {
	cfg, err := l.c.ClientConfig(endpoints, l.timeout)
	if err != nil {
		return nil, err
	}
	cfg.DialOptions = append(cfg.DialOptions, grpc.WithChainUnaryInterceptor(l.own.intercept))
	// A call can learn where gRPC sent it (route.go): --endpoint all.
	cfg.DialOptions = append(cfg.DialOptions, grpc.WithStatsHandler(sentTo{}))
	return clientv3.New(cfg)
}

// client returns the client of every member (endpoint ""), or the one of
// the member named by endpoint (a member name or its client URL). Commands
// that send one request choose theirs with route.
func (l *Lab) client(endpoint string) (*clientv3.Client, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, "", errClosing
	}
	if endpoint == "" {
		if l.all == nil {
			cli, err := l.newClient(l.clientURLs())
			if err != nil {
				return nil, "", err
			}
			l.all = cli
		}
		return l.all, "", nil
	}
	name, err := l.memberName(endpoint)
	if err != nil {
		return nil, "", err
	}
	if cli, ok := l.members[name]; ok {
		return cli, name, nil
	}
	url, _ := l.c.ClientURL(name)
	cli, err := l.newClient([]string{url})
	if err != nil {
		return nil, "", err
	}
	l.members[name] = cli
	return cli, name, nil
}

// refreshEndpoints points the shared client at the current members and
// drops clients of members that are gone.
func (l *Lab) refreshEndpoints() {
	l.mu.Lock()
	defer l.mu.Unlock()
	eps := l.c.Endpoints()
	live := map[string]bool{}
	var urls []string
	for _, e := range eps {
		live[e.Name] = true
		urls = append(urls, e.ClientURL)
	}
	if l.all != nil {
		l.all.SetEndpoints(urls...)
	}
	for n, cli := range l.members {
		if !live[n] {
			cli.Close()
			delete(l.members, n)
		}
	}
}

// memberName resolves a member name or client URL to a member name.
func (l *Lab) memberName(s string) (string, error) {
	var names []string
	for _, e := range l.c.Endpoints() {
		if e.Name == s || e.ClientURL == s || hostPort(e.ClientURL) == s {
			return e.Name, nil
		}
		names = append(names, e.Name)
	}
	return "", fmt.Errorf("no member named %q: members are %s", s, strings.Join(names, ", "))
}

// Exec runs one command. It never panics and never waits longer than the
// command's own deadline (the lab timeout for etcd calls, the duration for
// sleep, the --timeout for wait) or ctx.
func (l *Lab) Exec(ctx context.Context, c *Command) (r Result) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r = Result{Err: fmt.Errorf("internal error running %q: %v (please report it)", c.Text, p)}
		}
		r.Took = time.Since(start)
		l.ex.wroteOne(c, r)
	}()
	l.ex.drain()
	sp, ok := specs[c.Name]
	if !ok || sp.run == nil {
		return Result{Err: fmt.Errorf("unknown command %q: type help for the list of commands", c.Name)}
	}
	return sp.run(l, ctx, c)
}

// done is the result of a fault or a membership change: nothing on
// success, since the cluster's events say what happened, or the error in
// the lab's words.
func done(err error) Result {
	if err != nil {
		return Result{Err: inLab(err)}
	}
	return Result{}
}

// hostPort strips the scheme from a URL.
func hostPort(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		return rest
	}
	return u
}

func (l *Lab) clientURLs() []string {
	var urls []string
	for _, e := range l.c.Endpoints() {
		urls = append(urls, e.ClientURL)
	}
	return urls
}

// nameOfMember returns the name of the member with etcd member ID id.
func (l *Lab) nameOfMember(id uint64) string { return kit.MemberName(l.c.Status(), id) }
