package main

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/termx"
)

// writeExplain prints the trace of every check, coloured on a terminal.
func writeExplain(w io.Writer, r *evalRun, d *eval.Decision) {
	color := false
	out := w
	if lw, ok := w.(*lockedWriter); ok {
		out = lw.w
	}
	if f, ok := out.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
		color = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	if c := r.call; c != nil {
		capab := c.Capability
		if c.Internal {
			capab = "(internal)"
		} else if capab == "" {
			capab = "(unknown)"
		}
		fmt.Fprintf(&b, "aport: explain: %s %s %s → %s", safe(c.Host), safe(c.Event), safe(c.Tool), safe(capab))
		if d.PolicyID != "" {
			fmt.Fprintf(&b, " [%s]", d.PolicyID)
		}
		b.WriteString("\n")
		if c.Ctx.HasCommand {
			fmt.Fprintf(&b, "  command: %s\n", safe(c.Ctx.Command))
		}
		if c.Ctx.HasPath {
			fmt.Fprintf(&b, "  path:    %s\n", safe(c.Ctx.Path))
		}
		if c.Ctx.HasURL {
			fmt.Fprintf(&b, "  url:     %s %s\n", safe(c.Ctx.Method), safe(redactedURL(c.Ctx.URL)))
		}
		if c.Capability == "agent.session.create" {
			fmt.Fprintf(&b, "  subagent_type: %s\n", safe(c.Ctx.SubagentType))
		}
		fmt.Fprintf(&b, "  cwd:     %s\n", safe(c.Cwd))
	} else {
		fmt.Fprintf(&b, "aport: explain: %s (payload not decoded)\n", r.host)
	}
	if r.pp != nil {
		fmt.Fprintf(&b, "  passport: %s (%s, %s) %s\n", safe(r.pp.ID), safe(r.pp.Source), safe(r.pp.Status), r.pp.Digest())
	}
	for _, s := range d.Trace {
		mark := paint("32", "✓")
		if !s.OK {
			mark = paint("31", "✗")
		}
		fmt.Fprintf(&b, "  %s %-28s %s\n", mark, safe(s.Check), safe(s.Detail))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "  • %s\n", safe(n))
	}
	word := decisionWord(d)
	switch word {
	case "allow":
		word = paint("1;32", word)
	case "ask":
		word = paint("1;33", word)
	default:
		word = paint("1;31", word)
	}
	fmt.Fprintf(&b, "aport: decision: %s (%s)\n", word, d.ID)
	io.WriteString(w, b.String())
}

// safe shows text from the call (commands, paths, tool names) without
// letting its control characters act on the terminal.
func safe(s string) string { return termx.Safe(s, 0) }

// logger is zerolog on stderr, never stdout.
type logger struct{ zerolog.Logger }

func newLogger(w io.Writer, level string) *logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.WarnLevel // parseEvalFlags has refused a bad level already
	}
	return &logger{zerolog.New(w).Level(lvl).With().Timestamp().Str("cmd", "aport").Logger()}
}

// redactedURL hides the password of a user:password@ URL; a URL that does
// not parse is shown as written.
func redactedURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}
