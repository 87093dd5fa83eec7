package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Remote is an etcd cluster that runs elsewhere (other processes, other
// machines), watched over the client API alone: Maintenance.Status of every
// member and the cluster's MemberList. It is what `etcdlab attach` drives.
// The in-process faults (kill, restart, partitions) do not exist here.
type Remote struct {
	cfg RemoteConfig

	cli *clientv3.Client // over every endpoint, for MemberList and changes

	mu      sync.RWMutex
	st      Status
	members []Endpoint
	ids     map[string]uint64
	per     map[string]*clientv3.Client // per member client URL
	down    map[string]string           // member -> why it is unreachable
	// leaders is the poll loop's memory of the leader it reported; only
	// poll touches it.
	leaders *leaderWatch

	events *broadcaster
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// RemoteConfig says how to reach an existing cluster.
type RemoteConfig struct {
	// Endpoints are client URLs of the cluster's members; one is enough.
	Endpoints []string
	// TLS, when set, is used for every connection (https endpoints);
	// CAFile names the CA it trusts, for the connection details.
	TLS    *tls.Config
	CAFile string
	// Username and Password authenticate every request, as etcdctl's --user.
	Username, Password string
	// Timeout bounds each status call; zero means 1s.
	Timeout time.Duration
	// Interval is how often members are polled; zero means 250ms.
	Interval time.Duration
}

// ErrAttached is returned for the faults that only exist in process.
var ErrAttached = errors.New("not available when attached: etcdlab does not run these members (stop or start their processes yourself)")

// Attach connects to an existing cluster, reads its members once, and
// starts polling their status. The first MemberList must answer within ctx.
func Attach(ctx context.Context, cfg RemoteConfig) (*Remote, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("attach needs at least one client URL, e.g. http://10.0.0.1:2379")
	}
	for _, e := range cfg.Endpoints {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q is not a client URL: write e.g. http://127.0.0.1:2379", e)
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 250 * time.Millisecond
	}
	r := &Remote{cfg: cfg, per: map[string]*clientv3.Client{}, down: map[string]string{}, ids: map[string]uint64{},
		events: newBroadcaster(), stop: make(chan struct{})}
	cli, err := clientv3.New(r.clientConfig(cfg.Endpoints))
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %v", strings.Join(cfg.Endpoints, ","), err)
	}
	r.cli = cli
	if err := r.refreshMembers(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("cannot list the members through %s: %v", strings.Join(cfg.Endpoints, ","), err)
	}
	r.poll(ctx)
	r.wg.Add(1)
	go r.loop()
	return r, nil
}

func (r *Remote) clientConfig(endpoints []string) clientv3.Config {
	return clientv3.Config{
		Endpoints: endpoints, DialTimeout: r.cfg.Timeout, TLS: r.cfg.TLS,
		Username: r.cfg.Username, Password: r.cfg.Password,
		DialKeepAliveTime: 2 * time.Second, DialKeepAliveTimeout: r.cfg.Timeout,
		Logger: zap.NewNop(),
	}
}

// ClientConfig returns a client configuration for the given endpoints.
func (r *Remote) ClientConfig(endpoints []string, dialTimeout time.Duration) (clientv3.Config, error) {
	cfg := r.clientConfig(endpoints)
	cfg.DialTimeout = dialTimeout
	return cfg, nil
}

func (r *Remote) refreshMembers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	resp, err := r.cli.MemberList(ctx, clientv3.WithSerializable())
	if err != nil {
		return err
	}
	var eps []Endpoint
	ids := map[string]uint64{}
	for _, m := range resp.Members {
		name := m.Name
		if name == "" {
			name = fmt.Sprintf("%x", m.ID) // added but not started yet
		}
		e := Endpoint{Name: name}
		if len(m.ClientURLs) > 0 {
			e.ClientURL = m.ClientURLs[0]
		}
		if len(m.PeerURLs) > 0 {
			e.PeerURL = m.PeerURLs[0]
		}
		eps = append(eps, e)
		ids[name] = m.ID
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].Name < eps[j].Name })
	r.mu.Lock()
	r.members, r.ids = eps, ids
	r.mu.Unlock()
	return nil
}

func (r *Remote) loop() {
	defer r.wg.Done()
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	rounds := 0
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-r.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		rounds++
		if rounds%8 == 0 {
			r.refreshMembers(ctx) // keep the last list if it fails
		}
		r.poll(ctx)
		cancel()
	}
}

