package network

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
)

// This file forwards HTTP requests from a relay to its member and answers
// for the relay when it must.

var errNoTarget = errors.New("its listen address is not known yet (it has not started)")

// upstream sends req's method, path, query and headers, with body, to the
// member's real listen URL. It is cancelled with req.
func (r *relay) upstream(req *http.Request, body io.Reader, length int64) (*http.Response, error) {
	t := r.m.target.Load()
	if t == nil {
		return nil, errNoTarget
	}
	u := *t
	u.Path, u.RawPath, u.RawQuery = req.URL.Path, req.URL.RawPath, req.URL.RawQuery
	out, err := http.NewRequestWithContext(req.Context(), req.Method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if body != nil && length != 0 {
		out.Body, out.ContentLength = io.NopCloser(body), length
	}
	copyHeader(out.Header, req.Header)
	// The relay reads stream frames: no compression on the way.
	out.Header.Del("Accept-Encoding")
	return r.n.transport.RoundTrip(out)
}

// forward relays req to the member as it is and copies the answer back.
func (r *relay) forward(w http.ResponseWriter, req *http.Request, body io.Reader, length int64) {
	resp, err := r.upstream(req, body, length)
	if err != nil {
		hangUp(w)
		return
	}
	defer resp.Body.Close()
	copyResponse(w, resp)
}

// readBody reads a whole request body of at most maxMessageSize bytes.
func readBody(req *http.Request) ([]byte, error) {
	if req.ContentLength > maxMessageSize {
		return nil, fmt.Errorf("body of %d bytes exceeds the %d byte limit", req.ContentLength, maxMessageSize)
	}
	var b bytes.Buffer
	if req.ContentLength > 0 {
		b.Grow(int(req.ContentLength))
	}
	if _, err := b.ReadFrom(io.LimitReader(req.Body, maxMessageSize)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// copyResponse copies an answer to w, flushing as it goes.
func copyResponse(w http.ResponseWriter, resp *http.Response) {
	copyHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	rc := http.NewResponseController(w)
	for {
		n, err := resp.Body.Read(*buf)
		if n > 0 {
			if _, werr := w.Write((*buf)[:n]); werr != nil {
				return
			}
			_ = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

// hopHeaders are the headers of one HTTP hop, which a relay must not pass
// on (RFC 9110 section 7.6.1).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append(dst[k][:0:0], vs...)
	}
	for _, f := range src["Connection"] {
		for _, k := range strings.Split(f, ",") {
			dst.Del(textproto.TrimString(k))
		}
	}
	for _, k := range hopHeaders {
		dst.Del(k)
	}
}

// hangUp ends a request the relay does not carry (its link is cut, or
// the member is down) by breaking its connection, as an unreachable peer
// would: the sender sees a failed request, never an answer it could
// misread (etcd parses the body of /version and /members answers).
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "etcdlab: refused", http.StatusServiceUnavailable)
		return
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset, as a refused connection
	}
	_ = raw.Close()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read reads from the underlying reader and counts what it read.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
