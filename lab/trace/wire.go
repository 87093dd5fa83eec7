package trace

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// This file is how each record's values read in JSON: the wire structs
// and their conversions. Times are microseconds since the trace's start,
// durations microseconds, member IDs hex as etcdctl prints them, states,
// roles and event kinds their names.

// clock converts times to and from microseconds since a trace's start.
type clock struct{ start time.Time }

func (c clock) off(t time.Time) int64 { return int64(t.Sub(c.start) / time.Microsecond) }

func (c clock) time(us int64) time.Time { return c.start.Add(dur(us)) }

// offp is off for a time that may be zero, which reads as null.
func (c clock) offp(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := c.off(t)
	return &v
}

func (c clock) timep(us *int64) time.Time {
	if us == nil {
		return time.Time{}
	}
	return c.time(*us)
}

func us(d time.Duration) int64 { return int64(d / time.Microsecond) }

func dur(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// names maps the names of an enum back to its values: every value from 0
// whose String is not the enum's word for an unknown value.
func names[E ~int](unknown string) map[string]E {
	out := map[string]E{}
	for v := E(0); v < 64; v++ {
		if n := fmt.Sprint(v); n != unknown {
			if _, dup := out[n]; !dup {
				out[n] = v
			}
		}
	}
	return out
}

var (
	stateNames = names[cluster.State]("unknown")
	roleNames  = names[cluster.Role]("")
	kindNames  = names[cluster.EventKind]("event")
)

// named returns the value named n, or an error saying what the name is.
func named[E any](table map[string]E, what, n string) (E, error) {
	v, ok := table[n]
	if !ok {
		return v, fmt.Errorf("unknown %s %q", what, n)
	}
	return v, nil
}

func hexID(id uint64) string { return strconv.FormatUint(id, 16) }

func parseID(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("bad member ID %q", s)
	}
	return id, nil
}

// wireMember is one member of a status sample.
type wireMember struct {
	Name    string   `json:"name"`
	ID      string   `json:"id"`
	Client  string   `json:"client"`
	Peer    string   `json:"peer"`
	State   string   `json:"state"`
	Role    string   `json:"role"`
	Learner bool     `json:"learner"`
	Term    uint64   `json:"term"`
	Lead    string   `json:"lead"`
	Leader  string   `json:"leader"`
	Commit  uint64   `json:"commit"`
	Applied uint64   `json:"applied"`
	Rev     int64    `json:"rev"`
	DB      int64    `json:"db"`
	Cut     []string `json:"cut"`
	// Lag is the follower's lag as the relays saw it; absent when unknown.
	Lag *wireLag `json:"lag,omitempty"`
	// SentTerm is the highest term of the Raft messages it sent.
	SentTerm uint64 `json:"sent_term,omitempty"`
}

// wireLag is cluster.Lag when known.
type wireLag struct {
	Entries  uint64 `json:"entries"`
	Snapshot bool   `json:"snapshot,omitempty"`
	Unacked  bool   `json:"unacked,omitempty"`
}

// wireRule is a rule on a directed link; durations in microseconds.
type wireRule struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Cut    bool    `json:"cut,omitempty"`
	Delay  int64   `json:"delay,omitempty"`
	Jitter int64   `json:"jitter,omitempty"`
	Loss   float64 `json:"loss,omitempty"`
}

// wireStatus is a status sample without its members.
type wireStatus struct {
	Time            int64  `json:"time"`
	Voters          int    `json:"voters"`
	Running         int    `json:"running"`
	Learners        int    `json:"learners"`
	LearnersRunning int    `json:"learners_running"`
	Quorum          int    `json:"quorum"`
	Reachable       int    `json:"reachable"`
	HasQuorum       bool   `json:"has_quorum"`
	Tolerates       int    `json:"tolerates"`
	Leader          string `json:"leader"`
	Term            uint64 `json:"term"`
	Revision        int64  `json:"revision"`
	// Rules are the links with a rule (cut, delay, loss).
	Rules []wireRule `json:"rules,omitempty"`
}

