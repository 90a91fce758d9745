package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aporthq/aport/packs"
)

func init() { register(newPacksCmd) }

func newPacksCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "packs",
		Short: "List and describe the built-in policy packs",
		Long: `Policy packs are the rules aport applies to each capability: the context a
call must carry, the limits a passport may set (with their types), and the deny
codes a pack can produce. They are built into the binary; the evaluator reads
the same data that these commands print.`,
		Example: `  aport packs list
  aport packs show finance.payment.refund.v1
  aport packs show repo.merge
  aport packs show mcp.tool.execute.v1 --json`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPacksListCmd(a), newPacksShowCmd(a))
	return cmd
}

func newPacksListCmd(_ *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "One line per pack: id, capability, minimum assurance, title",
		Example: `  aport packs list
  aport packs list --json`,
		Args: cobra.NoArgs,
	}
	asJSON := cmd.Flags().Bool("json", false, "print every pack's data as a JSON array")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		all, err := packs.All()
		if err != nil {
			return fmt.Errorf("the built-in packs cannot be read: %w", err)
		}
		w := cmd.OutOrStdout()
		if *asJSON {
			return writePacksJSON(w, all)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PACK\tCAPABILITY\tASSURANCE\tTITLE")
		for _, p := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s+\t%s\n", p.ID, p.Capability, p.MinAssurance, p.Title)
		}
		return tw.Flush()
	}
	return cmd
}

func newPacksShowCmd(_ *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Describe one pack: context fields, limits and deny codes",
		Long: `show describes one pack, named by its id (finance.payment.refund.v1) or by the
capability it governs (finance.payment.refund): what it is for, the context
fields a call must carry, each limit a passport may set under
limits.<capability> with its type, whether it is required and what it means,
and the deny codes the pack can produce. --json prints the pack's data as
built into the binary.`,
		Example: `  aport packs show system.command.execute.v1
  aport packs show messaging.send
  aport packs show finance.payment.refund.v1 --json`,
		Args: cobra.ExactArgs(1),
	}
	asJSON := cmd.Flags().Bool("json", false, "print the pack's data as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		id := args[0]
		if byCap, ok := packs.ForCapability(id); ok {
			id = byCap
		}
		p, err := packs.Get(id)
		if err != nil {
			return &exitError{code: 1, err: withHint(fmt.Errorf("no policy pack %q", args[0]), "run `aport packs list` to see the pack ids and capabilities")}
		}
		w := cmd.OutOrStdout()
		if *asJSON {
			raw, err := packs.Raw(p.ID)
			if err != nil {
				return fmt.Errorf("pack %s cannot be read: %w", p.ID, err)
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, raw, "", "  "); err != nil {
				return fmt.Errorf("pack %s is not valid JSON: %w", p.ID, err)
			}
			buf.WriteByte('\n')
			_, err = w.Write(buf.Bytes())
			return err
		}
		return describePack(w, p)
	}
	return cmd
}

func describePack(w io.Writer, p *packs.Pack) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", p.ID, p.Title)
	fmt.Fprintf(&b, "capability:     %s\n", p.Capability)
	fmt.Fprintf(&b, "min assurance:  %s\n", p.MinAssurance)
	ctx := "none required"
	if len(p.Context) > 0 {
		ctx = strings.Join(p.Context, ", ")
	}
	fmt.Fprintf(&b, "context:        %s\n", ctx)
	if p.Description != "" {
		b.WriteString("\n")
		b.WriteString(packWrap(p.Description, 78, ""))
	}
	fmt.Fprintf(&b, "\nlimits (passport limits.%s):\n", p.Capability)
	names := make([]string, 0, len(p.Limits))
	for n := range p.Limits {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := p.Limits[names[i]].Required, p.Limits[names[j]].Required
		if ri != rj {
			return ri
		}
		return names[i] < names[j]
	})
	if len(names) == 0 {
		b.WriteString("  none\n")
	}
	for _, n := range names {
		l := p.Limits[n]
		req := "optional"
		if l.Required {
			req = "required"
		}
		fmt.Fprintf(&b, "  %s (%s, %s)\n", n, l.Type, req)
		b.WriteString(packWrap(l.Description, 74, "      "))
	}
	b.WriteString("\ndeny codes:\n")
	for _, c := range p.DenyCodes {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// packWrap breaks text into lines of at most width characters after indent.
func packWrap(text string, width int, indent string) string {
	var b strings.Builder
	line := -1 // -1: nothing on the current line yet
	for _, word := range strings.Fields(text) {
		switch {
		case line < 0:
			b.WriteString(indent)
			line = 0
		case line+1+len(word) > width:
			b.WriteString("\n" + indent)
			line = 0
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	if line >= 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

func writePacksJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Join(errors.New("the packs cannot be encoded"), err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
