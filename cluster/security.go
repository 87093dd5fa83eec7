package cluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// TLSFiles are the certificate files of a lab started with TLS.
type TLSFiles struct {
	// CA is the certificate that signed Cert; Cert and Key are the
	// certificate and private key every member serves with.
	CA, Cert, Key string
}

// TLS returns the lab's certificate files, or nil without TLS.
func (c *Cluster) TLS() *TLSFiles {
	if !c.cfg.TLS {
		return nil
	}
	dir := filepath.Join(c.cfg.DataDir, "tls")
	return &TLSFiles{CA: filepath.Join(dir, "ca.crt"), Cert: filepath.Join(dir, "server.crt"), Key: filepath.Join(dir, "server.key")}
}

// Credentials returns the root user and password of a lab started with
// auth ("", "" without it).
func (c *Cluster) Credentials() (user, password string) {
	if !c.cfg.Auth {
		return "", ""
	}
	return "root", c.password
}

// ClientConfig returns a clientv3 configuration for the given endpoints
// with the lab's TLS and credentials, and no logging.
func (c *Cluster) ClientConfig(endpoints []string, dialTimeout time.Duration) (clientv3.Config, error) {
	cfg := clientv3.Config{
		Endpoints:            endpoints,
		DialTimeout:          dialTimeout,
		DialKeepAliveTime:    2 * time.Second,
		DialKeepAliveTimeout: dialTimeout,
		Logger:               zap.NewNop(),
	}
	cfg.Username, cfg.Password = c.Credentials()
	cfg.DialOptions = append(cfg.DialOptions, grpc.WithChainUnaryInterceptor(retryStopped))
	if f := c.TLS(); f != nil {
		tc, err := clientTLS(f.CA)
		if err != nil {
			return cfg, err
		}
		cfg.TLS = tc
	}
	return cfg, nil
}

// TLSConfigFromCA returns a client TLS configuration that trusts the CA in
// caFile.
func TLSConfigFromCA(caFile string) (*tls.Config, error) { return clientTLS(caFile) }

func clientTLS(caFile string) (*tls.Config, error) {
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA certificate %s: %v", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("%s holds no certificate", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// tlsInfo returns etcd's TLS settings for clients and peers: one server
// certificate, signed by the lab's CA, for every member.
func (c *Cluster) tlsInfo() transport.TLSInfo {
	f := c.TLS()
	return transport.TLSInfo{CertFile: f.Cert, KeyFile: f.Key, TrustedCAFile: f.CA}
}

// ensureCerts creates the lab's CA and server certificate unless the data
// dir already holds them (a resumed cluster keeps its certificates).
func (c *Cluster) ensureCerts() error {
	f := c.TLS()
	if _, err := os.Stat(f.Key); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(f.CA), 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %v", filepath.Dir(f.CA), err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "etcdlab CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if ip := net.ParseIP(c.cfg.Host); ip != nil && !ip.IsLoopback() {
		ips = append(ips, ip)
	}
	names := []string{"localhost"}
	if net.ParseIP(c.cfg.Host) == nil && c.cfg.Host != "localhost" {
		names = append(names, c.cfg.Host)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "etcdlab member"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		// Members present it both as servers and, to their peers, as clients.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: ips,
		DNSNames:    names,
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	for _, w := range []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{
		{f.CA, "CERTIFICATE", caDER, 0o644},
		{f.Cert, "CERTIFICATE", leafDER, 0o644},
		{f.Key, "EC PRIVATE KEY", keyDER, 0o600},
	} {
		if err := os.WriteFile(w.path, pem.EncodeToMemory(&pem.Block{Type: w.typ, Bytes: w.der}), w.mode); err != nil {
			return fmt.Errorf("cannot write %s: %v", w.path, err)
		}
	}
	return nil
}

// passwordFile keeps the root password of an auth lab, readable by its
// owner only, so that a resumed cluster can be reached again.
func (c *Cluster) passwordFile() string { return filepath.Join(c.cfg.DataDir, "root-password") }

// loadPassword reads the stored root password, if the data dir has one.
func (c *Cluster) loadPassword() (bool, error) {
	b, err := os.ReadFile(c.passwordFile())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c.password = strings.TrimSpace(string(b))
	return true, nil
}

// enableAuth creates the root user with a generated password and turns on
// etcd's authentication, as `etcdctl user add root`, `user grant-role root
// root` and `auth enable` would.
func (c *Cluster) enableAuth(ctx context.Context) error {
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	password := hex.EncodeToString(raw)
	var urls []string
	for _, e := range c.Endpoints() {
		urls = append(urls, e.ClientURL)
	}
	cfg, err := c.ClientConfig(urls, 5*time.Second)
	if err != nil {
		return err
	}
	cfg.Username, cfg.Password = "", ""
	cli, err := clientv3.New(cfg)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.UserAdd(ctx, "root", password); err != nil {
		return fmt.Errorf("cannot create the root user: %v", err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		return fmt.Errorf("cannot grant root the root role: %v", err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		return fmt.Errorf("cannot enable authentication: %v", err)
	}
	if err := os.WriteFile(c.passwordFile(), []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %v", c.passwordFile(), err)
	}
	c.password = password
	return nil
}

// retryStopped retries a read that a member refused because it was
// stopping ("raft: stopped", "etcdserver: server stopped"). A killed member
// refuses new connections at once, but a request already on its way over an
// open connection meets its stopped server in the instant of the crash; a
// crashed process would reset that connection instead, and clientv3 would
// retry a read on another member, which is what this does. A write is never
// sent again: "server stopped" comes after etcd proposed it
// (processInternalRaftRequestOnce), so it may be in the log, and clientv3
// retries a mutable RPC only when it never left (isSafeRetryMutableRPC).
func retryStopped(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if mutates(method) {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	for attempt := 0; ; attempt++ {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil || attempt == 5 || !stoppedErr(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
}

// mutates reports whether a gRPC method may change the cluster's state.
func mutates(method string) bool {
	switch method {
	case "/etcdserverpb.KV/Range", "/etcdserverpb.Lease/LeaseTimeToLive", "/etcdserverpb.Lease/LeaseLeases",
		"/etcdserverpb.Maintenance/Status", "/etcdserverpb.Maintenance/HashKV", "/etcdserverpb.Cluster/MemberList":
		return false
	}
	return true
}

func stoppedErr(err error) bool {
	s := err.Error()
	return strings.Contains(s, "raft: stopped") || strings.Contains(s, "etcdserver: server stopped")
}