func (c clock) status(st *cluster.Status) (wireStatus, []wireMember) {
	ms := make([]wireMember, len(st.Members))
	for i, m := range st.Members {
		ms[i] = wireMember{Name: m.Name, ID: hexID(m.ID), Client: m.ClientURL, Peer: m.PeerURL,
			State: m.State.String(), Role: m.Role.String(), Learner: m.Learner, Term: m.Term,
			Lead: hexID(m.Lead), Leader: m.Leader, Commit: m.Committed, Applied: m.Applied,
			Rev: m.Revision, DB: m.DBSize, Cut: m.Cut, SentTerm: m.SentTerm}
		if m.Lag.Known {
			ms[i].Lag = &wireLag{Entries: m.Lag.Entries, Snapshot: m.Lag.Snapshot, Unacked: m.Lag.Unacked}
		}
	}
	w := wireStatus{Time: c.off(st.Time), Voters: st.Voters, Running: st.Running, Learners: st.Learners,
		LearnersRunning: st.LearnersRunning, Quorum: st.Quorum, Reachable: st.Reachable, HasQuorum: st.HasQuorum,
		Tolerates: st.Tolerates, Leader: st.Leader, Term: st.Term, Revision: st.Revision}
	for _, r := range st.Rules {
		w.Rules = append(w.Rules, wireRule{From: r.From, To: r.To, Cut: r.Cut, Delay: r.Delay.Microseconds(), Jitter: r.Jitter.Microseconds(), Loss: r.Loss})
	}
	return w, ms
}

func (c clock) fromStatus(w wireStatus, ms []wireMember) (*cluster.Status, error) {
	st := &cluster.Status{Time: c.time(w.Time), Members: make([]cluster.MemberStatus, len(ms)),
		Voters: w.Voters, Running: w.Running, Learners: w.Learners, LearnersRunning: w.LearnersRunning,
		Quorum: w.Quorum, Reachable: w.Reachable, HasQuorum: w.HasQuorum, Tolerates: w.Tolerates,
		Leader: w.Leader, Term: w.Term, Revision: w.Revision}
	for _, r := range w.Rules {
		st.Rules = append(st.Rules, cluster.LinkRule{Link: network.Link{From: r.From, To: r.To},
			Rule: network.Rule{Cut: r.Cut, Delay: time.Duration(r.Delay) * time.Microsecond, Jitter: time.Duration(r.Jitter) * time.Microsecond, Loss: r.Loss}})
	}
	for i, m := range ms {
		state, err := named(stateNames, "member state", m.State)
		if err != nil {
			return nil, err
		}
		role, err := named(roleNames, "role", m.Role)
		if err != nil {
			return nil, err
		}
		id, err := parseID(m.ID)
		if err != nil {
			return nil, err
		}
		lead, err := parseID(m.Lead)
		if err != nil {
			return nil, err
		}
		st.Members[i] = cluster.MemberStatus{Name: m.Name, ID: id, ClientURL: m.Client, PeerURL: m.Peer,
			State: state, Role: role, Learner: m.Learner, Term: m.Term, Lead: lead, Leader: m.Leader,
			Committed: m.Commit, Applied: m.Applied, Revision: m.Rev, DBSize: m.DB, Cut: m.Cut, SentTerm: m.SentTerm}
		if m.Lag != nil {
			st.Members[i].Lag = cluster.Lag{Known: true, Entries: m.Lag.Entries, Snapshot: m.Lag.Snapshot, Unacked: m.Lag.Unacked}
		}
	}
	return st, nil
}

// wireLab is a sample of the lab without its load.
type wireLab struct {
	At      int64       `json:"at"`
	Leases  []wireLease `json:"leases"`
	Watches []wireWatch `json:"watches"`
}

type wireLease struct {
	ID        int64    `json:"id"`
	TTL       int64    `json:"ttl"`
	Remaining int64    `json:"remaining"`
	Keys      []string `json:"keys"`
	KeepAlive bool     `json:"keep_alive"`
}

type wireWatch struct {
	ID      int    `json:"id"`
	Key     string `json:"key"`
	Member  string `json:"member"`
	Events  int    `json:"events"`
	NextRev int64  `json:"next_rev"`
	Down    string `json:"down"`
}

