package lab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/etcdlab/etcdlab/cluster"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

	notes        chan Note
	droppedNotes atomic.Int64

	load loadState

	bg background
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
// are dropped (and counted) rather than blocking the lab.
const noteBuffer = 4096

// Notes returns the stream of notes. It has one reader: the UI or the
// transcript.
func (l *Lab) Notes() <-chan Note { return l.notes }

// note sends a note without ever blocking.
func (l *Lab) note(source, text string) {
	select {
	case l.notes <- Note{Time: time.Now(), Source: source, Text: text}:
	default:
		l.droppedNotes.Add(1)
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
	return &Lab{c: c, timeout: o.Timeout, speed: o.Speed, members: map[string]*clientv3.Client{}, notes: make(chan Note, noteBuffer)}
}

// Cluster returns the cluster the lab drives.
func (l *Lab) Cluster() Backend { return l.c }

// Timeout returns the deadline of each etcd call.
func (l *Lab) Timeout() time.Duration { return l.timeout }

// Close stops the watches and keep-alives, then closes the lab's etcd clients.
func (l *Lab) Close() {
	l.stopLoad()
	l.bg.stop()
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
	return clientv3.New(cfg)
}

// client returns a client for every member, or for the one named by
// --endpoint (a member name or its client URL).
func (l *Lab) client(endpoint string) (*clientv3.Client, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, "", errors.New("the lab is shutting down")
	}
	if endpoint == "" {
		if l.all == nil {
			var urls []string
			for _, e := range l.c.Endpoints() {
				urls = append(urls, e.ClientURL)
			}
			cli, err := l.newClient(urls)
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
	}()
	sp, ok := specs[c.Name]
	if !ok || sp.run == nil {
		return Result{Err: fmt.Errorf("unknown command %q: type help for the list of commands", c.Name)}
	}
	return sp.run(l, ctx, c)
}

func (l *Lab) kill(_ context.Context, c *Command) Result { return lines(l.c.Kill(c.Args[0])) }
func (l *Lab) stop(_ context.Context, c *Command) Result { return lines(l.c.Stop(c.Args[0])) }

func (l *Lab) restart(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 5*l.timeout)
	defer cancel()
	return lines(l.c.Restart(ctx, c.Args[0]))
}

func (l *Lab) isolate(_ context.Context, c *Command) Result { return lines(l.c.Isolate(c.Args[0])) }

func (l *Lab) partition(_ context.Context, c *Command) Result {
	groups := make([][]string, len(c.Args))
	for i, g := range c.Args {
		groups[i] = strings.Split(g, ",")
	}
	return lines(l.c.Partition(groups))
}

func (l *Lab) heal(_ context.Context, c *Command) Result {
	name := ""
	if len(c.Args) == 1 {
		name = c.Args[0]
	}
	return lines(l.c.Heal(name))
}

func (l *Lab) moveLeader(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	return lines(l.c.MoveLeader(ctx, c.Args[0]))
}

func (l *Lab) status(context.Context, *Command) Result {
	return Result{Lines: StatusTable(l.c.Status())}
}

func (l *Lab) memberAdd(ctx context.Context, c *Command) Result {
	name := ""
	if len(c.Args) == 1 {
		name = c.Args[0]
	} else {
		n, err := l.c.FreeName()
		if err != nil {
			return Result{Err: err}
		}
		name = n
	}
	ctx, cancel := context.WithTimeout(ctx, 5*l.timeout)
	defer cancel()
	r := lines(l.c.AddMember(ctx, name, c.Bool("learner")))
	l.refreshEndpoints()
	return r
}

func (l *Lab) memberPromote(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	return lines(l.c.PromoteMember(ctx, c.Args[0]))
}

func (l *Lab) memberRemove(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	r := lines(l.c.RemoveMember(ctx, c.Args[0]))
	l.refreshEndpoints()
	return r
}

func (l *Lab) sleep(ctx context.Context, c *Command) Result {
	d, _ := time.ParseDuration(c.Args[0])
	t := time.NewTimer(time.Duration(float64(d) / l.speed))
	defer t.Stop()
	select {
	case <-t.C:
		return Result{}
	case <-ctx.Done():
		return Result{Err: errors.New("sleep interrupted")}
	}
}

