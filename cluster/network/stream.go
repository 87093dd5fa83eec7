package network

import (
	"context"
	"io"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
)

// A rafthttp stream is a long-lived GET that member A opens at member B's
// peer URL, /raft/stream/msgapp/<A> or /raft/stream/message/<A>; B writes
// its messages for A into the response. So in B's relay a stream carries
// the link B -> A. The relay reads the response frame by frame and writes
// every frame it keeps whole. It flushes when its input is drained: before
// each read from the member, which may block, and before its writer waits
// for a queued frame's time or for the next one. A frame left in a buffer
// while the relay waits would stall the receiver (an unflushed msgapp
// stream stalls commits for seconds); frames that arrived together go out
// together, in one write.
//
// A cut closes the stream between two frames and refuses new ones, so the
// reader sees a clean end and reconnects later with a fresh decoder. Loss
// skips single frames (msgappv2 frames are re-encoded after a skip; see
// msgappv2.go). Delay queues frames for a writer goroutine that releases
// each at its time, in order.

const (
	queueLen   = 4096     // frames a stream queues at most: rafthttp's streamBufSize
	queueBytes = 64 << 20 // bytes a stream queues at most before it stops reading
)

// stream is one relayed stream.
type stream struct {
	l             *link // nil when the reader is unknown
	ctx           context.Context
	cancel        context.CancelFunc
	n             *Network
	w             http.ResponseWriter
	rc            *http.ResponseController
	app           *appWriter // msgappv2 streams only
	local, remote uint64     // reader and writer IDs
	typ           string     // "msgapp" or "message"

	mu      sync.Mutex // serializes writes
	dirty   bool       // written and not yet flushed; guarded by mu
	queue   chan queued
	pending atomic.Int32 // frames queued and not yet written
	bytes   atomic.Int64 // bytes queued and not yet written
	space   chan struct{}
	wdone   chan struct{}
}

type queued struct {
	f  frame
	at time.Time
}

// close ends the stream between two frames.
func (s *stream) close() { s.cancel() }

// parseStreamPath returns a stream's type ("msgapp" or "message") and its
// reader's ID from /raft/stream/<type>/<id>.
func parseStreamPath(p string) (string, types.ID, bool) {
	typ := path.Base(path.Dir(p))
	if path.Dir(path.Dir(p)) != "/raft/stream" || (typ != "msgapp" && typ != "message") {
		return "", 0, false
	}
	id, err := types.IDFromString(path.Base(p))
	return typ, id, err == nil
}

// serveStream relays one stream GET.
func (r *relay) serveStream(w http.ResponseWriter, req *http.Request) {
	typ, readerID, ok := parseStreamPath(req.URL.Path)
	if !ok {
		r.forward(w, req, nil, 0)
		return
	}
	r.n.mu.RLock()
	reader := r.n.byID(readerID)
	r.n.mu.RUnlock()
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	s := &stream{
		l: r.n.link(r.m, reader), ctx: ctx, cancel: cancel, n: r.n, w: w,
		rc: http.NewResponseController(w), local: uint64(readerID), remote: uint64(r.m.id), typ: typ,
	}
	if s.l == nil {
		r.n.other.count(req, 0)
	} else {
		if !s.l.attach(s) {
			s.l.meter.refuse(time.Now(), 1)
			hangUp(w)
			return
		}
		defer s.l.detach(s)
	}
	resp, err := r.upstream(req.WithContext(ctx), nil, 0)
	if err != nil {
		hangUp(w)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		copyResponse(w, resp)
		return
	}
	copyHeader(w.Header(), resp.Header)
	w.WriteHeader(http.StatusOK)
	if s.rc.Flush() != nil {
		return
	}
	var dec frameReader
	in := flushBeforeRead{r: resp.Body, s: s}
	if typ == "msgapp" {
		dec, s.app = newAppReader(in, s.local, s.remote), &appWriter{}
	} else {
		dec = newMessageReader(in)
	}
	s.run(dec)
}

