package network

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// streamBatches returns what a member writes on a stream of typ from
// remote to local, in batches: each batch is written at once and flushed,
// then the member waits.
func streamBatches(typ string, local, remote uint64) [][]byte {
	app := func(term, index uint64, commit uint64, data ...string) *raftpb.Message {
		m := &raftpb.Message{
			Type: raftpb.MsgApp.Enum(), From: proto.Uint64(remote), To: proto.Uint64(local),
			Term: proto.Uint64(term), LogTerm: proto.Uint64(term), Index: proto.Uint64(index), Commit: proto.Uint64(commit),
		}
		for i, d := range data {
			m.Entries = append(m.Entries, &raftpb.Entry{Term: proto.Uint64(term), Index: proto.Uint64(index + 1 + uint64(i)), Data: []byte(d)})
		}
		return m
	}
	msgs := [][]*raftpb.Message{
		{app(2, 10, 10, "a"), app(2, 11, 10, "b", "c"), app(2, 13, 13)},
		{app(2, 13, 13, "d")},
		{app(2, 14, 14)},
	}
	var w appWriter
	out := make([][]byte, len(msgs))
	for i, batch := range msgs {
		for _, m := range batch {
			if typ == "msgapp" {
				out[i] = w.appendFrame(out[i], m)
				continue
			}
			out[i] = binary.BigEndian.AppendUint64(out[i], uint64(proto.Size(m)))
			out[i] = mustAppend(out[i], m)
		}
	}
	return out
}

// TestStreamFlushesWhenDrained stands in for a member that writes a batch
// of frames on a stream and then waits, as a leader does between
// proposals: the reader must get every frame of the batch while the member
// waits. The relay writes frames without flushing each and flushes when
// its input is drained; a frame left in its buffer here would wait for
// ever (in a cluster, an unflushed msgapp stream stalled commits for
// seconds). With a delay on the link, the relay's writer must flush before
// it waits too.
func TestStreamFlushesWhenDrained(t *testing.T) {
	for _, typ := range []string{"message", "msgapp"} {
		for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
			t.Run(fmt.Sprintf("%s delay %s", typ, delay), func(t *testing.T) {
				testStreamFlushes(t, typ, delay)
			})
		}
	}
}

func testStreamFlushes(t *testing.T, typ string, delay time.Duration) {
	net := newTestNetwork(t, 2)
	reader, writer := net.members[0], net.members[1]
	if delay > 0 {
		if err := net.Delay(writer.name, reader.name, delay, 0); err != nil {
			t.Fatal(err)
		}
	}
	batches := streamBatches(typ, uint64(reader.id), uint64(writer.id))
	next, done := make(chan struct{}), make(chan struct{})
	member := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for _, b := range batches {
			w.Write(b)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-done:
				return
			}
		}
		<-done
	}))
	t.Cleanup(member.Close)
	t.Cleanup(func() { close(done) })
	u, _ := url.Parse(member.URL)
	if err := net.SetTarget(writer.name, *u); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/raft/stream/%s/%s", writer.advertise.String(), typ, reader.id), nil)
	req.Header.Set("X-Server-From", reader.id.String())
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream answered %s", resp.Status)
	}
	for i, want := range batches {
		got := make(chan error, 1)
		go func() {
			buf := make([]byte, len(want))
			_, err := io.ReadFull(resp.Body, buf)
			if err == nil && string(buf) != string(want) {
				err = fmt.Errorf("got %x, want %x", buf, want)
			}
			got <- err
		}()
		// The member waits until the test reads the batch: a frame the
		// relay does not flush never arrives. 5 s is far beyond a
		// loopback hop (and the delay) and only bounds the failure.
		select {
		case err := <-got:
			if err != nil {
				t.Fatalf("batch %d: %v", i, err)
			}
		case <-time.After(5 * time.Second):
			cancel()
			<-got
			t.Fatalf("batch %d of %d bytes did not reach the reader while the member waited: the relay left it unflushed", i, len(want))
		}
		if i < len(batches)-1 {
			next <- struct{}{}
		}
	}
	if l, _ := net.Stats().Link(writer.name, reader.name); l.Total.Total() != 5 {
		t.Errorf("%s delivered %d messages, want 5", l.Link, l.Total.Total())
	}
}
