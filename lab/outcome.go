package lab

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// OutcomeUnknownError is the error of a write (put, del, a txn that writes,
// lease grant or revoke) that got no answer: it timed out, or its
// connection broke after it was sent. etcd may have applied it, or may
// still, so the lab says it does not know, and why, from what it saw of the
// cluster while the write was in flight. A timeout is not a no.
type OutcomeUnknownError struct {
	// Reason says what happened and what etcd does then, ending with how
	// to find out.
	Reason string
	// Err is the client's own error.
	Err error
}

// Error returns "outcome unknown: " and the reason.
func (e *OutcomeUnknownError) Error() string { return "outcome unknown: " + e.Reason }

// Unwrap returns the client's error.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// write is a command that changes the cluster's state, as an unknown
// outcome names it.
type write struct {
	// noun names it in "while this put was in flight".
	noun string
	// check is how to see whether it was applied: "get k shows which".
	check string
}

// writeOf returns the write a command makes, or false for a command that
// changes nothing (a read, or a txn of gets only, which etcd serves as a
// read).
func writeOf(c *Command) (write, bool) {
	switch c.Name {
	case "put":
		return write{"put", "get " + Quote(c.Args[0]) + " shows which"}, true
	case "del":
		get := append([]string{"get"}, quoteAll(c.Args)...)
		for _, f := range []string{"prefix", "from-key"} {
			if c.Bool(f) {
				get = append(get, "--"+f)
			}
		}
		return write{"del", strings.Join(get, " ") + " shows which"}, true
	case "txn":
		p, err := parseTxn(c.Args)
		if err != nil {
			return write{}, false
		}
		var keys []string
		for _, o := range append(append([]*Command{}, p.then...), p.els...) {
			if o.Name != "get" {
				keys = append(keys, Quote(o.Args[0]))
			}
		}
		if len(keys) == 0 {
			return write{}, false
		}
		return write{"txn", "get " + strings.Join(keys, ", get ") + " shows which"}, true
	case "lease grant":
		if id, ok := c.Flag("id"); ok {
			lid, _ := parseLeaseID(id)
			return write{"lease grant", "lease timetolive " + leaseHex(lid) + " shows which"}, true
		}
		return write{"lease grant", "lease list shows which"}, true
	case "lease revoke":
		id, _ := parseLeaseID(c.Args[0])
		return write{"lease revoke", "lease timetolive " + leaseHex(id) + " shows which"}, true
	}
	return write{}, false
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = Quote(w)
	}
	return out
}

// outcomeUnknown reports whether a write that failed with err may have
// been applied, following clientv3's rule for retrying a mutable RPC
// (retry.go, isSafeRetryMutableRPC): it is safe to send again, so surely
// not applied, only when it never left the client; and etcd's own errors
// (api/v3rpc/rpctypes, server/etcdserver/api/v3rpc/util.go) tell a refusal
// made before the proposal reached Raft (an empty key, a request too large,
// permission denied, no leader for a request that requires one, a proposal
// dropped by Raft) from a proposal that was made and not answered:
//   - a deadline or a cancel while it was in flight;
//   - "request timed out" in its three forms (processInternalRaftRequestOnce
//     waited for the apply until its deadline; parseProposeCtxErr);
//   - "server stopped" (the member stopped after proposing it);
//   - "raft: stopped" (it met a member stopping);
//   - a connection that broke after the request was sent.
func outcomeUnknown(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	desc := rpctypes.ErrorDesc(err)
	if neverSent(desc) {
		return false
	}
	switch codeOf(err) {
	case codes.DeadlineExceeded, codes.Canceled:
		return true
	case codes.Unavailable:
		return desc != rpctypes.ErrorDesc(rpctypes.ErrGRPCNoLeader) && desc != rpctypes.ErrorDesc(rpctypes.ErrGRPCUnhealthy)
	case codes.Unknown:
		return desc == "raft: stopped"
	}
	return false
}

// neverSent reports whether gRPC failed a call before sending it: no
// connection to the member could be made or picked.
func neverSent(desc string) bool {
	for _, s := range []string{"there is no address available", "there is no connection available", "connection refused",
		"Error while dialing", "latest balancer error", "while waiting for connections to become ready"} {
		if strings.Contains(desc, s) {
			return true
		}
	}
	return false
}

// codeOf returns the gRPC code of a client error, whether clientv3 turned
// it into an etcd error or left it a gRPC status.
func codeOf(err error) codes.Code {
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee.Code()
	}
	return status.Code(err)
}