func (l *Lab) say(_ context.Context, c *Command) Result { return Result{Lines: []string{c.Args[0]}} }

func (l *Lab) membersOutsideScript(context.Context, *Command) Result {
	return Result{Err: errors.New("members N only works as the first line of a scenario file; start the lab with --members N instead")}
}

func (l *Lab) help(_ context.Context, c *Command) Result {
	return Result{Lines: Help(strings.Join(c.Args, " "))}
}

func lines(text string, err error) Result {
	if err != nil {
		return Result{Err: inLab(err)}
	}
	return Result{Lines: []string{text}}
}

// hostPort strips the scheme from a URL.
func hostPort(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		return rest
	}
	return u
}

// Help returns the command list, or one command's usage.
func Help(name string) []string {
	if name != "" {
		u, s, _ := Usage(name)
		return []string{u, "  " + s}
	}
	out := []string{"commands (etcdctl syntax where etcdctl has the command):"}
	for _, n := range CommandNames() {
		u, s, _ := Usage(n)
		out = append(out, fmt.Sprintf("  %-44s %s", u, s))
	}
	return out
}

// explain turns a client error into one line that says what happened.
func (l *Lab) explain(err error, endpoint string) error {
	if err == nil {
		return nil
	}
	st := l.c.Status()
	var why string
	if endpoint != "" {
		if m, ok := st.Member(endpoint); ok {
			switch {
			case !m.State.Running():
				why = fmt.Sprintf("%s is %s: its client port does not answer (restart %s)", endpoint, m.State, endpoint)
			case st.CutOff(endpoint):
				why = fmt.Sprintf("%s is cut off from the majority: it cannot reach a quorum (heal, or read its local copy with --consistency=s)", endpoint)
			}
		}
	}
	if why == "" && endpoint == "" {
		var cut []string
		for _, m := range st.Members {
			if m.State.Running() && st.CutOff(m.Name) {
				cut = append(cut, m.Name)
			}
		}
		if len(cut) > 0 && st.HasQuorum {
			why = fmt.Sprintf("the client may have sent it through %s, cut off from the majority; choose a member with --endpoint", strings.Join(cut, ", "))
		}
	}
	if why == "" {
		switch {
		case !st.HasQuorum:
			why = fmt.Sprintf("the cluster has no quorum (%d of %d voters reachable, %d needed)", st.Reachable, st.Voters, st.Quorum)
		case st.Leader == "":
			why = "the cluster has no leader right now (an election is under way)"
		}
	}
	timedOut := errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded ||
		errors.Is(err, rpctypes.ErrTimeout) || errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail)
	switch {
	case timedOut && why != "":
		return fmt.Errorf("no answer within %s: %s", l.timeout, why)
	case timedOut:
		return fmt.Errorf("no answer within %s", l.timeout)
	case errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge):
		return errors.New("the request is larger than etcd's limit (1.5 MiB by default, etcd's --max-request-bytes): store large data elsewhere and keep a reference in etcd")
	case status.Code(err) == codes.ResourceExhausted:
		return fmt.Errorf("etcd refused the request as too large: %s", cleanErr(err))
	case errors.Is(err, rpctypes.ErrEmptyKey):
		return errors.New("the key is empty: etcd needs a key of at least one byte")
	case errors.Is(err, rpctypes.ErrCompacted):
		return errors.New("that revision has been compacted: etcd no longer keeps history that old; read a later --rev")
	case why != "":
		return fmt.Errorf("%s: %s", cleanErr(err), why)
	}
	return errors.New(cleanErr(err))
}

func cleanErr(err error) string {
	if s, ok := status.FromError(err); ok && s.Message() != "" {
		return s.Message()
	}
	return err.Error()
}

func (l *Lab) put(ctx context.Context, c *Command) Result {
	ep, _ := c.Flag("endpoint")
	cli, name, err := l.client(ep)
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if _, err := cli.Put(ctx, c.Args[0], c.Args[1], putOpts(c)...); err != nil {
		return Result{Err: l.explain(err, name)}
	}
	return Result{Lines: []string{"OK"}}
}

func rangeOpts(c *Command) []clientv3.OpOption {
	var opts []clientv3.OpOption
	switch {
	case c.Bool("prefix"):
		opts = append(opts, clientv3.WithPrefix())
	case c.Bool("from-key"):
		opts = append(opts, clientv3.WithFromKey())
	case len(c.Args) == 2:
		opts = append(opts, clientv3.WithRange(c.Args[1]))
	}
	return opts
}

