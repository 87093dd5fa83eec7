package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Trace is a trace read back whole.
type Trace struct {
	Header  Header
	Records []Record
	// Notice says what was left out, "" if nothing was: a last line cut off
	// by a crash, or records of types this etcdlab does not know.
	Notice string
}

// ReadError is a file that cannot be replayed; its message is one line
// that says what is wrong and what to do.
type ReadError struct {
	Path string
	Msg  string
}

// Error returns the message after the file's name.
func (e *ReadError) Error() string { return e.Path + " " + e.Msg }

// ReadFile reads the trace at path.
func ReadFile(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ReadError{Path: path, Msg: fmt.Sprintf("cannot be read: %v", errors.Unwrap(err))}
	}
	defer f.Close()
	t, err := Read(f)
	var re *ReadError
	if errors.As(err, &re) {
		re.Path = path
	}
	return t, err
}

// Read reads a trace: its header, strictly (the format and a version this
// etcdlab reads), then every record. A last line cut off in the middle is
// left out, and so are records of unknown types, with a Notice; any other
// damage is an error. A *ReadError names the file as "the trace".
func Read(r io.Reader) (*Trace, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	first, err := br.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, &ReadError{Path: "the trace", Msg: fmt.Sprintf("cannot be read: %v", err)}
	}
	t := &Trace{}
	if err := readHeader(first, err == io.EOF, &t.Header); err != nil {
		return nil, err
	}
	d := NewDecoder(t.Header.Start)
	unknown := map[string]int{}
	var cut bool
	for n := 2; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, &ReadError{Path: "the trace", Msg: fmt.Sprintf("cannot be read at line %d: %v", n, err)}
		}
		last := err == io.EOF
		if len(bytes.TrimSpace(line)) > 0 {
			rec, derr := d.Decode(line)
			var ut *UnknownTypeError
			switch {
			case errors.As(derr, &ut):
				unknown[ut.Type]++
			case derr != nil && last && !bytes.HasSuffix(line, []byte("\n")):
				cut = true
			case derr != nil:
				return nil, &ReadError{Path: "the trace", Msg: fmt.Sprintf("is damaged: line %d is not a record of an etcdlab trace (%v)", n, derr)}
			default:
				t.Records = append(t.Records, rec)
			}
		}
		if last {
			break
		}
	}
	t.Notice = notice(len(t.Records), cut, unknown)
	return t, nil
}

// readHeader reads the first line; eof says the file ends in it.
func readHeader(line []byte, eof bool, h *Header) error {
	bad := func(format string, a ...any) error {
		return &ReadError{Path: "the trace", Msg: fmt.Sprintf(format, a...)}
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return bad("is empty: not an etcdlab trace (etcdlab, run and serve write one with --trace FILE)")
	}
	var probe struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Etcdlab string `json:"etcdlab"`
	}
	if err := json.Unmarshal(line, &probe); err != nil && eof && !bytes.HasSuffix(line, []byte("\n")) && bytes.HasPrefix(line, []byte(`{"format":"`+Format)) {
		return bad("is cut off inside its first line: etcdlab stopped before it wrote anything to replay")
	}
	if err := json.Unmarshal(line, &probe); err != nil || probe.Format != Format {
		return bad("is not an etcdlab trace: its first line is not a trace header (etcdlab, run and serve write one with --trace FILE)")
	}
	if probe.Version > Version {
		return bad("is a trace of format version %d, written by etcdlab %s; this etcdlab reads version %d and older: upgrade etcdlab to replay it",
			probe.Version, probe.Etcdlab, Version)
	}
	if err := json.Unmarshal(line, h); err != nil || h.Version < 1 || h.Start.IsZero() {
		return bad("is damaged: its header needs a version of 1 or more and a start time")
	}
	return nil
}

// notice says what the reader left out.
func notice(kept int, cut bool, unknown map[string]int) string {
	var parts []string
	if cut {
		parts = append(parts, fmt.Sprintf("its last line was cut off (etcdlab stopped while writing it): replaying the %d records before it", kept))
	}
	if len(unknown) > 0 {
		var types []string
		n := 0
		for k, c := range unknown {
			types = append(types, k)
			n += c
		}
		sort.Strings(types)
		parts = append(parts, fmt.Sprintf("skipped %d records of types this etcdlab does not know (%s): a newer etcdlab wrote them", n, strings.Join(types, ", ")))
	}
	return strings.Join(parts, "; ")
}
