package trace

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
	"github.com/etcdlab/etcdlab/internal/testutil"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
)

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

// t0 is the start of the traces of these tests; the bodies' times carry a
// monotonic reading, as live ones do.
var t0 = time.Now()

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func member(i int, state cluster.State, role cluster.Role, commit uint64, cut ...string) cluster.MemberStatus {
	name := "etcd" + string(rune('1'+i))
	return cluster.MemberStatus{Name: name, ID: 0x8e9e05c52164694d + uint64(i), ClientURL: "http://127.0.0.1:2379", PeerURL: "http://127.0.0.1:2380",
		State: state, Role: role, Term: 2, Lead: 0x8e9e05c52164694d, Leader: "etcd1", Committed: commit, Applied: commit, Revision: int64(commit), DBSize: 20480, Cut: cut}
}

func status(s float64, ms ...cluster.MemberStatus) *cluster.Status {
	return &cluster.Status{Time: at(s), Members: ms, Voters: len(ms), Running: len(ms), Quorum: len(ms)/2 + 1,
		Reachable: len(ms), HasQuorum: true, Tolerates: 1, Leader: "etcd1", Term: 2, Revision: 9}
}

// loadAt is a load that has run from 1s until s, one sample a second,
// keeping the last 5 as LoadStats keeps its last minute.
func loadAt(s float64) workload.LoadStats {
	st := workload.LoadStats{Running: true, Started: at(1), Clients: 4, Rate: 100, Ops: int64(s * 100)}
	for k := 2.0; k <= s; k++ {
		st.Samples = append(st.Samples, workload.LoadSample{Time: at(k), Ops: 100, P50: 1500 * time.Microsecond, P99: 9 * time.Millisecond})
	}
	if len(st.Samples) > 5 {
		st.Samples = st.Samples[len(st.Samples)-5:]
	}
	st.Marks = []workload.LoadMark{{Time: at(1.5), Kind: cluster.MemberKilled, Member: "etcd2", Text: "etcd2 was killed"}}
	st.Outages = []workload.Outage{{Fault: "etcd2 was killed", Start: at(1.5), Length: time.Duration(s * float64(time.Second) / 4), Open: s < 4}}
	st.Longest = st.Outages[0]
	return st
}

// netAt is the network of three members at s: etcd1 leads, and with
// faults etcd1 -> etcd2 is cut and etcd1 -> etcd3 delayed and lossy.
func netAt(s float64, faults bool) *cluster.NetStats { return netOf(s, 3, faults) }

// netOf is netAt with members members.
func netOf(s float64, members int, faults bool) *cluster.NetStats {
	var names []string
	for i := range members {
		names = append(names, "etcd"+string(rune('1'+i)))
	}
	n := &cluster.NetStats{Time: at(s)}
	for _, from := range names {
		for _, to := range names {
			if from == to {
				continue
			}
			l := network.LinkStats{Link: network.Link{From: from, To: to}, Streams: 2}
			last := &l.LastSecond
			last.Messages[network.KindHeartbeat] = 10
			last.LinkHeartbeats, last.Bytes = 1, uint64(800+100*s)
			if from == "etcd1" {
				last.Messages[network.KindApp] = uint64(40 * s)
			}
			if faults && from == "etcd1" && to == "etcd2" {
				l.Rule, l.Streams, l.LastSecond = network.Rule{Cut: true}, 0, network.Rates{Refused: 3}
			}
			if faults && from == "etcd1" && to == "etcd3" {
				l.Rule = network.Rule{Delay: 50 * time.Millisecond, Jitter: 20 * time.Millisecond, Loss: 12.5}
				last.Drops = 4
			}
			n.Links = append(n.Links, l)
		}
	}
	return n
}