// poll asks every member for its status, in parallel, each with a deadline.
func (r *Remote) poll(ctx context.Context) {
	r.mu.RLock()
	members := append([]Endpoint(nil), r.members...)
	ids := r.ids
	r.mu.RUnlock()
	out := make([]MemberStatus, len(members))
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, e := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = r.memberStatus(ctx, e, ids[e.Name])
		}()
	}
	wg.Wait()
	byID := map[uint64]string{}
	for name, id := range ids {
		byID[id] = name
	}
	st := Status{Time: time.Now(), Members: out}
	for i := range st.Members {
		st.Members[i].Leader = byID[st.Members[i].Lead]
	}
	st.derive(func(a, b string) bool { return false })

	r.mu.Lock()
	prev := r.st
	r.st = st
	var evs []Event
	for i, m := range members {
		was, wasDown := r.down[m.Name]
		switch {
		case errs[i] != nil && !wasDown:
			why := cleanErr(errs[i])
			r.down[m.Name] = why
			evs = append(evs, Event{Time: st.Time, Kind: MemberUnreachable, Member: m.Name, Text: fmt.Sprintf("%s unreachable at %s: %s", m.Name, m.ClientURL, why)})
		case errs[i] == nil && wasDown:
			delete(r.down, m.Name)
			evs = append(evs, Event{Time: st.Time, Kind: MemberReachable, Member: m.Name, Text: fmt.Sprintf("%s answers again (it was unreachable: %s)", m.Name, was)})
		}
	}
	r.mu.Unlock()
	if !prev.Time.IsZero() {
		evs = append(evs, r.leaders.changes(prev, st)...)
	} else {
		r.leaders = newLeaderWatch(st, st.Time)
		if st.Leader != "" {
			evs = append(evs, Event{Time: st.Time, Kind: LeaderElected, Member: st.Leader, Term: st.Term, Text: fmt.Sprintf("attached: %s leads in term %d", st.Leader, st.Term)})
		}
	}
	for _, e := range evs {
		r.events.publish(e)
	}
}

// memberStatus asks one member for its status with Maintenance.Status; a
// member that does not answer is Unreachable.
func (r *Remote) memberStatus(ctx context.Context, e Endpoint, id uint64) (MemberStatus, error) {
	ms := MemberStatus{Name: e.Name, ID: id, ClientURL: e.ClientURL, PeerURL: e.PeerURL, State: Unreachable}
	cli, err := r.memberClient(e.ClientURL)
	if err != nil {
		return ms, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	s, err := cli.Status(cctx, e.ClientURL)
	cancel()
	if err != nil {
		return ms, err
	}
	ms.State = Up
	ms.Term, ms.Lead = s.RaftTerm, s.Leader
	ms.Committed, ms.Applied = s.RaftIndex, s.RaftAppliedIndex
	ms.Revision, ms.DBSize, ms.Learner = s.Header.Revision, s.DbSize, s.IsLearner
	ms.Role = roleOf(s.IsLearner, s.Leader, s.Header.MemberId)
	return ms, nil
}

func cleanErr(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	s := err.Error()
	if i := strings.LastIndex(s, "desc = "); i >= 0 {
		s = s[i+len("desc = "):]
	}
	return s
}

func (r *Remote) memberClient(u string) (*clientv3.Client, error) {
	r.mu.Lock()
	cli, ok := r.per[u]
	r.mu.Unlock()
	if ok {
		return cli, nil
	}
	cfg := r.clientConfig([]string{u})
	cfg.DialTimeout = 0 // dial in the background; Status carries the deadline
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.per[u]; ok {
		cli.Close()
		return old, nil
	}
	r.per[u] = cli
	return cli, nil
}

// Status returns the latest polled status; it never blocks on the network.
func (r *Remote) Status() Status {
	r.mu.RLock()
	defer r.mu.RUnlock()
	st := r.st
	st.Members = append([]MemberStatus(nil), r.st.Members...)
	return st
}

// Endpoints returns the members as the cluster lists them.
func (r *Remote) Endpoints() []Endpoint {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Endpoint(nil), r.members...)
}

// Names returns the members' names.
func (r *Remote) Names() []string {
	var out []string
	for _, e := range r.Endpoints() {
		out = append(out, e.Name)
	}
	return out
}

// ClientURL returns the named member's client URL.
func (r *Remote) ClientURL(name string) (string, error) {
	var names []string
	for _, e := range r.Endpoints() {
		if e.Name == name {
			return e.ClientURL, nil
		}
		names = append(names, e.Name)
	}
	return "", fmt.Errorf("no member named %q: members are %s", name, strings.Join(names, ", "))
}

// Subscribe returns a stream of events and a function that ends it.
func (r *Remote) Subscribe() (<-chan Event, func()) { return r.events.subscribe() }

func (r *Remote) emit(kind EventKind, member, text string) {
	r.events.publish(Event{Time: time.Now(), Kind: kind, Member: member, Text: text})
}

