package lab

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Exercise is an exercise file with its tasks: one of the bundled ones, or
// an instructor's own played with --script.
type Exercise struct {
	// ID names it in the progress store: its file name without .lab.
	ID     string
	Script *Script
}

// Title returns the exercise's title: its first comment line, or its ID.
func (e Exercise) Title() string {
	if e.Script.Title != "" {
		return e.Script.Title
	}
	return e.ID
}

// LoadExercises parses every .lab file in dir of fsys, in name order. A
// file with a syntax error, or with no task, is an error naming it.
func LoadExercises(fsys fs.FS, dir string) ([]Exercise, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.lab"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Exercise
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		s, errs := ParseScript(string(b))
		if len(errs) > 0 {
			return nil, fmt.Errorf("%s:%v", name, strings.TrimPrefix(errs[0].Error(), "line "))
		}
		if len(s.Tasks) == 0 {
			return nil, fmt.Errorf("%s has no task: an exercise gives the student at least one (task TEXT)", name)
		}
		out = append(out, Exercise{ID: strings.TrimSuffix(path.Base(name), ".lab"), Script: s})
	}
	return out, nil
}
