package main

import (
	"context"
	"strings"
	"testing"
)

// TestBenchBadFlags checks that etcdlab bench refuses bad flags with one
// line and exit status 2, before it builds or starts anything.
func TestBenchBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--runs", "0"}, "--runs 0 is out of range: choose 1 to 20"},
		{[]string{"--runs", "many"}, `invalid value "many" for --runs: want a whole number, e.g. --runs 5 (see etcdlab bench --help)`},
		{[]string{"--runs"}, "--runs needs a value, e.g. --runs 5 (see etcdlab bench --help)"},
		{[]string{"--clients", "0"}, "--clients 0 is out of range"},
		{[]string{"--puts", "-5"}, "--puts -5 is out of range"},
		{[]string{"--base-port", "80"}, "--base-port 80 is out of range"},
		{[]string{"--base-port", "64000"}, "--base-port 64000 is out of range"},
		{[]string{"--idle", "10"}, `invalid value "10" for --idle: want a duration with its unit, e.g. --idle 10s`},
		{[]string{"--idle", "100ms"}, "--idle 100ms is out of range"},
		{[]string{"--members", "3"}, "unknown flag: --members (see etcdlab bench --help)"},
		{[]string{"now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(context.Background(), append([]string{"bench"}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "etcdlab: ") || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line with %q", msg, tt.want)
			}
		})
	}
}
