package lab

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	parse := func(line string) *Command {
		t.Helper()
		c, err := Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var b strings.Builder
	r := NewRecorder(&b, 3, t0)
	steps := []struct {
		line  string
		at    time.Duration
		took  time.Duration
		err   error
		lines []string
	}{
		{line: "put a 1", at: 20 * time.Millisecond, took: 10 * time.Millisecond},
		{line: "kill etcd1", at: 2*time.Second + 40*time.Millisecond, took: 5 * time.Millisecond},
		{line: "kill etcd1", at: 2500 * time.Millisecond, err: errors.New("cannot kill etcd1: it is already killed\nsecond line")},
		{line: "put b 'two words' # a comment", at: 2600 * time.Millisecond, err: errors.New("no answer within 2s")},
		{line: "expect leader etcd9", at: 2650 * time.Millisecond, err: errors.New("no member named etcd9")},
		{line: "restart etcd1", at: 4 * time.Second, took: 700 * time.Millisecond},
		{line: "get a", at: 4750 * time.Millisecond},
	}
	for _, s := range steps {
		if err := r.Record(parse(s.line), Result{Err: s.err, Took: s.took, Lines: s.lines}, t0.Add(s.at)); err != nil {
			t.Fatal(err)
		}
	}
	want := `# recorded by etcdlab; replay with: etcdlab run FILE
members 3
put a 1
sleep 2s
kill etcd1
sleep 400ms
# kill etcd1  (failed: cannot kill etcd1: it is already killed)
sleep 100ms
put b 'two words'
# expect leader etcd9  (failed: no member named etcd9)
sleep 1.3s
restart etcd1
get a
`
	if got := b.String(); got != want {
		t.Fatalf("recording:\n%s\nwant:\n%s", got, want)
	}
	s, errs := ParseScript(b.String())
	if len(errs) > 0 {
		t.Fatalf("the recording does not parse: %v", errs)
	}
	if s.Members != 3 || len(s.Commands) != 9 {
		t.Fatalf("parsed members %d and %d commands, want 3 and 9", s.Members, len(s.Commands))
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRecorderWriteError(t *testing.T) {
	r := NewRecorder(failWriter{}, 3, time.Now())
	c, _ := Parse("put a 1")
	if err := r.Record(c, Result{}, time.Now()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Record = %v, want the write error", err)
	}
}
