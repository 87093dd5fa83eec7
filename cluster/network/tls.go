package network

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// Under peer TLS a relay terminates the member's TLS connection with
// ServerTLS and opens its own to the target member with ClientTLS, so it
// reads every message in the clear and no rule loses its effect.

// http11 returns a copy of c that offers HTTP/1.1 only, the protocol of
// rafthttp (and the only one a relay reads).
func http11(c *tls.Config) *tls.Config {
	if c == nil {
		return nil
	}
	c = c.Clone()
	c.NextProtos = []string{"http/1.1"}
	return c
}

// certName returns the CommonName of a request's verified client
// certificate, or "".
func certName(req *http.Request) string {
	if req.TLS == nil || len(req.TLS.VerifiedChains) == 0 || len(req.TLS.PeerCertificates) == 0 {
		return ""
	}
	return req.TLS.PeerCertificates[0].Subject.CommonName
}

// newTransport returns the HTTP/1.1 client the relays share to reach
// members. It keeps idle connections, as etcd's pipeline transport does,
// and has no timeout but the dial's: a relayed request lasts as long as
// its sender waits.
func newTransport(opts Options) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     http11(opts.ClientTLS),
		TLSHandshakeTimeout: opts.DialTimeout + 5*time.Second,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
}