// connectionLost reports whether err is a broken connection rather than a
// timeout or one of etcd's answers.
func connectionLost(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	return codeOf(err) == codes.Unavailable && !strings.HasPrefix(rpctypes.ErrorDesc(err), "etcdserver:")
}

// reachable reports whether a write sent through member via could have
// reached etcd: gRPC named the member (--endpoint all names none when it
// never sent the call), and the lab had not taken it down before. A call
// to a member already down fails by its deadline while gRPC waits to
// connect, and clientv3 reports only the deadline.
func reachable(before cluster.Status, via string) bool {
	if via == "" {
		return false
	}
	m, _ := before.Member(via)
	switch m.State {
	case cluster.Killed, cluster.Stopped, cluster.Failed:
		return false
	}
	return true
}

// inFlight is what the lab sees of the cluster while one write is in
// flight: the status when it is sent, then every cluster event until it
// returns. The reason of an unknown outcome comes from these, not from a
// guess at the end.
type inFlight struct {
	before cluster.Status
	events <-chan cluster.Event
	stop   func()
}

// watchFlight starts watching the cluster for one write.
func (l *Lab) watchFlight() *inFlight {
	events, stop := l.c.Subscribe()
	return &inFlight{before: l.c.Status(), events: events, stop: stop}
}

// land stops the watch and returns the events raised while the write was
// in flight.
func (f *inFlight) land() []cluster.Event {
	evs := pending(f.events)
	f.stop()
	return evs
}

// flight is one write's trip as the lab saw it.
type flight struct {
	w             write
	via           string
	before, after cluster.Status
	events        []cluster.Event
}

// unknown returns the error of a write whose outcome is unknown.
func (l *Lab) unknown(err error, f flight) *OutcomeUnknownError {
	who, through := "the member", ""
	if f.via != "" {
		who, through = f.via, " through "+f.via
	}
	var head string
	switch {
	case connectionLost(err):
		head = fmt.Sprintf("the connection to %s broke while it was in flight (%s)", who, cleanErr(err))
	case timedOut(err):
		head = fmt.Sprintf("no answer within %s%s", l.timeout, through)
	case errors.Is(err, context.Canceled) || codeOf(err) == codes.Canceled:
		head = "the lab stopped waiting for it" + through
	default:
		head = fmt.Sprintf("%s answered %q", who, cleanErr(err))
	}
	return &OutcomeUnknownError{Err: err,
		Reason: fmt.Sprintf("%s: %s, so it may or may not be applied: %s", head, f.why(), f.w.check)}
}

// timedOut reports whether err is a deadline: the client's, or etcd's
// "request timed out" in any of its forms.
func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || codeOf(err) == codes.DeadlineExceeded ||
		errors.Is(err, rpctypes.ErrTimeout) || errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail) ||
		errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost)
}

// downVerb says what a member event did to it, for "etcd3, the leader,
// crashed"; "" if the event is not one that takes a member down.
func downVerb(k cluster.EventKind) string {
	switch k {
	case cluster.MemberKilled:
		return "crashed"
	case cluster.MemberStopped:
		return "was stopped"
	case cluster.MemberFailed:
		return "failed"
	case cluster.MemberRemoved:
		return "was removed"
	}
	return ""
}

// why says what happened to the write and what etcd does then: what
// befell the member that took it or the leader it followed, and, if the
// cluster had no quorum, that first. The first fact that applies wins:
//   - the member that took it went down while it was in flight;
//   - the leader it was forwarded to went down, during the request or
//     before it (its follower had not noticed yet);
//   - it went through a member cut off from a quorum, or to a leader that
//     was, or over a link to or from its leader cut one way;
//   - no quorum;
//   - no leader, or a change of leader;
//   - nothing the lab saw.
func (f flight) why() string {
	what := f.seen()
	st := f.before
	if st.HasQuorum {
		st = f.after
	}
	if what.noQuorum {
		q := fmt.Sprintf("the cluster had no quorum (%d of %d voters reachable, %d needed)", st.Reachable, st.Voters, st.Quorum)
		if s := f.member(what); s != "" {
			return q + "; " + s
		}
		if what.led {
			return fmt.Sprintf("%s: %s, the leader, keeps this %s uncommitted in its log, and quorum's return may commit it", q, f.via, f.w.noun)
		}
		return q + ": a proposal waits uncommitted in a leader's log, where quorum's return may commit it, or in a follower until it knows a leader"
	}
	if s := f.member(what); s != "" {
		return s
	}
	switch {
	case what.lead == "" && f.via != "":
		return fmt.Sprintf("%s knew no leader (an election was under way); a follower holds a proposal until it knows a leader, then forwards it, or drops it at the request's deadline", f.via)
	case what.changed:
		return fmt.Sprintf("the leader changed while this %s was in flight; the new leader commits what the old one had replicated to it, and drops the rest", f.w.noun)
	}
	return "the lab saw no fault while it was in flight; etcd may still apply a proposal after the client's deadline (a timeout is not a no)"
}