// bodies is a session's worth of records of every type, in order.
func bodies() []Record {
	up := cluster.Up
	recs := []Record{
		{at(0.08), Sample{Tick: true, At: at(0.08)}},
		{at(0.5), Started{At: at(0.01), Conn: lab.Connection{Members: []cluster.Endpoint{{Name: "etcd1", ClientURL: "http://127.0.0.1:2379", PeerURL: "http://127.0.0.1:2380"}},
			Env: []lab.EnvVar{{Name: "ETCDCTL_ENDPOINTS", Value: "127.0.0.1:2379"}}, Python: "etcd3.client()", LogFile: "/tmp/etcd.log"}, Warnings: []string{"warning"}}},
		{at(0.6), Event{cluster.Event{Time: at(0.59), Kind: cluster.LeaderElected, Member: "etcd1", Term: 2, NoLeader: 300 * time.Millisecond, Text: "etcd1 elected"}}},
	}
	for i := range 12 {
		s := 1 + float64(i)*0.5
		ms := []cluster.MemberStatus{member(0, up, cluster.RoleLeader, uint64(10+i)), member(1, up, cluster.RoleFollower, uint64(10+i)), member(2, up, cluster.RoleFollower, 10)}
		switch {
		case i == 4:
			ms[2] = member(2, cluster.Killed, cluster.RoleNone, 0)
		case i > 6:
			ms[1].Cut = []string{"etcd3"}
			ms[1].Lag, ms[0].SentTerm = cluster.Lag{Known: true, Entries: uint64(i)}, 3
			ms[2].Lag = cluster.Lag{Known: true, Snapshot: true}
			ms[0].Lag = cluster.Lag{Known: true, Entries: 20, Unacked: true}
			ms = append(ms, member(3, cluster.Starting, cluster.RoleLearner, 1))
		}
		st := status(s, ms...)
		if i > 6 {
			st.Rules = []cluster.LinkRule{{Link: network.Link{From: "etcd2", To: "etcd3"}, Rule: network.Rule{Cut: true}},
				{Link: network.Link{From: "etcd1", To: "etcd2"}, Rule: network.Rule{Delay: 50 * time.Millisecond, Jitter: time.Millisecond, Loss: 12.5}}}
		}
		var l *Lab
		if i%2 == 0 {
			l = &Lab{At: at(s), Leases: []lab.LeaseInfo{{ID: 0x694d, TTL: 10 * time.Second, Remaining: time.Duration(9-i) * time.Second, Keys: []string{"k"}, KeepAlive: i < 6}},
				Watches: []lab.WatchInfo{{ID: 1, Key: "k", Member: "etcd1", Events: i, NextRev: int64(10 + i)}}, Load: loadAt(s)}
		}
		recs = append(recs, Record{at(s), Sample{Tick: i%3 != 0, At: at(s), Status: st, Lab: l}})
	}
	return append(recs,
		Record{at(7), Notes{Notes: []lab.Note{{Time: at(6.9), Source: "watch 1", Text: "PUT k v"}, {Time: at(7), Source: "lease", Text: "expired"}}}},
		Record{at(7.1), Line{Text: "put k v", From: FromPrompt}},
		Record{at(7.2), Result{Command: "put k v", Name: "put", From: FromPrompt, Result: lab.Result{Lines: []string{"OK"}, Took: 3 * time.Millisecond, Via: "etcd2"}, Start: at(7.197)}},
		Record{at(7.3), Advance{}},
		Record{at(7.4), Result{Command: "expect get k == w", Name: "expect", Line: 4, From: FromScript, Result: lab.Result{Err: errors.New("got v"), Took: time.Millisecond}, Start: at(7.399), Fail: true, RecErr: "cannot write"}},
		Record{at(7.5), Check{Line: 9, Held: true, Result: lab.Result{Lines: []string{"passed: x"}}}},
		Record{at(7.6), Conn{Conn: lab.Connection{Python: "etcd3.client(port=2381)"}}},
		Record{at(7.7), Marked{Err: "disk full"}},
		Record{at(7.72), Sample{Tick: true, At: at(7.72), Status: status(7.72, member(0, up, cluster.RoleLeader, 30)), Net: netAt(7.72, false)}},
		Record{at(7.75), Sample{Tick: true, At: at(7.75), Net: netAt(7.75, true)}},
		Record{at(7.8), Stop{}},
	)
}

// normal is what a record reads back as: every time whole microseconds
// after t0, wall clock only.
func normal(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	start := t0.Round(0).UTC()
	return start.Add(t.Sub(start).Truncate(time.Microsecond))
}

// normalize returns r as it reads back.
func normalize(r Record) Record {
	r.At = normal(r.At)
	switch b := r.Body.(type) {
	case Sample:
		b.At = normal(b.At)
		if b.Status != nil {
			st := *b.Status
			st.Time = normal(st.Time)
			b.Status = &st
		}
		if b.Lab != nil {
			l := *b.Lab
			l.At = normal(l.At)
			l.Load = normalLoad(l.Load)
			b.Lab = &l
		}
		if b.Net != nil {
			n := *b.Net
			n.Time = normal(n.Time)
			b.Net = &n
		}
		r.Body = b
	case Started:
		b.At = normal(b.At)
		r.Body = b
	case Event:
		b.Time = normal(b.Time)
		r.Body = b
	case Notes:
		ns := append([]lab.Note(nil), b.Notes...)
		for i := range ns {
			ns[i].Time = normal(ns[i].Time)
		}
		r.Body = Notes{Notes: ns}
	case Result:
		b.Start = normal(b.Start)
		r.Body = b
	}
	return r
}

