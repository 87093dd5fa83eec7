package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// colorProfiles are the sub-benchmarks of BenchmarkView9MembersColors.
var colorProfiles = []string{"ascii", "ansi16", "ansi256", "truecolor"}

// uiRound runs the UI's benchmarks with go test: View() of 9 members in
// every color profile, and
// the delay from a leader change to the first frame showing it, with one
// leader change per run but at least 5.
func (b *bencher) uiRound(ctx context.Context, root string) error {
	b.run = b.o.Runs
	out, err := goBench(ctx, root, "BenchmarkView9MembersColors", "500ms", 3)
	if err != nil {
		return err
	}
	var views []string
	for _, p := range colorProfiles {
		for _, v := range benchMetrics(out, "BenchmarkView9MembersColors/"+p, "ns/op") {
			b.res.add("view."+p, v/1000)
		}
		v, ok := b.res.median("view." + p)
		if !ok {
			return fmt.Errorf("go test printed no BenchmarkView9MembersColors/%s result:\n%s", p, out)
		}
		views = append(views, fmt.Sprintf("%s %.0f µs", p, v))
	}
	b.logf("View(), 9 members: %s", strings.Join(views, ", "))

	n := max(b.o.Runs, 5)
	out, err = goBench(ctx, root, "BenchmarkLeaderOnScreen", fmt.Sprintf("%dx", n), 1)
	if err != nil {
		return err
	}
	med := benchMetrics(out, "BenchmarkLeaderOnScreen", "ms-to-frame")
	worst := benchMetrics(out, "BenchmarkLeaderOnScreen", "max-ms-to-frame")
	if len(med) == 0 || len(worst) == 0 {
		return fmt.Errorf("go test printed no BenchmarkLeaderOnScreen result:\n%s", out)
	}
	b.res.add("frame", med[0])
	b.res.add("frame.max", worst[0])
	b.logf("leader change on screen after %.1f ms (median of %d), %.1f ms at worst", med[0], n, worst[0])
	return nil
}

// goBench runs one benchmark of the ui package and returns go test's output.
func goBench(ctx context.Context, root, name, benchtime string, count int) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "./ui", "-run", "^$", "-bench", "^"+name+"$",
		"-benchtime", benchtime, "-count", strconv.Itoa(count))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go test ./ui -bench %s: %v\n%s", name, err, out)
	}
	return string(out), nil
}

// benchMetrics returns the values of unit on the result lines of the
// named benchmark ("BenchmarkX-2  5  123 ns/op  4.5 unit").
func benchMetrics(out, name, unit string) []float64 {
	var vs []float64
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || (f[0] != name && !strings.HasPrefix(f[0], name+"-")) {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if f[i+1] == unit {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					vs = append(vs, v)
				}
			}
		}
	}
	return vs
}
