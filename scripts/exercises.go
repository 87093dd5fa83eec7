// Package scripts holds etcdlab's bundled lessons (*.lab, played by
// etcdlab run and --script) and exercises (exercises/*.lab, played by
// etcdlab learn). The exercises are embedded, so that learn works outside
// the source tree; the tests beside them play every file on real members.
package scripts

import "embed"

// Exercises holds the bundled exercises, as exercises/NAME.lab.
//
//go:embed exercises/*.lab
var Exercises embed.FS
