package cluster

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestTLSAndAuth(t *testing.T) {
	dir := t.TempDir()
	c := launch(t, Config{Members: 3, DataDir: dir, TLS: true, Auth: true})
	eps := c.Endpoints()
	for _, e := range eps {
		if !strings.HasPrefix(e.ClientURL, "https://") || !strings.HasPrefix(e.PeerURL, "https://") {
			t.Fatalf("%s URLs are not https: %+v", e.Name, e)
		}
	}
	if fi, err := os.Stat(c.TLS().Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("server key: %v %v", fi, err)
	}
	user, pw := c.Credentials()
	if user != "root" || len(pw) < 16 {
		t.Fatalf("credentials %q %q", user, pw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	cfg, err := c.ClientConfig([]string{eps[0].ClientURL}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Put(ctx, "k", "v"); err != nil {
		t.Fatalf("put with TLS and root's password: %v", err)
	}

	// Without the password etcd refuses; without the CA the handshake fails.
	anon := cfg
	anon.Username, anon.Password = "", ""
	cli2, err := clientv3.New(anon)
	if err != nil {
		t.Fatal(err)
	}
	defer cli2.Close()
	if _, err := cli2.Put(ctx, "k", "v2"); err == nil || !strings.Contains(err.Error(), "user name is empty") {
		t.Errorf("put without credentials: %v, want etcd's refusal", err)
	}
	noCA := cfg
	noCA.TLS = nil
	noCA.Endpoints = []string{strings.Replace(eps[0].ClientURL, "https://", "http://", 1)}
	if cli3, err := clientv3.New(noCA); err == nil {
		short, cancel3 := context.WithTimeout(ctx, 2*time.Second)
		_, err := cli3.Get(short, "k")
		cancel3()
		cli3.Close()
		if err == nil {
			t.Error("a plaintext client read from a TLS member")
		}
	}

	// A kill and restart keep TLS, auth and the data.
	if err := c.Kill("etcd2"); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "etcd2"); err != nil {
		t.Fatal(err)
	}
	cfg2, _ := c.ClientConfig([]string{eps[1].ClientURL}, 2*time.Second)
	cli4, err := clientv3.New(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	defer cli4.Close()
	if resp, err := cli4.Get(ctx, "k"); err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("get through restarted etcd2: %v %v", resp, err)
	}

	// The data dir remembers TLS and auth.
	c.Terminate()
	if _, err := New(Config{Members: 3, BasePort: c.Config().BasePort, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "with TLS") {
		t.Errorf("resuming a TLS cluster without --tls: %v", err)
	}
}