func (l *Lab) get(ctx context.Context, c *Command) Result {
	ep, _ := c.Flag("endpoint")
	cli, name, err := l.client(ep)
	if err != nil {
		return Result{Err: err}
	}
	opts := rangeOpts(c)
	if c.Bool("keys-only") {
		opts = append(opts, clientv3.WithKeysOnly())
	}
	if v, _ := c.Flag("consistency"); v == "s" {
		opts = append(opts, clientv3.WithSerializable())
	}
	if v, ok := c.Flag("rev"); ok {
		rev, _ := strconv.ParseInt(v, 10, 64)
		opts = append(opts, clientv3.WithRev(rev))
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := cli.Get(ctx, c.Args[0], opts...)
	if err != nil {
		return Result{Err: l.explain(err, name)}
	}
	r := Result{}
	for _, kv := range resp.Kvs {
		r.Lines = append(r.Lines, Printable(kv.Key))
		if c.Bool("keys-only") {
			r.Values = append(r.Values, string(kv.Key))
			continue
		}
		r.Lines = append(r.Lines, Printable(kv.Value))
		r.Values = append(r.Values, string(kv.Value))
	}
	return r
}

// maxShown is how much of a key or value a result line shows.
const maxShown = 512

// Printable returns b as a line that cannot disturb a terminal: bytes that
// are not printable UTF-8 (control characters, escape sequences, binary)
// are shown Go-quoted, and a long value is cut with its full size noted.
// expect compares the raw values, not these lines.
func Printable(b []byte) string {
	s := string(b)
	cut := ""
	if len(b) > maxShown {
		s, cut = string(b[:maxShown]), fmt.Sprintf("… (%s in all)", Bytes(int64(len(b))))
		for !utf8.ValidString(s) && len(s) > maxShown-4 {
			s = s[:len(s)-1]
		}
	}
	clean := utf8.ValidString(s)
	for _, r := range s {
		if r != '\t' && (unicode.IsControl(r) || r == utf8.RuneError) {
			clean = false
			break
		}
	}
	if !clean {
		q := strconv.Quote(s)
		s = q[1 : len(q)-1]
	}
	return s + cut
}

func (l *Lab) del(ctx context.Context, c *Command) Result {
	ep, _ := c.Flag("endpoint")
	cli, name, err := l.client(ep)
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := cli.Delete(ctx, c.Args[0], rangeOpts(c)...)
	if err != nil {
		return Result{Err: l.explain(err, name)}
	}
	n := strconv.FormatInt(resp.Deleted, 10)
	return Result{Lines: []string{n}, Values: []string{n}}
}

func (l *Lab) memberList(ctx context.Context, _ *Command) Result {
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := cli.MemberList(ctx)
	if err != nil {
		return Result{Err: l.explain(err, "")}
	}
	var r Result
	for _, m := range resp.Members {
		state := "started"
		if m.Name == "" {
			state = "unstarted"
		}
		r.Lines = append(r.Lines, fmt.Sprintf("%x, %s, %s, %s, %s, %t", m.ID, state, m.Name,
			strings.Join(m.PeerURLs, ","), strings.Join(m.ClientURLs, ","), m.IsLearner))
		r.Values = append(r.Values, m.Name)
	}
	return r
}

func (l *Lab) endpointStatus(ctx context.Context, _ *Command) Result {
	eps := l.c.Endpoints()
	out := make([]string, len(eps))
	errs := make([]error, len(eps))
	var wg sync.WaitGroup
	for i, e := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cli, name, err := l.client(e.Name)
			if err != nil {
				errs[i] = err
				return
			}
			cctx, cancel := context.WithTimeout(ctx, l.timeout)
			defer cancel()
			s, err := cli.Status(cctx, e.ClientURL)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %v", e.ClientURL, l.explain(err, name))
				return
			}
			out[i] = fmt.Sprintf("%s, %x, %s, %s, %t, %t, %d, %d, %d, %s", e.ClientURL, s.Header.MemberId, s.Version,
				Bytes(s.DbSize), s.Leader == s.Header.MemberId, s.IsLearner, s.RaftTerm, s.RaftIndex, s.RaftAppliedIndex,
				strings.Join(s.Errors, "; "))
		}()
	}
	wg.Wait()
	var r Result
	var failed []string
	for i := range eps {
		if errs[i] != nil {
			r.Lines = append(r.Lines, "error: "+errs[i].Error())
			failed = append(failed, eps[i].Name)
			continue
		}
		r.Lines = append(r.Lines, out[i])
	}
	if len(failed) > 0 {
		r.Err = fmt.Errorf("%d of %d endpoints did not answer (%s):\n%s", len(failed), len(eps), strings.Join(failed, ", "), strings.Join(r.Lines, "\n"))
	}
	return r
}

