package presets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aporthq/aport/packs"
)

// ErrInputEnded is returned when the answers stop before the wizard is done.
var ErrInputEnded = errors.New("input ended before the passport wizard finished")

// maxTries bounds how often one question is asked again after a bad answer.
const maxTries = 5

// Wizard asks for the choices of a new passport, one question per line, with
// the default in brackets (an empty answer takes it). Prompts go to out,
// answers come from in. o holds the defaults; the answers are returned in a
// copy of it.
func Wizard(in io.Reader, out io.Writer, o Options) (Options, error) {
	w := &wizard{in: bufio.NewReader(in), out: out}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Preset == "" {
		o.Preset = "dev"
	}
	if o.Expires == "" {
		o.Expires = DefaultExpires
	}
	fmt.Fprintf(out, "A passport says what your coding agent may do. Press Enter to take the [default].\n\n")
	fmt.Fprintf(out, "Presets:\n")
	for _, n := range Names() {
		if p, err := Get(n); err == nil {
			fmt.Fprintf(out, "  %-7s %s\n", n, p.Description)
		}
	}
	var p *Preset
	err := w.ask("Preset", o.Preset, func(s string) error {
		var err error
		p, err = Get(s)
		o.Preset = s
		return err
	})
	if err != nil {
		return o, err
	}
	name := o.Name
	if name == "" {
		name = "Coding agent (" + p.Name + ")"
	}
	if err := w.ask("Agent name", name, func(s string) error { o.Name = s; return nil }); err != nil {
		return o, err
	}
	if err := w.ask("Owner (a person, team or org id)", o.Owner, func(s string) error {
		if s == "" {
			return errors.New("an owner is required")
		}
		o.Owner = s
		return nil
	}); err != nil {
		return o, err
	}
	caps := o.Capabilities
	if caps == nil {
		caps = p.Capabilities
	}
	fmt.Fprintf(out, "\nCapabilities: %s\n", strings.Join(HostCapabilities, ", "))
	if err := w.ask("Capabilities to grant, comma-separated", strings.Join(caps, ", "), func(s string) error {
		list := splitList(s)
		if len(list) == 0 {
			return errors.New("grant at least one capability")
		}
		for _, c := range list {
			if _, ok := packs.ForCapability(c); !ok {
				return fmt.Errorf("unknown capability %q", c)
			}
		}
		o.Capabilities = list
		return nil
	}); err != nil {
		return o, err
	}
	extra := func(cap []string, question string, dst *[]string) error {
		for _, c := range cap {
			if slices.Contains(o.Capabilities, c) {
				def := strings.Join(*dst, ", ")
				if def == "" {
					def = "none"
				}
				return w.ask(question, def, func(s string) error { *dst = splitList(s); return nil })
			}
		}
		return nil
	}
	if err := extra([]string{"system.command.execute"}, "Extra commands to allow (like \"docker compose up\"), comma-separated", &o.ExtraCommands); err != nil {
		return o, err
	}
	if err := extra([]string{"data.file.read", "data.file.write"}, "Extra paths to allow (globs; relative ones are in the workspace), comma-separated", &o.ExtraPaths); err != nil {
		return o, err
	}
	if err := extra([]string{"web.fetch"}, "Extra domains to allow (like api.example.com or *.example.com), comma-separated", &o.ExtraDomains); err != nil {
		return o, err
	}
	if err := w.ask("Expires (90d, an RFC 3339 time, or never)", o.Expires, func(s string) error {
		if _, err := ParseExpiry(s, o.Now); err != nil {
			return err
		}
		o.Expires = s
		return nil
	}); err != nil {
		return o, err
	}
	return o, nil
}

type wizard struct {
	in  *bufio.Reader
	out io.Writer
}

// ask prints the question and passes the answer (or the default) to set
// until set accepts it.
func (w *wizard) ask(question, def string, set func(string) error) error {
	for try := 0; ; try++ {
		fmt.Fprintf(w.out, "%s [%s]: ", question, def)
		line, err := w.in.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			fmt.Fprintln(w.out)
			if errors.Is(err, io.EOF) {
				return ErrInputEnded
			}
			return fmt.Errorf("read answer: %w", err)
		}
		ans := strings.TrimSpace(line)
		if ans == "" {
			ans = def
		}
		err = set(ans)
		if err == nil {
			return nil
		}
		fmt.Fprintf(w.out, "  %v\n", err)
		if try+1 >= maxTries {
			return fmt.Errorf("%s: %w", strings.ToLower(question[:1])+question[1:], err)
		}
	}
}

// splitList splits a comma-separated answer; "none" and "-" mean empty.
func splitList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" || s == "-" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
