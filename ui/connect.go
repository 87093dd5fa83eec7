package ui

import (
	"fmt"
	"strings"

	"github.com/etcdlab/etcdlab/lab"
)

// connectPane is the `c` overlay: how to reach the cluster from another
// terminal. The lines meant to be copied are drawn from the first column,
// without a frame, and never cut: a shell line too long for the width is
// broken with a backslash before the newline (the shell joins it back), a
// python call after a comma inside its parentheses. When the lines do not
// fit the height, PgUp and PgDn scroll them.
type connectPane struct {
	styles *Styles
	conn   lab.Connection
	known  bool // conn has been read
	offset int  // lines scrolled down from the top
	width  int
	height int
}

func (c *connectPane) setSize(w, h int) {
	c.width, c.height = w, h
	c.scroll(0)
}

// scroll moves the view d lines down (up if negative), within the lines.
func (c *connectPane) scroll(d int) {
	c.offset = min(max(c.offset+d, 0), max(len(c.lines())+1-c.height, 0))
}

// lines returns the pane's body under its title.
func (c connectPane) lines() []string {
	s := c.styles
	if !c.known {
		return []string{" the members are not up yet"}
	}
	var out []string
	for _, e := range c.conn.Members {
		out = append(out, clip(fmt.Sprintf(" %-6s client %s  peer %s", e.Name, e.ClientURL, e.PeerURL), c.width))
	}
	out = append(out, "", s.Dim.Render(clip(" etcdctl: with these exported, give it no --endpoints (it refuses both at once)", c.width)))
	for _, v := range c.conn.Env {
		out = append(out, shellLines("export "+v.Name+"="+shellQuote(v.Value), c.width)...)
	}
	out = append(out, "", s.Dim.Render(clip(" python etcd3 (Debian's python3-etcd3)", c.width)), "import etcd3")
	out = append(out, pythonLines("etcd = "+c.conn.Python, c.width)...)
	if c.conn.LogFile != "" {
		out = append(out, "", s.Dim.Render(clip(" etcd's own logs", c.width)), c.conn.LogFile)
	}
	return out
}

func (c connectPane) view() string {
	s := c.styles
	body := c.lines()
	title := s.Title.Render("CONNECT FROM ANOTHER TERMINAL") + s.Dim.Render("  esc closes; the lines below paste as they are")
	if len(body)+1 > c.height {
		title += s.Warn.Render("  pgup/pgdn scroll")
	}
	lines := []string{clip(" "+title, c.width)}
	lines = append(lines, body[min(c.offset, len(body)):]...)
	for len(lines) < c.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:max(c.height, 0)], "\n")
}

// shellSafe are the bytes a shell word needs no quotes for.
const shellSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,/:@%+="

// shellQuote returns v as one shell word: as it is if it holds no special
// character, else in double quotes, which a broken line may still be
// joined inside.
func shellQuote(v string) string {
	if strings.Trim(v, shellSafe) == "" {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`")
	return `"` + r.Replace(v) + `"`
}

// shellLines breaks a shell line into lines of at most w cells, each but
// the last ending in a backslash, preferably just after a comma. A shell
// removes a backslash and the newline after it, outside quotes and inside
// double quotes, so the pasted lines run as the one line.
func shellLines(line string, w int) []string {
	rs := []rune(line)
	var out []string
	for len(rs) > w && w > 2 {
		cut := w - 1
		if i := lastRune(rs[:cut], ','); i >= cut/2 {
			cut = i + 1
		}
		for cut > 1 && rs[cut-1] == '\\' { // never split an escape
			cut--
		}
		out = append(out, string(rs[:cut])+`\`)
		rs = rs[cut:]
	}
	return append(out, string(rs))
}

func lastRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// pythonLines breaks a python call into lines of at most w cells after the
// commas between its arguments, the later ones indented: inside the
// parentheses python reads them as one statement. An argument that is
// longer still stays whole.
func pythonLines(call string, w int) []string {
	if len([]rune(call)) <= w {
		return []string{call}
	}
	open := strings.Index(call, "(")
	args := splitArgs(call[open+1 : len(call)-1])
	out := []string{call[:open+1]}
	for i, a := range args {
		a = "    " + a
		if i < len(args)-1 {
			a += ","
		} else {
			a += ")"
		}
		out = append(out, a)
	}
	return out
}

// splitArgs splits python arguments at the commas outside quotes.
func splitArgs(s string) []string {
	var out []string
	quote := rune(0)
	start := 0
	for i, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case quote == 0 && r == ',':
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}
