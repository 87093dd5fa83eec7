package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/types"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// Membership changes go through etcd's own client API (MemberAdd,
// MemberRemove, MemberPromote), as etcdctl would send them, so that etcd
// applies its own rules: strict reconfiguration checks, learners that must
// reach 90 % of the leader's log before promotion, a removed leader stepping
// down.

// memberClient returns a client over every running member's client URL.
func (c *Cluster) memberClient(timeout time.Duration) (*clientv3.Client, error) {
	c.mu.RLock()
	var urls []string
	for _, m := range c.members {
		if m.state.Running() {
			urls = append(urls, m.clientURL.String())
		}
	}
	c.mu.RUnlock()
	if len(urls) == 0 {
		return nil, errors.New("no member is running")
	}
	cfg, err := c.ClientConfig(urls, timeout)
	if err != nil {
		return nil, err
	}
	return clientv3.New(cfg)
}

// FreeName returns the name of the lowest member slot not in use.
func (c *Cluster) FreeName() (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	used := map[int]bool{}
	for _, m := range c.members {
		used[m.slot] = true
	}
	for i := 1; i <= MaxMembers; i++ {
		if !used[i] {
			return memberName(i), nil
		}
	}
	return "", fmt.Errorf("the lab already runs %d members, its maximum: remove one first", MaxMembers)
}

// AddMember asks the cluster to add a member (as a learner if learner is
// set), then starts it with the existing cluster's configuration. Its ports
// follow the scheme of its slot: etcdN uses ClientPort(base, N). The
// MemberAdded event says what etcd accepted; MemberStarted and MemberReady
// follow as the new member comes up. A member still catching up when ctx
// ends keeps starting in the background.
func (c *Cluster) AddMember(ctx context.Context, name string, learner bool) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, err := c.prepareMember(name)
	if err != nil {
		return err
	}
	id, took, err := c.proposeMember(ctx, m, learner)
	if err != nil {
		return err
	}
	waited := ""
	if took > 500*time.Millisecond {
		waited = fmt.Sprintf("; etcd accepted it after %s: it adds a member only once the member handling the request has been connected for 5 s to enough voters to form a quorum of the enlarged cluster", roundDur(took))
	}
	c.mu.Lock()
	m.learner = learner
	c.members = append(c.members, m)
	members := append([]*member(nil), c.members...)
	c.mu.Unlock()
	if err := c.join(m, id); err != nil {
		c.mu.Lock()
		m.state = Failed
		c.mu.Unlock()
		c.writeMeta()
		return fmt.Errorf("%s was added to the cluster but did not start: %v (remove it with member remove %s)", name, err, name)
	}
	kind := "voting member"
	if learner {
		kind = "learner"
	}
	c.emit(MemberAdded, name, fmt.Sprintf("%s added as a %s (id %x)%s", name, kind, uint64(id), waited))
	// The new member fetches the membership from a running peer while it
	// bootstraps; a peer that has not applied the addition yet would hand it
	// a list one short ("member count is unequal"). Wait until every running
	// member knows it, as an operator would before starting the process.
	c.waitKnown(ctx, id)
	if err := c.startMember(m, c.initialCluster(members), embed.ClusterStateFlagExisting); err != nil {
		// etcd knows the member; leave it in the table, down, so that it
		// can be restarted or removed.
		c.mu.Lock()
		m.state = Failed
		c.mu.Unlock()
		c.writeMeta()
		return fmt.Errorf("%s was added to the cluster but did not start: %v (remove it with member remove %s)", name, err, name)
	}
	if err := c.writeMeta(); err != nil {
		return err
	}
	c.mu.RLock()
	ready := m.ready
	c.mu.RUnlock()
	select {
	case <-ready:
	case <-ctx.Done():
		return nil
	}
	c.pokeMonitor()
	return nil
}

// prepareMember returns a new member named name, not yet in the table,
// after checking that its name is free, its ports too, and clearing any
// data an earlier member of that name left. The caller holds opMu.
func (c *Cluster) prepareMember(name string) (*member, error) {
	slot, err := slotOf(name)
	if err != nil {
		return nil, fmt.Errorf("member add %s: names are etcd1..etcd%d, since a name fixes the member's ports", name, MaxMembers)
	}
	c.mu.RLock()
	_, exists := c.find(name)
	c.mu.RUnlock()
	if exists == nil {
		return nil, fmt.Errorf("member add %s: %s already exists", name, name)
	}
	if err := c.checkPortsFree([]int{slot}); err != nil {
		return nil, err
	}
	m := c.newMember(slot)
	if err := os.RemoveAll(m.dir); err != nil {
		return nil, fmt.Errorf("member add %s: cannot clear %s: %v", name, m.dir, err)
	}
	if c.cfg.TLS {
		if err := c.ensureMemberCert(name); err != nil {
			return nil, fmt.Errorf("member add %s: cannot make its peer certificate: %v", name, err)
		}
	}
	return m, nil
}