// run relays frames until the member ends the stream, the reader goes away
// or a cut closes it.
func (s *stream) run(dec frameReader) {
	for {
		f, err := dec.next()
		if err != nil || !s.relay(f) {
			break
		}
	}
	if s.wdone == nil {
		return
	}
	if s.ctx.Err() == nil {
		// The member ended the stream: what it sent is still delivered.
		close(s.queue)
	}
	<-s.wdone
	if n := s.pending.Load(); n > 0 && s.l != nil && s.l.current().Cut {
		s.l.meter.refuse(time.Now(), int(n))
	}
}

// relay applies the link's rule to one frame. It reports whether to go on.
func (s *stream) relay(f frame) bool {
	if s.n.capture != nil {
		s.n.capture(s, s.typ, f.raw)
	}
	if s.l == nil {
		return s.deliver(f, time.Time{})
	}
	now := time.Now()
	s.n.progress.sent(s.l, f.h, now)
	r := s.l.current()
	switch {
	case r.Cut:
		s.cancel() // nothing more crosses, not even what is queued
		return false
	case !f.h.linkHeartbeat && s.l.lose(r):
		s.l.meter.drop(now)
		return true
	}
	return s.deliver(f, s.l.releaseAt(now, r))
}

// deliver writes f now, or queues it for the writer goroutine when it must
// wait or frames are waiting before it.
func (s *stream) deliver(f frame, at time.Time) bool {
	if at.IsZero() && s.pending.Load() == 0 {
		return s.write(f) == nil
	}
	if s.wdone == nil {
		s.queue, s.wdone, s.space = make(chan queued, queueLen), make(chan struct{}), make(chan struct{}, 1)
		go s.writeLoop()
	}
	// Beyond queueBytes, stop reading: the member's writes back up, as on
	// a slow network, instead of this process's memory.
	for s.bytes.Load() > queueBytes {
		select {
		case <-s.space:
		case <-s.ctx.Done():
			return false
		}
	}
	f.raw = append([]byte(nil), f.raw...)
	s.pending.Add(1)
	s.bytes.Add(int64(len(f.raw)))
	select {
	case s.queue <- queued{f: f, at: at}:
		return true
	case <-s.ctx.Done():
		s.pending.Add(-1)
		return false
	}
}

// written releases a written frame's place in the queue.
func (s *stream) written(f frame) {
	s.pending.Add(-1)
	s.bytes.Add(-int64(len(f.raw)))
	select {
	case s.space <- struct{}{}:
	default:
	}
}

func (s *stream) writeLoop() {
	defer close(s.wdone)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		var q queued
		var ok bool
		if len(s.queue) == 0 && s.flush() != nil {
			s.cancel()
			return
		}
		select {
		case q, ok = <-s.queue:
			if !ok {
				return
			}
		case <-s.ctx.Done():
			return
		}
		if d := time.Until(q.at); d > 0 {
			if s.flush() != nil {
				s.cancel()
				return
			}
			t.Reset(d)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				return
			}
		}
		err := s.write(q.f)
		s.written(q.f)
		if err != nil {
			s.cancel()
			return
		}
	}
}

// write writes one whole frame to the reader; flush sends it on.
func (s *stream) write(f frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := f.raw
	if s.app != nil {
		var err error
		if out, err = s.app.pass(f, s.local, s.remote); err != nil {
			return err
		}
	}
	s.dirty = true
	if _, err := s.w.Write(out); err != nil {
		return err
	}
	if s.l != nil {
		now := time.Now()
		s.l.meter.message(now, KindOf(f.h.Type), f.h.linkHeartbeat, len(out))
		s.n.progress.received(s.l, f.h, now)
	}
	return nil
}

// flush sends on what was written and not yet flushed.
func (s *stream) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	s.dirty = false
	return s.rc.Flush()
}

// flushBeforeRead is a stream's input from the member. It flushes the
// stream before every read, which may block: the bufio.Reader that decodes
// frames reads only when the frames it holds are used up, so frames that
// arrived together are flushed together, and none waits in a buffer while
// the relay waits for the member.
type flushBeforeRead struct {
	r io.Reader
	s *stream
}

func (f flushBeforeRead) Read(p []byte) (int, error) {
	if err := f.s.flush(); err != nil {
		return 0, err
	}
	return f.r.Read(p)
}
