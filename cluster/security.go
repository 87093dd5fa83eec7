package cluster

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
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
	pool, err := caPool(caFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// caPool returns a pool that holds the certificates in caFile.
func caPool(caFile string) (*x509.CertPool, error) {
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA certificate %s: %v", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("%s holds no certificate", caFile)
	}
	return pool, nil
}

// tlsInfo returns etcd's TLS settings for clients: one server certificate,
// signed by the lab's CA, for every member.
func (c *Cluster) tlsInfo() transport.TLSInfo {
	f := c.TLS()
	return transport.TLSInfo{CertFile: f.Cert, KeyFile: f.Key, TrustedCAFile: f.CA}
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
