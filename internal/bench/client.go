package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// clientConfig is the configuration of every client of the bench, on both
// sides: no logs, and reconnects within 20 ms, so that a poll sees a
// member as soon as it listens.
func clientConfig(endpoints []string) clientv3.Config {
	return clientv3.Config{
		Endpoints: endpoints,
		Logger:    zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 5 * time.Millisecond, Multiplier: 1.5, Jitter: 0.1, MaxDelay: 20 * time.Millisecond},
			MinConnectTimeout: time.Second,
		})},
	}
}

// firstSuccess starts op every interval, each call under its own timeout
// and at most limit at a time, until one succeeds, and returns when that
// call returned. Starting calls without waiting for the ones in flight
// keeps the resolution at interval, whatever a failing call costs (a read
// index dropped for want of a leader is retried by etcd only after 500 ms).
func firstSuccess(ctx context.Context, interval, timeout time.Duration, limit int, op func(context.Context) error) (time.Time, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	done := make(chan time.Time, 1)
	var mu sync.Mutex
	var lastErr error
	slots := make(chan struct{}, limit)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case slots <- struct{}{}:
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				actx, acancel := context.WithTimeout(ctx, timeout)
				defer acancel()
				err := op(actx)
				if err == nil {
					select {
					case done <- time.Now():
					default:
					}
					return
				}
				mu.Lock()
				lastErr = err
				mu.Unlock()
			}()
		default:
		}
		select {
		case at := <-done:
			return at, nil
		case <-ctx.Done():
			mu.Lock()
			defer mu.Unlock()
			if lastErr != nil {
				return time.Time{}, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
			}
			return time.Time{}, ctx.Err()
		case <-t.C:
		}
	}
}

// readyClients returns one client per member, pinned to it, made before the
// members start so that making them is not timed.
func readyClients(urls []string) ([]*clientv3.Client, error) {
	var out []*clientv3.Client
	for _, u := range urls {
		c, err := clientv3.New(clientConfig([]string{u}))
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// closeAll closes every client of cs.
func closeAll(cs []*clientv3.Client) {
	for _, c := range cs {
		c.Close()
	}
}

// waitReady returns how long after start every member answered a
// linearizable get, each through its own client.
func waitReady(ctx context.Context, clients []*clientv3.Client, start time.Time, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mu sync.Mutex
	var last time.Time
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, err := firstSuccess(ctx, 10*time.Millisecond, time.Second, 8, func(ctx context.Context) error {
				_, err := c.Get(ctx, "bench-ready")
				return err
			})
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", c.Endpoints()[0], err)
				return
			}
			mu.Lock()
			if at.After(last) {
				last = at
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("not ready within %s: %w", timeout, err)
	}
	return last.Sub(start), nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