// wireLoad is the load's statistics without their lists.
type wireLoad struct {
	Running       bool        `json:"running"`
	Started       *int64      `json:"started"`
	Clients       int         `json:"clients"`
	Rate          int         `json:"rate"`
	Longest       *wireOutage `json:"longest"`
	Ops           int64       `json:"ops"`
	Errors        int64       `json:"errors"`
	Recorded      int         `json:"recorded"`
	HistoryFull   bool        `json:"history_full"`
	FailedWrites  int         `json:"failed_writes"`
	AppliedAnyway int         `json:"applied_anyway"`
}

type wireLoadSample struct {
	Time   int64 `json:"time"`
	Ops    int   `json:"ops"`
	Errors int   `json:"errors"`
	P50    int64 `json:"p50"`
	P99    int64 `json:"p99"`
}

type wireMark struct {
	Time   int64  `json:"time"`
	Kind   string `json:"kind"`
	Member string `json:"member"`
	Text   string `json:"text"`
}

type wireOutage struct {
	Fault  string `json:"fault"`
	Start  *int64 `json:"start"`
	Length int64  `json:"length"`
	Open   bool   `json:"open"`
}

func (c clock) lab(l *Lab) wireLab {
	w := wireLab{At: c.off(l.At), Leases: make([]wireLease, len(l.Leases)), Watches: make([]wireWatch, len(l.Watches))}
	for i, x := range l.Leases {
		w.Leases[i] = wireLease{ID: int64(x.ID), TTL: us(x.TTL), Remaining: us(x.Remaining), Keys: x.Keys, KeepAlive: x.KeepAlive}
	}
	for i, x := range l.Watches {
		w.Watches[i] = wireWatch(x)
	}
	return w
}

func (c clock) fromLab(w wireLab) *Lab {
	l := &Lab{At: c.time(w.At), Leases: make([]lab.LeaseInfo, len(w.Leases)), Watches: make([]lab.WatchInfo, len(w.Watches))}
	for i, x := range w.Leases {
		l.Leases[i] = lab.LeaseInfo{ID: clientv3.LeaseID(x.ID), TTL: dur(x.TTL), Remaining: dur(x.Remaining), Keys: x.Keys, KeepAlive: x.KeepAlive}
	}
	for i, x := range w.Watches {
		l.Watches[i] = lab.WatchInfo(x)
	}
	return l
}

func (c clock) load(s workload.LoadStats) wireLoad {
	w := wireLoad{Running: s.Running, Started: c.offp(s.Started), Clients: s.Clients, Rate: s.Rate,
		Ops: s.Ops, Errors: s.Errors, Recorded: s.Recorded, HistoryFull: s.HistoryFull,
		FailedWrites: s.FailedWrites, AppliedAnyway: s.AppliedAnyway}
	if s.Longest != (workload.Outage{}) {
		o := c.outage(s.Longest)
		w.Longest = &o
	}
	return w
}

func (c clock) fromLoad(w wireLoad) workload.LoadStats {
	s := workload.LoadStats{Running: w.Running, Started: c.timep(w.Started), Clients: w.Clients, Rate: w.Rate,
		Ops: w.Ops, Errors: w.Errors, Recorded: w.Recorded, HistoryFull: w.HistoryFull,
		FailedWrites: w.FailedWrites, AppliedAnyway: w.AppliedAnyway}
	if w.Longest != nil {
		s.Longest = c.fromOutage(*w.Longest)
	}
	return s
}

func (c clock) outage(o workload.Outage) wireOutage {
	return wireOutage{Fault: o.Fault, Start: c.offp(o.Start), Length: us(o.Length), Open: o.Open}
}

func (c clock) fromOutage(w wireOutage) workload.Outage {
	return workload.Outage{Fault: w.Fault, Start: c.timep(w.Start), Length: dur(w.Length), Open: w.Open}
}

func (c clock) loadSample(s workload.LoadSample) wireLoadSample {
	return wireLoadSample{Time: c.off(s.Time), Ops: s.Ops, Errors: s.Errors, P50: us(s.P50), P99: us(s.P99)}
}