// sighting is what the lab saw of a write's member and leader.
type sighting struct {
	// lead is the leader the member followed when the write was sent
	// (itself if led), "" if none.
	lead string
	led  bool
	// viaDown and leadDown say how the member or its leader went down
	// while the write was in flight, "" if they did not.
	viaDown, leadDown              string
	changed, noQuorum, partitioned bool
}

// seen gathers what the status before and the events during the write
// tell about it.
func (f flight) seen() sighting {
	vm, _ := f.before.Member(f.via)
	s := sighting{lead: vm.Leader}
	s.led = f.via != "" && s.lead == f.via
	s.noQuorum = !f.before.HasQuorum || !f.after.HasQuorum
	for _, e := range f.events {
		down := downVerb(e.Kind)
		switch {
		case down != "" && f.via != "" && e.Member == f.via:
			s.viaDown = down
		case down != "" && s.lead != "" && e.Member == s.lead:
			s.leadDown = down
		case e.Kind == cluster.LeaderLost || e.Kind == cluster.LeaderChanged:
			s.changed = true
		case e.Kind == cluster.QuorumLost:
			s.noQuorum = true
		case e.Kind == cluster.Partitioned:
			s.partitioned = true
		}
	}
	return s
}

// cutOff reports whether the named member was cut off from a quorum when
// the write was sent, or by a partition while it was in flight.
func (f flight) cutOff(what sighting, name string) bool {
	return name != "" && (f.before.CutOff(name) || what.partitioned && f.after.CutOff(name))
}

// member says what befell the member that took the write or the leader it
// followed, or "" if nothing did.
func (f flight) member(what sighting) string {
	n, lead := f.w.noun, what.lead
	lm, _ := f.before.Member(lead)
	switch {
	case what.viaDown != "" && what.led:
		return fmt.Sprintf("%s, the leader, %s while this %s was in flight; the next leader commits an entry the old one had replicated to it, and the rest is lost", f.via, what.viaDown, n)
	case what.viaDown != "":
		return fmt.Sprintf("%s, which took this %s, %s while it was in flight; it may already have forwarded it to the leader", f.via, n, what.viaDown)
	case what.leadDown != "":
		return fmt.Sprintf("%s, the leader, %s while this %s was in flight; etcd drops a forwarded proposal with its leader, unless that leader had already replicated it", lead, what.leadDown, n)
	case lead != "" && !what.led && !lm.State.Running():
		return fmt.Sprintf("%s still followed %s, already %s when this %s was sent (a follower notices only after an election timeout); a proposal forwarded to a leader that is gone is dropped, but without an answer a client cannot tell that from a slow commit",
			f.via, lead, lm.State, n)
	case what.led && f.cutOff(what, f.via):
		return fmt.Sprintf("%s still led but was cut off from a quorum; it appended this %s to its log, uncommitted: it commits only if %s reaches a quorum again before another leader overwrites it", f.via, n, f.via)
	case f.cutOff(what, f.via):
		return fmt.Sprintf("%s was cut off from the leader; a follower forwards a proposal to the leader it knows, which it cannot reach, or holds it until it knows one", f.via)
	case !what.led && f.cutOff(what, lead):
		return fmt.Sprintf("%s still followed %s, cut off from a quorum; a proposal a cut-off leader takes stays uncommitted, and is overwritten once the majority elects another leader", f.via, lead)
	case !what.led && lead != "" && linkCut(f.before, lead, f.via):
		return fmt.Sprintf("%s still followed %s but no longer heard it (%s -> %s is cut); it forwarded this %s over the link that works, where %s may commit it, and answers only once it applies it, which it cannot", f.via, lead, lead, f.via, n, lead)
	case !what.led && lead != "" && linkCut(f.before, f.via, lead):
		return fmt.Sprintf("%s forwarded this %s to %s, its leader, over a cut link (%s -> %s), where it was lost; nothing sends it again", f.via, n, lead, f.via, lead)
	}
	return ""
}

// linkCut reports whether st shows the link from -> to cut.
func linkCut(st cluster.Status, from, to string) bool {
	for _, r := range st.Rules {
		if r.From == from && r.To == to && r.Cut {
			return true
		}
	}
	return false
}
