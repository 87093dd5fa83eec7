package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

func TestDevLaunchBreakdown(t *testing.T) {
	if os.Getenv("DEV") == "" {
		t.Skip()
	}
	for _, n := range []int{3, 5} {
		var readies, elects []float64
		for i := 0; i < 20; i++ {
			dir := t.TempDir()
			logf := filepath.Join(dir, "etcd.log")
			c, err := cluster.New(cluster.Config{Members: n, BasePort: ports.Next(t), DataDir: filepath.Join(dir, "d"), LogFile: logf})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := c.Launch(context.Background()); err != nil {
				t.Fatal(err)
			}
			ready := time.Since(start)
			c.Terminate()
			f, _ := os.Open(logf)
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			var lastFF, elected float64
			for sc.Scan() {
				var e map[string]any
				if json.Unmarshal(sc.Bytes(), &e) != nil {
					continue
				}
				ts, _ := e["ts"].(float64)
				msg, _ := e["msg"].(string)
				at := ts - float64(start.UnixNano())/1e9
				if strings.Contains(msg, "fast-forwarding election ticks") && at > lastFF {
					lastFF = at
				}
				if strings.Contains(msg, "elected leader") && elected == 0 {
					elected = at
				}
			}
			f.Close()
			readies = append(readies, ms(ready))
			elects = append(elects, (elected-lastFF)*1000)
			t.Logf("%d members: last tick fast-forward %4.0f ms, leader elected %4.0f ms, ready %4.0f ms", n, lastFF*1000, elected*1000, ms(ready))
		}
		sort.Float64s(readies)
		sort.Float64s(elects)
		under := 0
		for _, r := range readies {
			if r <= map[int]float64{3: 500, 5: 800}[n] {
				under++
			}
		}
		fmt.Printf("%d members: ready p25 %.0f median %.0f p75 %.0f max %.0f; %d of %d within target; election after last fast-forward median %.0f\n", n, readies[5], (readies[9]+readies[10])/2, readies[15], readies[19], under, len(readies), (elects[9]+elects[10])/2)
	}
}
