package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Launch starts every member, one after another so that no member waits
// for a silent peer while bootstrapping, then waits until all are ready or
// ctx ends. On failure it stops what it started.
func (c *Cluster) Launch(ctx context.Context) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if c.launched {
		return errors.New("cluster already launched")
	}
	c.launched = true
	c.launchedAt = time.Now()
	if err := c.openLogger(); err != nil {
		c.removeTemp()
		return err
	}

	if c.cfg.TLS {
		if err := c.ensureCerts(c.Names()); err != nil {
			c.terminate()
			return err
		}
	}
	if err := c.startNetwork(c.resumedIDs); err != nil {
		c.terminate()
		return err
	}
	initial := c.initialCluster(c.members)
	for _, m := range c.members {
		state := embed.ClusterStateFlagNew
		if err := c.startMember(m, initial, state); err != nil {
			c.terminate()
			return err
		}
	}
	for _, m := range c.members {
		select {
		case <-m.ready:
		case <-ctx.Done():
			c.terminate()
			return fmt.Errorf("members not ready within the deadline: %w (see %s)", ctx.Err(), c.LogFile())
		}
	}
	if c.cfg.Auth {
		resumed, err := c.loadPassword()
		if err == nil && !resumed {
			err = c.enableAuth(ctx)
		}
		if err != nil {
			c.terminate()
			return err
		}
	}
	if err := c.writeMeta(); err != nil {
		c.terminate()
		return err
	}
	first := c.Status()
	if first.Leader != "" {
		d := first.Time.Sub(c.launchedAt)
		c.events.publish(Event{Time: first.Time, Kind: LeaderElected, Member: first.Leader, Term: first.Term, NoLeader: d,
			Text: fmt.Sprintf("%s elected leader in term %d; cluster ready %s after launch", first.Leader, first.Term, roundDur(d))})
	}
	c.wg.Add(1)
	go c.monitor(first)
	return nil
}

// take marks m as down with state st and returns its server, or an error if
// it is not running. It emits the event that says so while it holds the
// lock, so that the monitor, which reads the states under the same lock,
// cannot report what follows (a lost leader) before it. The caller holds
// opMu.
func (c *Cluster) take(name string, st State, verb string, kind EventKind, says func(wasLeader bool) string) (*member, *embed.Etcd, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.find(name)
	if err != nil {
		return nil, nil, err
	}
	if !m.state.Running() {
		return nil, nil, fmt.Errorf("cannot %s %s: it is already %s (use restart %s)", verb, name, m.state, name)
	}
	wasLeader := m.etcd.Server.Lead() == uint64(m.id)
	e := m.etcd
	m.state = st
	c.emit(kind, m.name, says(wasLeader))
	return m, e, nil
}

// Kill crashes the named member: HardStop without leadership hand-off, then
// Close to release its ports. The MemberKilled event says what happened.
func (c *Cluster) Kill(name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, e, err := c.take(name, Killed, "kill", MemberKilled, func(wasLeader bool) string {
		if wasLeader {
			return name + " killed while leader (crash: no leadership hand-off)"
		}
		return name + " killed (crash: no leadership hand-off)"
	})
	if err != nil {
		return err
	}
	// Peers lose the member first, as they would lose a crashed process;
	// a request that reached it after its backend closed would wedge
	// (etcd's /version handler reads the closed backend).
	c.relayDown(m)
	e.Server.HardStop()
	c.mu.Lock()
	servers := m.grpc
	m.grpc = nil
	c.mu.Unlock()
	for _, g := range servers {
		g.Stop() // drop every client connection, as a crash would
	}
	c.pokeMonitor()
	// Close releases the ports but waits up to a second for idle peer
	// connections; the member is already dead to Raft, so do it in the
	// background. Restart waits for it.
	closed := make(chan struct{})
	c.mu.Lock()
	m.closed = closed
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		e.Close()
		close(closed)
	}()
	// Close stops the client servers within milliseconds; wait for that, so
	// that once Kill returns the member refuses clients as a crashed process
	// would, and clients fail over instead of reaching a stopped server.
	waitRefused(m.clientURL.Host, closed, 2*time.Second)
	// Clients learn of their dropped connections asynchronously; give them
	// a moment, as a person typing the next command would, so that a
	// scenario's next request goes to a live member instead of racing the
	// crash on a connection already gone.
	time.Sleep(killSettle)
	return nil
}

// Stop stops the named member gracefully; a leader hands off first. The
// MemberStopped event says what happened.
func (c *Cluster) Stop(name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, e, err := c.take(name, Stopped, "stop", MemberStopped, func(wasLeader bool) string {
		if wasLeader {
			return name + " stopped while leader (graceful: leadership handed off first)"
		}
		return name + " stopped (graceful)"
	})
	if err != nil {
		return err
	}
	// A stopping server hands off leadership through the network, then
	// closes its backend while its peer listener still serves: its relay
	// refuses peer requests from that moment.
	down := make(chan struct{})
	go func() {
		<-e.Server.StoppingNotify()
		c.relayDown(m)
		close(down)
	}()
	e.Close()
	<-down
	c.pokeMonitor()
	return nil
}

