package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// failover finds the leader, has kill crash it, waits until its client port
// refuses connections, then returns the time from the kill to the first
// put that succeeds. Puts start every 10 ms over every URL.
func failover(ctx context.Context, urls []string, kill func(name string) error) (time.Duration, string, error) {
	c, err := clientv3.New(clientConfig(urls))
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var leader uint64
	for _, u := range urls {
		st, err := c.Status(sctx, u)
		if err == nil && st.Leader != 0 {
			leader = st.Leader
			break
		}
	}
	if leader == 0 {
		return 0, "", errors.New("no member names a leader")
	}
	ml, err := c.MemberList(sctx)
	if err != nil {
		return 0, "", err
	}
	var name, url string
	for _, m := range ml.Members {
		if m.ID == leader && len(m.ClientURLs) > 0 {
			name, url = m.Name, m.ClientURLs[0]
		}
	}
	if name == "" {
		return 0, "", fmt.Errorf("leader %x is not in the member list", leader)
	}
	if _, err := c.Put(sctx, "bench/failover", "before"); err != nil {
		return 0, "", fmt.Errorf("put before the kill: %w", err)
	}
	t0 := time.Now()
	if err := kill(name); err != nil {
		return 0, "", err
	}
	if err := waitRefused(ctx, hostPort(url), 10*time.Second); err != nil {
		return 0, "", fmt.Errorf("%s: %w", name, err)
	}
	fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
	defer fcancel()
	at, err := firstSuccess(fctx, 10*time.Millisecond, time.Second, 16, func(ctx context.Context) error {
		_, err := c.Put(ctx, "bench/failover", "after")
		return err
	})
	if err != nil {
		return 0, "", fmt.Errorf("no put succeeded after killing the leader %s: %w", name, err)
	}
	return at.Sub(t0), name, nil
}

// waitRefused polls addr until it refuses TCP connections.
func waitRefused(ctx context.Context, addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return nil
		}
		conn.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still accepts connections %s after the kill", addr, d)
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
}

// hostPort returns the host:port of a URL.
func hostPort(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		return url[i+3:]
	}
	return url
}