func normalLoad(s workload.LoadStats) workload.LoadStats {
	s.Started = normal(s.Started)
	s.Samples = append([]workload.LoadSample{}, s.Samples...)
	for i := range s.Samples {
		s.Samples[i].Time = normal(s.Samples[i].Time)
	}
	s.Marks = append([]workload.LoadMark{}, s.Marks...)
	for i := range s.Marks {
		s.Marks[i].Time = normal(s.Marks[i].Time)
	}
	s.Outages = append([]workload.Outage{}, s.Outages...)
	for i := range s.Outages {
		s.Outages[i].Start = normal(s.Outages[i].Start)
	}
	s.Longest.Start = normal(s.Longest.Start)
	return s
}

// write writes recs to a trace in memory and returns what Add returned.
func write(t *testing.T, recs []Record) (*bytes.Buffer, []Record) {
	t.Helper()
	var buf syncBuffer
	w, err := NewWriter(&buf, Header{Etcdlab: "test", Etcd: "3.7.3", Mode: "dashboard", Members: 3, Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	var got []Record
	for _, r := range recs {
		back, err := w.Add(r.At, r.Body)
		if err != nil {
			t.Fatalf("Add(%T): %v", r.Body, err)
		}
		got = append(got, back)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.bytes(), got
}

// syncBuffer is a buffer the writer's goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) bytes() *bytes.Buffer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.NewBuffer(append([]byte(nil), s.b.Bytes()...))
}

// TestRoundTrip writes records of every type and reads them back: what
// Add returns, what Read returns and the records with their times cut to
// microseconds are the same.
func TestRoundTrip(t *testing.T) {
	recs := bodies()
	buf, added := write(t, recs)
	tr, err := Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Notice != "" || tr.Header.Members != 3 || tr.Header.Format != Format || tr.Header.Version != Version {
		t.Fatalf("header %+v, notice %q", tr.Header, tr.Notice)
	}
	if len(tr.Records) != len(recs) {
		t.Fatalf("read %d records, wrote %d", len(tr.Records), len(recs))
	}
	for i, r := range recs {
		want := normalize(r)
		if !reflect.DeepEqual(added[i], want) {
			t.Errorf("record %d (%s): Add returned\n%+v\nwant\n%+v", i, r.Body.Type(), added[i], want)
		}
		if !reflect.DeepEqual(tr.Records[i], want) {
			t.Errorf("record %d (%s): Read returned\n%+v\nwant\n%+v", i, r.Body.Type(), tr.Records[i], want)
		}
	}
}

// TestSamplesCarryChanges checks that a sample writes only what changed:
// an unchanged status is its time alone, a load's new second is one
// sample added.
func TestSamplesCarryChanges(t *testing.T) {
	ms := []cluster.MemberStatus{member(0, cluster.Up, cluster.RoleLeader, 5), member(1, cluster.Up, cluster.RoleFollower, 5)}
	l := func(s float64) *Lab { return &Lab{At: at(s), Load: loadAt(s)} }
	buf, _ := write(t, []Record{
		{at(10), Sample{Status: status(10, ms...), Lab: l(10)}},
		{at(10.1), Sample{Status: status(10.1, ms...), Lab: l(10.1)}},
		{at(11), Sample{Status: status(11, ms[0], member(1, cluster.Up, cluster.RoleFollower, 6)), Lab: l(11)}},
	})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	for _, c := range []struct {
		line      int
		want, not []string
	}{
		{2, []string{`"status":{"time":10100000}`, `"lab":{"at":10100000,"load":{"longest":`, `"outages":{"drop":1,"add":[`}, []string{`"samples"`, `"members"`}},
		{3, []string{`"members":[{"applied":6,"commit":6,"i":1,"rev":6}]`, `"samples":{"drop":1,"keep":4,"add":[{"time":11000000,`}, []string{`"name"`, `"leases"`}},
	} {
		for _, w := range c.want {
			if !strings.Contains(lines[c.line], w) {
				t.Errorf("line %d lacks %s:\n%s", c.line+1, w, lines[c.line])
			}
		}
		for _, w := range c.not {
			if strings.Contains(lines[c.line], w) {
				t.Errorf("line %d has %s:\n%s", c.line+1, w, lines[c.line])
			}
		}
	}
}

// TestSampleSkipsQuiet checks the headless rule: a sample is written when
// something in it changed, or a second after the last one.
func TestSampleSkipsQuiet(t *testing.T) {
	w, err := NewWriter(nil, Header{Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	ms := []cluster.MemberStatus{member(0, cluster.Up, cluster.RoleLeader, 5)}
	for _, c := range []struct {
		s      float64
		commit uint64
		took   bool
	}{{0.1, 5, true}, {0.2, 5, false}, {0.9, 5, false}, {1.0, 6, true}, {1.5, 6, false}, {2.0, 6, true}, {2.1, 6, false}} {
		st := status(c.s, member(0, cluster.Up, cluster.RoleLeader, c.commit))
		took, err := w.Sample(at(c.s), Sample{At: at(c.s), Status: st, Lab: &Lab{At: at(c.s)}}, time.Second)
		if err != nil || took != c.took {
			t.Errorf("at %.1fs (commit %d): took %v, %v; want %v", c.s, c.commit, took, err, c.took)
		}
	}
	_ = ms
}

// TestReadRefuses checks each bad file's one line, and what a damaged end
// leaves out with a notice.
func TestReadRefuses(t *testing.T) {
	good, _ := write(t, bodies()[:6])
	lines := strings.SplitAfter(good.String(), "\n")
	header, recs := lines[0], strings.Join(lines[1:], "")
	for _, c := range []struct {
		name, file string
		err        string // "" when it reads
		notice     string
		records    int
	}{
		{"empty", "", "t.jsonl is empty: not an etcdlab trace", "", 0},
		{"not json", "hello\n", "t.jsonl is not an etcdlab trace: its first line is not a trace header", "", 0},
		{"other json", `{"a":1}` + "\n", "is not an etcdlab trace", "", 0},
		{"a scenario", "members 3\nkill etcd1\n", "is not an etcdlab trace", "", 0},
		{"newer", strings.Replace(header, `"version":1`, `"version":7`, 1) + recs, "is a trace of format version 7, written by etcdlab test; this etcdlab reads version 1 and older: upgrade etcdlab", "", 0},
		{"no start", strings.Replace(header, `"start":`, `"begun":`, 1), "is damaged: its header needs", "", 0},
		{"header cut", header[:len(header)/2], "is cut off inside its first line", "", 0},
		{"damaged middle", header + lines[1] + "{\"t\":1}\n" + lines[2], "t.jsonl is damaged: line 3 is not a record of an etcdlab trace", "", 0},
		{"time back", header + lines[3] + lines[2], "is before the previous record's", "", 0},
		{"header only", header, "", "", 0},
		{"cut last line", header + recs[:len(recs)-9], "", "its last line was cut off (etcdlab stopped while writing it): replaying the 5 records before it", 5},
		{"unknown types", header + lines[1] + `{"t":100000,"type":"net","links":[]}` + "\n" + lines[2], "", "skipped 1 records of types this etcdlab does not know (net)", 2},
		{"whole", good.String(), "", "", 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.jsonl")
			if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			tr, err := ReadFile(path)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want one line with %q", err, c.err)
				}
				if !strings.HasPrefix(err.Error(), path+" ") {
					t.Errorf("err = %v: it does not name the file first", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tr.Notice, c.notice) || (c.notice == "") != (tr.Notice == "") || len(tr.Records) != c.records {
				t.Fatalf("notice %q, %d records; want %q, %d", tr.Notice, len(tr.Records), c.notice, c.records)
			}
		})
	}
}

// TestWriterFlushes checks that a record reaches the file within a second
// of being added, without Close: what a SIGKILL would leave.
func TestWriterFlushes(t *testing.T) {
	var buf syncBuffer
	w, err := NewWriter(&buf, Header{Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Add(at(1), Stop{}); err != nil {
		t.Fatal(err)
	}
	added := time.Now()
	for !strings.Contains(buf.bytes().String(), `"type":"stop"`) {
		if time.Since(added) > time.Second {
			t.Fatalf("not in the file a second after it was added: %q", buf.bytes())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w.Written() != int64(buf.bytes().Len()) {
		t.Errorf("Written() = %d, the file holds %d", w.Written(), buf.bytes().Len())
	}
}

// BenchmarkSample is what a headless trace costs per sample of 5 members
// under load, every member's indexes moving and the load's minute a
// second longer every 10 samples, and the network of 20 links taken in
// when due (once a second): encoded and kept for the file, not read back
// (Writer.Sample, as Follower samples every 100 ms).
func BenchmarkSample(b *testing.B) {
	w, err := NewWriter(io.Discard, Header{Mode: "serve", Members: 5, Start: t0})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	i := 0
	var net *cluster.NetStats
	for b.Loop() {
		s := 70 + float64(i)*0.1
		ms := make([]cluster.MemberStatus, 5)
		for k := range ms {
			ms[k] = member(k, cluster.Up, cluster.RoleFollower, uint64(1000+i*20))
		}
		ms[0].Role = cluster.RoleLeader
		l := &Lab{At: at(s), Load: loadAt(float64(int(s)))}
		smp := Sample{At: at(s), Status: status(s, ms...), Lab: l}
		if n := netOf(s, 5, false); NetDue(net, *n) {
			smp.Net, net = n, n
		}
		if _, err := w.Sample(at(s), smp, time.Second); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
