package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
)

// Under TLS the data dir's tls directory holds the lab's CA (ca.crt and
// its key ca.key), the certificate every member serves clients with
// (server.crt, server.key; the relays present it too), and one peer
// certificate per member (etcdN.crt, etcdN.key) whose CommonName is the
// member's name: a relay reads the sender of a peer request from it.

// caKeyFile is where the CA's key is kept, to sign the certificate of a
// member added later.
func (c *Cluster) caKeyFile() string { return filepath.Join(c.cfg.DataDir, "tls", "ca.key") }

// memberCertFiles returns the peer certificate and key files of a member.
func (c *Cluster) memberCertFiles(name string) (cert, key string) {
	dir := filepath.Join(c.cfg.DataDir, "tls")
	return filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
}

// peerTLSInfo returns etcd's TLS settings for a member's peers: its own
// certificate, signed by the lab's CA.
func (c *Cluster) peerTLSInfo(name string) transport.TLSInfo {
	cert, key := c.memberCertFiles(name)
	return transport.TLSInfo{CertFile: cert, KeyFile: key, TrustedCAFile: c.TLS().CA}
}

// ensureCerts creates the lab's CA and server certificate unless the data
// dir already holds them (a resumed cluster keeps its certificates), and a
// peer certificate for every member that has none. A data dir of an older
// etcdlab kept no CA key: its certificates are made anew.
func (c *Cluster) ensureCerts(names []string) error {
	f := c.TLS()
	if _, err := os.Stat(c.caKeyFile()); err != nil {
		if err := c.newCA(); err != nil {
			return err
		}
	}
	for _, n := range names {
		if err := c.ensureMemberCert(n); err != nil {
			return err
		}
	}
	_, err := os.Stat(f.Key)
	return err
}

// newCA creates the lab's CA and its server certificate.
func (c *Cluster) newCA() error {
	f := c.TLS()
	if err := os.MkdirAll(filepath.Dir(f.CA), 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %v", filepath.Dir(f.CA), err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          serial(),
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
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return err
	}
	if err := writePEM(f.CA, "CERTIFICATE", caDER, 0o644); err != nil {
		return err
	}
	if err := writePEM(c.caKeyFile(), "EC PRIVATE KEY", caKeyDER, 0o600); err != nil {
		return err
	}
	// Old member certificates were signed by another CA.
	for i := 1; i <= MaxMembers; i++ {
		cert, key := c.memberCertFiles(memberName(i))
		os.Remove(cert)
		os.Remove(key)
	}
	return c.issue("etcdlab member", f.Cert, f.Key)
}

// ensureMemberCert issues a member's peer certificate unless it has one.
func (c *Cluster) ensureMemberCert(name string) error {
	cert, key := c.memberCertFiles(name)
	if _, err := os.Stat(key); err == nil {
		return nil
	}
	return c.issue(name, cert, key)
}

// issue writes a certificate named cn, signed by the lab's CA, that serves
// both as a server and, to peers, as a client certificate, for the lab's
// host and loopback.
func (c *Cluster) issue(cn, certFile, keyFile string) error {
	caCert, caKey, err := c.loadCA()
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
	now := time.Now()
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		// Members present it both as servers and, to their peers, as clients.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: ips,
		DNSNames:    names,
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return writePEM(keyFile, "EC PRIVATE KEY", keyDER, 0o600)
}

// loadCA reads the lab's CA certificate and key.
func (c *Cluster) loadCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(c.TLS().CA)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(c.caKeyFile())
	if err != nil {
		return nil, nil, err
	}
	cb, kb := firstBlock(certPEM), firstBlock(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("the lab's CA files hold no PEM block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	return cert, key, err
}

func firstBlock(b []byte) *pem.Block {
	p, _ := pem.Decode(b)
	return p
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	return nil
}

// serial returns a random certificate serial number.
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}
