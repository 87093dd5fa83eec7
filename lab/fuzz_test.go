package lab

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedCorpus adds every line of the bundled scenarios, and each whole file.
func seedCorpus(f *testing.F, whole bool) {
	files, _ := filepath.Glob("../scripts/*.lab")
	exercises, _ := filepath.Glob("../scripts/exercises/*.lab")
	files = append(files, exercises...)
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if whole {
			f.Add(string(b))
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f.Add(line)
		}
	}
	for _, s := range []string{"", "'", `"\`, "expect ok expect ok put", "say", "member", "get k --consistency", "wait role a b|c", "expect x == == y", "\x00\xff"} {
		f.Add(s)
	}
}

// FuzzParse checks that no line makes the parser panic, that errors are
// one line, and that a parsed command is usable by Exec's dispatch.
func FuzzParse(f *testing.F) {
	seedCorpus(f, false)
	f.Fuzz(func(t *testing.T, line string) {
		c, err := Parse(line)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && strings.Contains(err.Error(), "\n") {
				t.Fatalf("Parse(%q): error of several lines: %q", line, err)
			}
			return
		}
		sp, ok := specs[c.Name]
		if !ok || sp.run == nil {
			t.Fatalf("Parse(%q) = command %q that Exec does not know", line, c.Name)
		}
		if c.Name == "expect" && c.Expect == nil {
			t.Fatalf("Parse(%q): expect without a condition", line)
		}
		if c.Expect != nil && (c.Expect.Kind == "ok" || c.Expect.Kind == "fail" || c.Expect.Kind == "equals") && c.Expect.Cmd == nil {
			t.Fatalf("Parse(%q): expectation without its command", line)
		}
	})
}

// FuzzParseScript checks that no file makes the scenario parser panic and
// that every error carries a line number inside the file.
func FuzzParseScript(f *testing.F) {
	seedCorpus(f, true)
	f.Fuzz(func(t *testing.T, src string) {
		s, errs := ParseScript(src)
		lines := strings.Count(src, "\n") + 1
		for _, e := range errs {
			var le *LineError
			if !errors.As(e, &le) || le.Line < 1 || le.Line > lines {
				t.Fatalf("error %v has no line inside the file (%d lines)", e, lines)
			}
		}
		for _, c := range s.Commands {
			if c.Line < 1 || c.Line > lines || c.Name == "members" {
				t.Fatalf("command %+v out of place", c)
			}
		}
	})
}
