package lab

import (
	"errors"
	"strings"
)

// Split splits a line into words with shell-style quoting: single quotes
// keep everything literally, double quotes allow \" and \\, a backslash
// outside quotes escapes the next character, and # at the start of a word
// begins a comment.
func Split(line string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	flush := func() {
		if in {
			words = append(words, cur.String())
			cur.Reset()
			in = false
		}
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			flush()
		case r == '#' && !in:
			return words, nil
		case r == '\'':
			in = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				cur.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return nil, errors.New("unterminated single quote: close it with '")
			}
			i = j
		case r == '"':
			in = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					j++
				}
				cur.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, errors.New(`unterminated double quote: close it with "`)
			}
			i = j
		case r == '\\':
			in = true
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
			}
		default:
			in = true
			cur.WriteRune(r)
		}
	}
	flush()
	return words, nil
}

// stripComment returns line without a trailing comment, honouring quotes.
func stripComment(line string) string {
	inS, inD := false, false
	prevSpace := true
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && !inS:
			i++
			prevSpace = false
			continue
		case r == '\'' && !inD:
			inS = !inS
		case r == '"' && !inS:
			inD = !inD
		case r == '#' && !inS && !inD && prevSpace:
			return string(rs[:i])
		}
		prevSpace = r == ' ' || r == '\t'
	}
	return line
}

// Quote returns w quoted for the command language if it needs quoting.
func Quote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\"'\\#") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// joinWords quotes words where needed so the result parses back to them.
func joinWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = Quote(w)
	}
	return strings.Join(out, " ")
}