func (c clock) fromLoadSample(w wireLoadSample) workload.LoadSample {
	return workload.LoadSample{Time: c.time(w.Time), Ops: w.Ops, Errors: w.Errors, P50: dur(w.P50), P99: dur(w.P99)}
}

func (c clock) mark(m workload.LoadMark) wireMark {
	return wireMark{Time: c.off(m.Time), Kind: m.Kind.String(), Member: m.Member, Text: m.Text}
}

func (c clock) fromMark(w wireMark) (workload.LoadMark, error) {
	k, err := named(kindNames, "event kind", w.Kind)
	return workload.LoadMark{Time: c.time(w.Time), Kind: k, Member: w.Member, Text: w.Text}, err
}

// wireEvent is an event record.
type wireEvent struct {
	Time     int64  `json:"time"`
	Kind     string `json:"kind"`
	Member   string `json:"member,omitempty"`
	Term     uint64 `json:"term,omitempty"`
	NoLeader int64  `json:"no_leader,omitempty"`
	Text     string `json:"text"`
}

type wireNote struct {
	Time   int64  `json:"time"`
	Source string `json:"source"`
	Text   string `json:"text"`
}

type wireNotes struct {
	Notes []wireNote `json:"notes"`
}

type wireLine struct {
	Text string `json:"text"`
	From string `json:"from"`
}

// wireOutcome is a command's lab.Result; a nil Err is success.
type wireOutcome struct {
	Lines []string `json:"lines,omitempty"`
	Err   *string  `json:"err,omitempty"`
	Took  int64    `json:"took"`
	Via   string   `json:"via,omitempty"`
}

func outcome(r lab.Result) wireOutcome {
	w := wireOutcome{Lines: r.Lines, Took: us(r.Took), Via: r.Via}
	if r.Err != nil {
		s := r.Err.Error()
		w.Err = &s
	}
	return w
}

func (w wireOutcome) result() lab.Result {
	r := lab.Result{Lines: w.Lines, Took: dur(w.Took), Via: w.Via}
	if w.Err != nil {
		r.Err = errors.New(*w.Err)
	}
	return r
}

type wireResult struct {
	Command string `json:"cmd"`
	Name    string `json:"name"`
	Line    int    `json:"line,omitempty"`
	From    string `json:"from"`
	wireOutcome
	Start  int64  `json:"start"`
	Fail   bool   `json:"fail,omitempty"`
	RecErr string `json:"rec_err,omitempty"`
}

type wireCheck struct {
	Line int  `json:"line"`
	Held bool `json:"held"`
	wireOutcome
}

type wireEndpoint struct {
	Name   string `json:"name"`
	Client string `json:"client"`
	Peer   string `json:"peer"`
}

type wireEnv struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type wireConn struct {
	Members []wireEndpoint `json:"members"`
	Env     []wireEnv      `json:"env"`
	Python  string         `json:"python"`
	LogFile string         `json:"log_file,omitempty"`
}

func conn(c lab.Connection) wireConn {
	w := wireConn{Python: c.Python, LogFile: c.LogFile}
	for _, m := range c.Members {
		w.Members = append(w.Members, wireEndpoint{Name: m.Name, Client: m.ClientURL, Peer: m.PeerURL})
	}
	for _, e := range c.Env {
		w.Env = append(w.Env, wireEnv(e))
	}
	return w
}

func (w wireConn) conn() lab.Connection {
	c := lab.Connection{Python: w.Python, LogFile: w.LogFile}
	for _, m := range w.Members {
		c.Members = append(c.Members, cluster.Endpoint{Name: m.Name, ClientURL: m.Client, PeerURL: m.Peer})
	}
	for _, e := range w.Env {
		c.Env = append(c.Env, lab.EnvVar(e))
	}
	return c
}

type wireStarted struct {
	At       int64    `json:"at"`
	Conn     wireConn `json:"conn"`
	Warnings []string `json:"warnings,omitempty"`
}

type wireConnRecord struct {
	Conn wireConn `json:"conn"`
}

type wireMarked struct {
	Err string `json:"err,omitempty"`
}
