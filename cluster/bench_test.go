package cluster

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"
)

// BenchmarkLaunch measures time to a ready cluster: every member started,
// a leader elected and every member serving. It reports the median as
// ms-to-ready; ns/op is the mean.
func BenchmarkLaunch(b *testing.B) {
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			base := ports.Next(b)
			var took []time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c, err := New(Config{Members: n, BasePort: base, DataDir: b.TempDir(), LogFile: "-"})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				b.StartTimer()
				start := time.Now()
				err = c.Launch(ctx)
				took = append(took, time.Since(start))
				b.StopTimer()
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				c.Terminate()
				b.StartTimer()
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-to-ready")
		})
	}
}
