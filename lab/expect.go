package lab

import (
	"context"
	"sort"
)

// expectSpec is a condition of expect that a command table adds, named by
// its first word, e.g. "linearizable" in "expect linearizable".
type expectSpec struct {
	// usage is the condition as written after expect, e.g. "unavailable < D".
	usage string
	// parse checks the words after the first and may keep them in e.Want.
	parse func(e *Expectation, args []string) error
	run   func(l *Lab, ctx context.Context, e *Expectation) Result
}

// moreExpects holds the conditions added by registerExpects, by first
// word; it is not changed after init.
var moreExpects = map[string]expectSpec{}

// registerExpects adds conditions to expect and to its usage line.
func registerExpects(tables ...map[string]expectSpec) {
	var usages []string
	for _, t := range tables {
		for name, x := range t {
			moreExpects[name] = x
			usages = append(usages, x.usage)
		}
	}
	sort.Strings(usages)
	sp := specs["expect"]
	for _, u := range usages {
		sp.usage += " | " + u
	}
	specs["expect"] = sp
}