// Bytes formats a byte count like etcdctl does (SI units).
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v < 10 {
		return fmt.Sprintf("%.1f %cB", v, "kMGTPE"[exp])
	}
	return fmt.Sprintf("%.0f %cB", v, "kMGTPE"[exp])
}

func (l *Lab) wait(ctx context.Context, c *Command) Result {
	timeout := DefaultWaitTimeout
	if v, ok := c.Flag("timeout"); ok {
		timeout, _ = time.ParseDuration(v)
	}
	want := strings.Join(c.Args, " ")
	if c.Args[0] == "role" {
		if _, err := l.memberName(c.Args[1]); err != nil {
			return Result{Err: err}
		}
	}
	start := time.Now()
	fromTerm := l.c.Status().Term
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		st := l.c.Status()
		if ok, text := waitHolds(st, c.Args, fromTerm); ok {
			return Result{Lines: []string{fmt.Sprintf("%s after %s", text, roundDur(time.Since(start)))}}
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return Result{Err: fmt.Errorf("wait %s: not reached within %s (%s)", want, timeout, Health(l.c.Status()))}
		case <-ctx.Done():
			return Result{Err: fmt.Errorf("wait %s interrupted", want)}
		}
	}
}

func waitHolds(st cluster.Status, args []string, fromTerm uint64) (bool, string) {
	switch args[0] {
	case "role":
		m, _ := st.Member(args[1])
		role := m.Role.String()
		if !m.State.Running() {
			role = "down"
		}
		return contains(strings.Split(args[2], "|"), role), fmt.Sprintf("%s is %s", args[1], role)
	case "leader":
		return st.Leader != "", fmt.Sprintf("leader %s in term %d", st.Leader, st.Term)
	case "new-leader":
		return st.Leader != "" && st.Term > fromTerm, fmt.Sprintf("new leader %s in term %d (was term %d)", st.Leader, st.Term, fromTerm)
	case "quorum":
		return st.HasQuorum && st.Leader != "", fmt.Sprintf("quorum: %d of %d voters reachable, leader %s", st.Reachable, st.Voters, st.Leader)
	case "no-quorum":
		return !st.HasQuorum, fmt.Sprintf("no quorum: %d of %d voters reachable, %d needed", st.Reachable, st.Voters, st.Quorum)
	}
	return false, ""
}

