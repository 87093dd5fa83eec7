package trace

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead feeds the reader damaged traces: it must read them or refuse
// them with a *ReadError, never panic, and what it reads must encode again.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Mode: "run", Members: 3, Start: t0})
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range bodies() {
		if _, err := w.Add(r.At, r.Body); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	whole := buf.Bytes()
	f.Add(whole)
	for _, n := range []int{0, 10, len(whole) / 3, len(whole) / 2, len(whole) - 7} {
		f.Add(whole[:n])
	}
	f.Add([]byte(`{"format":"etcdlab-trace","version":1,"start":"2026-01-01T00:00:00Z"}` + "\n" + `{"t":1,"type":"sample","status":{"n":2000}}` + "\n"))
	f.Add([]byte(`{"format":"etcdlab-trace","version":1,"start":"2026-01-01T00:00:00Z"}` + "\n" + `{"t":1,"type":"sample","lab":{"load":{"samples":{"drop":5,"keep":-3}}}}` + "\n"))
	f.Add([]byte(`{"format":"etcdlab-trace","version":1,"start":"2026-01-01T00:00:00Z"}` + "\n" + `{"t":1,"type":"sample","net":{"n":2,"links":[{"i":1,"msgs":{"MsgApp":3}},{"i":2}]}}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Read(bytes.NewReader(b))
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *ReadError", err)
			}
			return
		}
		enc := NewEncoder(tr.Header.Start)
		for _, r := range tr.Records {
			if _, err := enc.Encode(r.At, r.Body); err != nil {
				t.Fatalf("a record read does not encode again: %v", err)
			}
		}
	})
}
