package trace

import (
	"reflect"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
)

// TestReadWithoutNet reads a trace as etcdlab wrote it before it recorded
// the network: its samples read, with no network.
func TestReadWithoutNet(t *testing.T) {
	old := `{"format":"etcdlab-trace","version":1,"etcdlab":"v0.4.0","etcd":"3.7.3","mode":"run","members":1,"start":"2026-11-30T00:38:01.123456Z"}
{"t":80000,"type":"sample","at":80000,"status":{"time":79000,"voters":1,"running":1,"learners":0,"learners_running":0,"quorum":1,"reachable":1,"has_quorum":true,"tolerates":0,"leader":"etcd1","term":2,"revision":1,"n":1,"members":[{"i":0,"name":"etcd1","id":"8e9e05c52164694d","client":"http://127.0.0.1:2379","peer":"http://127.0.0.1:2380","state":"up","role":"leader","learner":false,"term":2,"lead":"8e9e05c52164694d","leader":"etcd1","commit":4,"applied":4,"rev":1,"db":20480,"cut":null}]}}
{"t":1080000,"type":"sample","at":1080000,"status":{"time":1079000}}
{"t":1100000,"type":"stop"}
`
	tr, err := Read(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Notice != "" || len(tr.Records) != 3 {
		t.Fatalf("%d records, notice %q", len(tr.Records), tr.Notice)
	}
	for i, r := range tr.Records[:2] {
		s := r.Body.(Sample)
		if s.Status == nil || s.Status.Leader != "etcd1" || s.Net != nil {
			t.Errorf("sample %d: status %+v, net %+v", i, s.Status, s.Net)
		}
	}
}

// TestNetCarriesChanges checks that a network sample writes only the
// links that changed, that a count gone to zero reads back as zero, that
// a kind of message a newer etcdlab counts reads as "other", and that
// NetDue takes a sample in when a rule changes or a second has passed.
func TestNetCarriesChanges(t *testing.T) {
	quiet, faulty := netAt(10, false), netAt(10.1, true)
	buf, added := write(t, []Record{
		{at(10), Sample{Net: quiet}},
		{at(10.1), Sample{Net: faulty}},
	})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	// The second sample: the faults on etcd1's two links and what they
	// stopped, and the bytes of the others; not the links' names.
	second := lines[2]
	for _, want := range []string{`"time":10100000`, `"cut":true`, `"delay":50000,"drops":4`, `"jitter":20000`, `"loss":12.5`, `"msgs":{},"refused":3`, `"streams":0`} {
		if !strings.Contains(second, want) {
			t.Errorf("the second sample lacks %s:\n%s", want, second)
		}
	}
	for _, not := range []string{`"from"`, `"to"`, `"n":`, `{"beats":1`} {
		if strings.Contains(second, not) {
			t.Errorf("the second sample repeats %s:\n%s", not, second)
		}
	}
	if got := added[1].Body.(Sample).Net; !reflect.DeepEqual(got, normalize(Record{Body: Sample{Net: faulty}}).Body.(Sample).Net) {
		t.Errorf("the second network reads back as\n%+v", got)
	}

	newer := lines[0] + "\n" + lines[1] + "\n" + `{"t":10200000,"type":"sample","net":{"time":10200000,"links":[{"i":0,"msgs":{"MsgHeartbeat":10,"MsgFutureKind":3}}]}}` + "\n"
	tr, err := Read(strings.NewReader(newer))
	if err != nil {
		t.Fatal(err)
	}
	l := tr.Records[1].Body.(Sample).Net.Links[0]
	if l.LastSecond.Messages[network.KindOther] != 3 || l.LastSecond.Messages[network.KindApp] != 0 || l.LastSecond.Total() != 13 {
		t.Errorf("a link with a newer kind reads as %+v", l.LastSecond)
	}

	for _, c := range []struct {
		prev *cluster.NetStats
		now  *cluster.NetStats
		due  bool
	}{
		{nil, quiet, true},
		{quiet, netAt(10.5, false), false},
		{quiet, netAt(11, false), true},
		{quiet, faulty, true},
	} {
		if got := NetDue(c.prev, *c.now); got != c.due {
			t.Errorf("NetDue after %v at %v: %v, want %v", c.prev != nil, c.now.Time.Sub(t0), got, c.due)
		}
	}
}

// TestEmptiedFieldReadsEmpty checks the delta of a struct whose fields
// are left out when empty: a field that became empty is written as null
// and reads back empty, whatever its type.
func TestEmptiedFieldReadsEmpty(t *testing.T) {
	type v struct {
		List []string `json:"list,omitempty"`
		N    uint64   `json:"n,omitempty"`
		P    *int     `json:"p,omitempty"`
		S    string   `json:"s"`
	}
	one := 1
	full, err := fieldsOf(v{List: []string{"a"}, N: 3, P: &one, S: "x"})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := fieldsOf(v{S: "x"})
	if err != nil {
		t.Fatal(err)
	}
	d := empty.changes(full)
	if len(d) != 3 || string(d["list"]) != "null" || string(d["n"]) != "null" || string(d["p"]) != "null" {
		t.Fatalf("the change to empty is %v", d)
	}
	got := v{List: []string{"a"}, N: 3, P: &one, S: "x"}
	if err := d.onto(&got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v{S: "x"}) {
		t.Errorf("read back as %+v, want only S", got)
	}
}