// MoveLeader asks the current leader to hand leadership to the named member.
func (r *Remote) MoveLeader(ctx context.Context, name string) (Handoff, error) {
	st := r.Status()
	target, ok := st.Member(name)
	if !ok {
		_, err := r.ClientURL(name)
		return Handoff{}, err
	}
	leader, ok := st.Member(st.Leader)
	if !ok {
		return Handoff{}, errors.New("cannot move the leader: the cluster has no leader right now")
	}
	if leader.Name == name {
		return Handoff{From: name, To: name}, nil
	}
	cli, err := r.memberClient(leader.ClientURL)
	if err != nil {
		return Handoff{}, err
	}
	start := time.Now()
	if _, err := cli.MoveLeader(ctx, target.ID); err != nil {
		return Handoff{}, fmt.Errorf("move-leader to %s failed: %v", name, cleanErr(err))
	}
	return Handoff{From: leader.Name, To: name, Took: time.Since(start)}, nil
}

// AddMember asks the cluster to add a member at peerURL; the process itself
// must be started by its owner.
func (r *Remote) AddMember(ctx context.Context, name string, learner bool) error {
	return fmt.Errorf("member add: %w; add it with etcdctl member add and start its process", ErrAttached)
}

// PromoteMember promotes a learner.
func (r *Remote) PromoteMember(ctx context.Context, name string) error {
	st := r.Status()
	m, ok := st.Member(name)
	if !ok {
		_, err := r.ClientURL(name)
		return err
	}
	if _, err := r.cli.MemberPromote(ctx, m.ID); err != nil {
		return fmt.Errorf("member promote %s refused by etcd: %v", name, cleanErr(err))
	}
	r.emit(MemberPromoted, name, name+" promoted from learner to voting member")
	return nil
}

// RemoveMember removes a member from the cluster; its process stops itself.
func (r *Remote) RemoveMember(ctx context.Context, name string) error {
	st := r.Status()
	m, ok := st.Member(name)
	if !ok {
		_, err := r.ClientURL(name)
		return err
	}
	if _, err := r.cli.MemberRemove(ctx, m.ID); err != nil {
		return fmt.Errorf("member remove %s refused by etcd: %v", name, cleanErr(err))
	}
	r.refreshMembers(ctx)
	r.emit(MemberRemoved, name, name+" removed from the cluster; its process stops itself")
	return nil
}

// FreeName is not available when attached.
func (r *Remote) FreeName() (string, error) { return "", ErrAttached }

// Kill is not available when attached.
func (r *Remote) Kill(string) error { return fmt.Errorf("kill: %w", ErrAttached) }

// Stop is not available when attached.
func (r *Remote) Stop(string) error { return fmt.Errorf("stop: %w", ErrAttached) }

// Restart is not available when attached.
func (r *Remote) Restart(context.Context, string) error {
	return fmt.Errorf("restart: %w", ErrAttached)
}

// Isolate is not available when attached.
func (r *Remote) Isolate(string) error { return fmt.Errorf("isolate: %w", ErrAttached) }

// Partition is not available when attached.
func (r *Remote) Partition([][]string) error {
	return fmt.Errorf("partition: %w", ErrAttached)
}

// Heal is not available when attached.
func (r *Remote) Heal(string) error { return fmt.Errorf("heal: %w", ErrAttached) }

// Cut is not available when attached: the lab has no relay between
// members it does not run.
func (r *Remote) Cut(string, string) error { return fmt.Errorf("cut: %w", ErrAttached) }

// Delay is not available when attached.
func (r *Remote) Delay(string, string, time.Duration, time.Duration) error {
	return fmt.Errorf("delay: %w", ErrAttached)
}

// Loss is not available when attached.
func (r *Remote) Loss(string, string, float64) error { return fmt.Errorf("loss: %w", ErrAttached) }

// NetStats is not available when attached: the lab sees no traffic
// between members it does not run.
func (r *Remote) NetStats() (NetStats, error) { return NetStats{}, fmt.Errorf("net: %w", ErrAttached) }

// TLS returns the CA the attached cluster is trusted with, or nil.
func (r *Remote) TLS() *TLSFiles {
	if r.cfg.CAFile == "" {
		return nil
	}
	return &TLSFiles{CA: r.cfg.CAFile}
}

// Credentials returns the user and password given to attach.
func (r *Remote) Credentials() (string, string) { return r.cfg.Username, r.cfg.Password }

// LogFile is empty: the attached members log wherever they were told to.
func (r *Remote) LogFile() string { return "" }

// Terminate stops watching the cluster; the cluster itself runs on.
func (r *Remote) Terminate() { r.Close() }

// Close stops polling and closes every connection.
func (r *Remote) Close() {
	r.once.Do(func() {
		close(r.stop)
		r.wg.Wait()
		r.mu.Lock()
		for u, c := range r.per {
			c.Close()
			delete(r.per, u)
		}
		r.mu.Unlock()
		r.cli.Close()
		r.events.closeAll()
	})
}