// Restart starts the member using the preserved data dir and waits until it
// is ready or ctx ends. A member that cannot become ready yet (no quorum)
// keeps starting in the background; the MemberRestarted event says which.
func (c *Cluster) Restart(ctx context.Context, name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.RLock()
	m, err := c.find(name)
	var st State
	var old *embed.Etcd
	var wedged bool
	if err == nil {
		st, old, wedged = m.state, m.etcd, m.wedged
	}
	members := append([]*member(nil), c.members...)
	c.mu.RUnlock()
	if err != nil {
		return err
	}
	if wedged {
		return fmt.Errorf("cannot restart %s: etcd hit a fatal error in it and its server cannot stop; its ports stay held until etcdlab exits (start etcdlab again, or member remove %s and member add it back)", name, name)
	}
	if st.Running() {
		return fmt.Errorf("cannot restart %s: it is already %s (kill or stop it first)", name, st)
	}
	if st == Failed && old != nil {
		old.Close()
		c.relayDown(m)
	}
	if err := c.waitPortsFree(ctx, m); err != nil {
		return err
	}
	if err := c.startMember(m, c.initialCluster(members), embed.ClusterStateFlagExisting); err != nil {
		return err
	}
	c.mu.RLock()
	ready, started := m.ready, m.started
	c.mu.RUnlock()
	select {
	case <-ready:
		c.mu.RLock()
		st := m.state
		c.mu.RUnlock()
		if st != Up {
			return fmt.Errorf("%s stopped while restarting (see %s)", name, c.LogFile())
		}
		c.emit(MemberRestarted, name, fmt.Sprintf("%s restarted from its data dir, ready after %s", name, roundDur(time.Since(started))))
		return nil
	case <-ctx.Done():
		c.emit(MemberRestarted, name, name+" restarted but not ready yet: it needs a quorum to catch up; it will turn up by itself")
		return nil
	}
}

// waitPortsFree waits until m's client port can be bound again (its relay
// holds its peer port). A killed server's Close releases its listeners
// within milliseconds but lingers up to a second over idle peer
// connections; the new server needs only the ports.
func (c *Cluster) waitPortsFree(ctx context.Context, m *member) error {
	c.mu.RLock()
	closed := m.closed
	c.mu.RUnlock()
	for {
		err := c.checkPortsFree([]int{m.slot})
		if err == nil {
			return nil
		}
		select {
		case <-closed:
			// Close is done, so the port is held by someone else.
			return c.checkPortsFree([]int{m.slot})
		case <-ctx.Done():
			return err
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Terminate stops every member, ends the event streams and removes a
// temporary data dir. It is safe to call more than once.
func (c *Cluster) Terminate() {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.terminate()
}

func (c *Cluster) terminate() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	var running []*embed.Etcd
	for _, m := range c.members {
		if m.etcd != nil && m.state != Killed && m.state != Stopped && !m.wedged {
			running = append(running, m.etcd)
		}
		if m.state.Running() {
			m.state = Stopped
		}
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.Server.HardStop()
			e.Close()
		}()
	}
	wg.Wait()
	if c.net != nil {
		c.net.Close()
	}
	close(c.stop)
	c.wg.Wait()
	c.events.closeAll()
	if c.logSync != nil {
		c.logSync()
	}
	c.removeTemp()
}

// Handoff is what a leadership transfer did: leadership went From -> To in
// Took. From == To means To already led, and nothing was asked of etcd.
type Handoff struct {
	From, To string
	Took     time.Duration
}

// MoveLeader transfers leadership to the named member (etcd's MoveLeader)
// and says how it went; the monitor's LeaderChanged event follows.
func (c *Cluster) MoveLeader(ctx context.Context, name string) (Handoff, error) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.RLock()
	target, err := c.find(name)
	var leader *member
	var targetState State
	if err == nil {
		targetState = target.state
	}
	for _, m := range c.members {
		if m.state == Up && m.etcd.Server.Lead() == uint64(m.id) {
			leader = m
		}
	}
	c.mu.RUnlock()
	if err != nil {
		return Handoff{}, err
	}
	if targetState != Up {
		return Handoff{}, fmt.Errorf("cannot move the leader to %s: it is %s", name, targetState)
	}
	if leader == nil {
		return Handoff{}, errors.New("cannot move the leader: the cluster has no leader right now")
	}
	if leader == target {
		return Handoff{From: name, To: name}, nil
	}
	start := time.Now()
	if err := leader.etcd.Server.MoveLeader(ctx, uint64(leader.id), uint64(target.id)); err != nil {
		return Handoff{}, fmt.Errorf("move-leader to %s failed: %v", name, err)
	}
	c.pokeMonitor()
	return Handoff{From: leader.name, To: name, Took: time.Since(start)}, nil
}

// killSettle is how long Kill lets clients notice dropped connections.
const killSettle = 20 * time.Millisecond

// waitRefused polls addr until it refuses connections, closed is closed, or
// d passes.
func waitRefused(addr string, closed <-chan struct{}, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		conn.Close()
		select {
		case <-closed:
			return
		case <-time.After(time.Millisecond):
		}
	}
}