// proposeMember asks etcd, through its client API, to add m (as a learner
// if learner is set). It returns the ID etcd gave it and how long etcd took
// to accept it.
func (c *Cluster) proposeMember(ctx context.Context, m *member, learner bool) (types.ID, time.Duration, error) {
	var resp *clientv3.MemberAddResponse
	start := time.Now()
	err := c.ask(ctx, func(cli *clientv3.Client) (err error) {
		if learner {
			resp, err = cli.MemberAddAsLearner(ctx, []string{m.peerURL.String()})
		} else {
			resp, err = cli.MemberAdd(ctx, []string{m.peerURL.String()})
		}
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("member add %s refused by etcd: %v", m.name, clientErr(err))
	}
	return types.ID(resp.Member.ID), time.Since(start), nil
}

// waitKnown polls until every running member's membership holds id, or ctx
// ends.
func (c *Cluster) waitKnown(ctx context.Context, id types.ID) {
	for {
		known := true
		c.mu.RLock()
		for _, m := range c.members {
			if m.state.Running() && m.etcd != nil && !m.wedged && m.etcd.Server.Cluster().Member(id) == nil {
				known = false
			}
		}
		c.mu.RUnlock()
		if known {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// lookup finds the named member. The caller holds opMu, under which alone
// a member's id changes, so m.id may be read after lookup returns.
func (c *Cluster) lookup(name string) (*member, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.find(name)
}

// PromoteMember promotes a learner to a voting member.
func (c *Cluster) PromoteMember(ctx context.Context, name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, err := c.lookup(name)
	if err != nil {
		return err
	}
	err = c.ask(ctx, func(cli *clientv3.Client) error { _, err := cli.MemberPromote(ctx, uint64(m.id)); return err })
	if err != nil {
		return fmt.Errorf("member promote %s refused by etcd: %v", name, clientErr(err))
	}
	c.mu.Lock()
	m.learner = false
	c.mu.Unlock()
	c.pokeMonitor()
	c.emit(MemberPromoted, name, name+" promoted from learner to voting member")
	return nil
}

// RemoveMember removes a member from the cluster, stops its server and
// deletes its data, leaving no ports or files behind.
func (c *Cluster) RemoveMember(ctx context.Context, name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, err := c.lookup(name)
	if err != nil {
		return err
	}
	if len(c.Names()) == 1 {
		return fmt.Errorf("member remove %s: it is the last member; a cluster cannot remove itself", name)
	}
	wasLeader := c.Status().Leader == name
	// A removed member stops its own server once it applies its removal;
	// that is not a failure.
	c.mu.Lock()
	m.removing = true
	c.mu.Unlock()
	err = c.ask(ctx, func(cli *clientv3.Client) error { _, err := cli.MemberRemove(ctx, uint64(m.id)); return err })
	if err != nil {
		c.mu.Lock()
		m.removing = false
		c.mu.Unlock()
		return fmt.Errorf("member remove %s refused by etcd: %v", name, clientErr(err))
	}
	// The removed member stops itself once it applies its removal, and
	// its peer listener outlives its backend: peers reach it no more.
	c.relayDown(m)
	c.mu.Lock()
	e := m.etcd
	running := (m.state.Running() || m.state == Failed) && !m.wedged
	m.state = Stopped
	for i, o := range c.members {
		if o == m {
			c.members = append(c.members[:i], c.members[i+1:]...)
			break
		}
	}
	closed := m.closed
	c.mu.Unlock()
	if running && e != nil {
		e.Server.HardStop()
		e.Close()
	}
	if closed != nil {
		<-closed
	}
	if m.relayID != 0 {
		_ = c.net.RemoveMember(name)
	}
	os.RemoveAll(m.dir)
	if err := c.writeMeta(); err != nil {
		return err
	}
	c.pokeMonitor()
	text := name + " removed from the cluster; its data and ports are released"
	if wasLeader {
		text = name + " (the leader) removed from the cluster; the others elect a new leader"
	}
	c.emit(MemberRemoved, name, text)
	return nil
}

// ask sends a membership request through a client of the running members,
// retrying etcd's "not yet" answers until ctx ends.
func (c *Cluster) ask(ctx context.Context, req func(*clientv3.Client) error) error {
	cli, err := c.memberClient(timeoutOf(ctx))
	if err != nil {
		return err
	}
	defer cli.Close()
	return retryNotYet(ctx, func() error { return req(cli) })
}

func timeoutOf(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return 5 * time.Second
}

// retryNotYet calls fn until it succeeds, fails for a reason other than
// etcd's "not yet" answers, or ctx ends. etcd's strict reconfiguration
// check answers "unhealthy cluster" until the member handling the request
// has been connected for 5 s to enough voters to form, with itself, a
// quorum of the cluster after the change (as right after a start), and
// refuses to promote a learner whose Match is below 90 % of the leader's;
// both pass with time.
func retryNotYet(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil || !(errors.Is(err, rpctypes.ErrUnhealthy) || errors.Is(err, rpctypes.ErrMemberLearnerNotReady)) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func clientErr(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time (does the cluster have a quorum?)"
	case errors.Is(err, rpctypes.ErrUnhealthy):
		return "unhealthy cluster: etcd changes membership only once the member handling the request has been connected for 5 s to enough voters to form, with itself, a quorum of the cluster after the change; right after a start or a restart that takes a few seconds"
	case errors.Is(err, rpctypes.ErrMemberLearnerNotReady):
		return "the learner is not ready: etcd promotes it only once the leader counts at least 90 % of its log as replicated to it; try again in a moment"
	}
	return err.Error()
}