func (l *Lab) expect(ctx context.Context, c *Command) Result {
	e := c.Expect
	st := l.c.Status()
	switch e.Kind {
	case "leader":
		if e.Member != "" {
			if _, err := l.memberName(e.Member); err != nil {
				return Result{Err: err}
			}
		}
		switch {
		case st.Leader == "":
			return Result{Err: errors.New("expected a leader, but the cluster has none")}
		case e.Member != "" && st.Leader != e.Member:
			return Result{Err: fmt.Errorf("expected leader %s, but the leader is %s", e.Member, st.Leader)}
		}
		return Result{Lines: []string{fmt.Sprintf("passed: leader is %s (term %d)", st.Leader, st.Term)}}
	case "role":
		m, ok := st.Member(e.Member)
		if !ok {
			_, err := l.memberName(e.Member)
			return Result{Err: err}
		}
		role := m.Role.String()
		if !m.State.Running() {
			role = "down"
		}
		if !contains(e.Want, role) {
			return Result{Err: fmt.Errorf("expected %s to be %s, but it is %s (%s)", e.Member, strings.Join(e.Want, " or "), role, m.State)}
		}
		return Result{Lines: []string{fmt.Sprintf("passed: %s is %s", e.Member, role)}}
	case "quorum":
		if !st.HasQuorum {
			return Result{Err: fmt.Errorf("expected quorum, but %d of %d voters are reachable and %d are needed", st.Reachable, st.Voters, st.Quorum)}
		}
		return Result{Lines: []string{"passed: " + Health(st)}}
	case "no-quorum":
		if st.HasQuorum {
			return Result{Err: fmt.Errorf("expected no quorum, but %d of %d voters are reachable and %d are needed", st.Reachable, st.Voters, st.Quorum)}
		}
		return Result{Lines: []string{"passed: " + Health(st)}}
	case "ok":
		r := l.Exec(ctx, e.Cmd)
		if r.Err != nil {
			return Result{Err: fmt.Errorf("expected %q to succeed, but: %v", e.Cmd.Text, r.Err)}
		}
		return Result{Lines: append([]string{"passed: " + e.Cmd.Text + " succeeded"}, r.Lines...)}
	case "fail":
		r := l.Exec(ctx, e.Cmd)
		if r.Err == nil {
			return Result{Err: fmt.Errorf("expected %q to fail, but it succeeded: %s", e.Cmd.Text, oneLine(r.Lines))}
		}
		return Result{Lines: []string{"passed: " + e.Cmd.Text + " failed as expected: " + r.Err.Error()}}
	case "equals":
		r := l.Exec(ctx, e.Cmd)
		if r.Err != nil {
			return Result{Err: fmt.Errorf("expected %q to return %s, but: %v", e.Cmd.Text, words(e.Want), r.Err)}
		}
		got := r.Values
		if got == nil && e.Cmd.Name != "get" && e.Cmd.Name != "del" {
			got = strings.Fields(strings.Join(r.Lines, " "))
		}
		if !equal(got, e.Want) {
			return Result{Err: fmt.Errorf("expected %q to return %s, got %s", e.Cmd.Text, words(e.Want), words(got))}
		}
		return Result{Lines: []string{fmt.Sprintf("passed: %s == %s", e.Cmd.Text, words(got))}}
	}
	if x, ok := moreExpects[e.Kind]; ok {
		return x.run(l, ctx, e)
	}
	return Result{Err: fmt.Errorf("unknown expectation %q", e.Kind)}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func words(ws []string) string {
	if len(ws) == 0 {
		return "nothing"
	}
	return joinWords(ws)
}

func oneLine(ls []string) string {
	s := strings.Join(ls, " / ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func roundDur(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// Health returns the one-line verdict on the cluster's quorum.
func Health(st cluster.Status) string {
	if st.HasQuorum {
		return fmt.Sprintf("QUORUM OK: %d/%d up, quorum %d, tolerates %d more failure%s", st.Running, st.Voters, st.Quorum, st.Tolerates, plural(st.Tolerates))
	}
	return fmt.Sprintf("NO QUORUM: %d/%d up, %d reachable, quorum %d; writes and linearizable reads will fail", st.Running, st.Voters, st.Reachable, st.Quorum)
}

// StatusTable renders the member table as text lines.
func StatusTable(st cluster.Status) []string {
	out := []string{fmt.Sprintf("%-6s %-8s %-9s %5s %-7s %9s %9s %6s %8s", "NAME", "STATE", "ROLE", "TERM", "LEADER", "COMMITTED", "APPLIED", "REV", "DB")}
	for _, m := range st.Members {
		state := m.State.String()
		if len(m.Cut) > 0 {
			state += "*"
		}
		lead := m.Leader
		if lead == "" {
			lead = "-"
		}
		if !m.State.Running() {
			out = append(out, fmt.Sprintf("%-6s %-8s %-9s %5s %-7s %9s %9s %6s %8s", m.Name, state, "-", "-", "-", "-", "-", "-", "-"))
			continue
		}
		out = append(out, fmt.Sprintf("%-6s %-8s %-9s %5d %-7s %9d %9d %6d %8s", m.Name, state, m.Role, m.Term, lead, m.Committed, m.Applied, m.Revision, Bytes(m.DBSize)))
	}
	out = append(out, Health(st))
	for _, m := range st.Members {
		if len(m.Cut) > 0 {
			out = append(out, fmt.Sprintf("* %s cannot reach %s", m.Name, strings.Join(m.Cut, ", ")))
		}
	}
	return out
}
