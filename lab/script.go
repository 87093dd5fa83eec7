package lab

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Script is a parsed scenario file.
type Script struct {
	// Members is the size given by a leading "members N", 0 if none.
	Members  int
	Commands []*Command
	// Title and About are the file's first comment line and the comment
	// lines right after it: an exercise's name and what it teaches.
	Title, About string
	// Tasks are the file's tasks, if it is an exercise (exercise.go).
	Tasks []*Task
}

// LineError is a syntax error at a line of a scenario file.
type LineError struct {
	Line int
	Err  error
}

// Error returns the error prefixed with its line number.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ParseScript parses a whole scenario file and returns every syntax error,
// each with its line number.
func ParseScript(src string) (*Script, []error) {
	s := &Script{}
	var errs []error
	first := true
	for i, line := range strings.Split(src, "\n") {
		c, err := Parse(line)
		if errors.Is(err, ErrEmpty) {
			continue
		}
		if err != nil {
			errs = append(errs, &LineError{Line: i + 1, Err: err})
			first = false
			continue
		}
		c.Line = i + 1
		if c.Name == "members" {
			if !first {
				errs = append(errs, &LineError{Line: i + 1, Err: errors.New("members N must be the first command of a scenario file")})
				continue
			}
			s.Members, _ = strconv.Atoi(c.Args[0])
			first = false
			continue
		}
		first = false
		s.Commands = append(s.Commands, c)
	}
	s.Title, s.About = header(src)
	var terrs []error
	s.Tasks, terrs = tasks(s.Commands)
	errs = append(errs, terrs...)
	sort.SliceStable(errs, func(i, j int) bool { return errLine(errs[i]) < errLine(errs[j]) })
	return s, errs
}

// errLine returns the line of a *LineError, 0 for any other error.
func errLine(err error) int {
	var le *LineError
	if errors.As(err, &le) {
		return le.Line
	}
	return 0
}
