package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/hooks"
)

func init() { register(newTestCmd) }

// testFile is a table of tool calls with expected decisions.
type testFile struct {
	Passport string     `json:"passport"`
	Cases    []testCase `json:"cases"`
}

type testCase struct {
	Name    string          `json:"name"`
	Host    string          `json:"host"`
	Payload json.RawMessage `json:"payload"`
	Tool    string          `json:"tool"`
	Input   json.RawMessage `json:"input"`
	Cwd     string          `json:"cwd"`
	Expect  string          `json:"expect"`
	Code    string          `json:"code"`
}

func newTestCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test FILE",
		Short: "Run a table of tool calls against a passport and check the decisions (for CI)",
		Long: `Run every case of a YAML or JSON file through the same decision path as
aport eval and compare the decision (allow, deny or ask) and, when given, the
first reason code. Prints each failure with the actual reason and ends with
"N passed, N failed"; exits 1 when any case fails.

A case is either a full host payload (Claude Code, Cursor or generic) or a
generic {tool, input}:

  passport: dev-passport.json        # relative to the test file; --passport wins
  cases:
    - name: git status is allowed
      tool: system.command.execute
      input: {command: "git status"}
      cwd: /home/dev/demo
      expect: allow
    - name: force push is denied
      payload: {"session_id": "s", "cwd": "/home/dev/demo", "hook_event_name": "PreToolUse",
                "tool_name": "Bash", "tool_input": {"command": "git push --force"}}
      expect: deny
      code: oap.command_denied

Audit events and counters go to a temporary directory, so a test run never
touches the real log or state.`,
		Example: `  aport test examples/dev-tests.yaml
  aport test policy-tests.json --passport ~/.aport/passport.json`,
		Args: cobra.ExactArgs(1),
	}
	passportPath := cmd.Flags().String("passport", "", "passport to test (default: the file's passport:, then APORT_PASSPORT, then $APORT_HOME/passport.json)")
	verbose := cmd.Flags().BoolP("verbose", "v", false, "print every case, not only failures")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		tf, err := readTestFile(args[0])
		if err != nil {
			return err
		}
		pp := *passportPath
		if pp == "" && tf.Passport != "" {
			pp = tf.Passport
			if !filepath.IsAbs(pp) {
				pp = filepath.Join(filepath.Dir(args[0]), pp)
			}
		}
		if pp == "" {
			pp = defaultPassport(a.getenv)
		}
		tmp, err := os.MkdirTemp("", "aport-test-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		out := cmd.OutOrStdout()
		passed, failed := 0, 0
		for i, tc := range tf.Cases {
			name := tc.Name
			if name == "" {
				name = fmt.Sprintf("case %d", i+1)
			}
			got, code, reason, err := runTestCase(a, tc, pp, tmp)
			if err == nil {
				err = checkTestCase(tc, got, code)
			}
			if err != nil {
				failed++
				fmt.Fprintf(out, "FAIL %s: %v\n     got %s %s: %s\n", name, err, got, code, reason)
				continue
			}
			passed++
			if *verbose {
				fmt.Fprintf(out, "ok   %s: %s %s\n", name, got, code)
			}
		}
		fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
		if failed > 0 {
			return &exitError{code: 1}
		}
		return nil
	}
	return cmd
}

func readTestFile(path string) (*testFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(err, "pass a YAML or JSON file of test cases")
	}
	if !strings.HasSuffix(path, ".json") {
		if b, err = yaml.YAMLToJSON(b); err != nil {
			return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
		}
	}
	var tf testFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tf); err != nil {
		return nil, fmt.Errorf("%s: %w (want {passport, cases: [{name, payload | tool+input, expect, code}]})", path, err)
	}
	if len(tf.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	for i, tc := range tf.Cases {
		switch tc.Expect {
		case "allow", "deny", "ask":
		default:
			return nil, fmt.Errorf("%s: case %d (%s): expect must be allow, deny or ask, found %q", path, i+1, tc.Name, tc.Expect)
		}
		if (len(tc.Payload) == 0) == (tc.Tool == "") {
			return nil, fmt.Errorf("%s: case %d (%s): give either payload or tool+input", path, i+1, tc.Name)
		}
	}
	return &tf, nil
}

// runTestCase decides one case through the same path as aport eval.
func runTestCase(a *app, tc testCase, passportPath, tmp string) (decision, code, reason string, err error) {
	payload := tc.Payload
	host := tc.Host
	if len(payload) == 0 {
		g := map[string]any{"tool": tc.Tool, "input": json.RawMessage(tc.Input)}
		if len(tc.Input) == 0 {
			g["input"] = map[string]any{}
		}
		if tc.Cwd != "" {
			g["cwd"] = tc.Cwd
		}
		payload, _ = json.Marshal(g)
		host = hooks.Generic
	}
	if host == "" {
		host = "auto"
	}
	args := []string{"--passport", passportPath, "--host", host,
		"--audit", filepath.Join(tmp, "audit.jsonl"), "--audit-key", filepath.Join(tmp, "audit.key"),
		"--state", filepath.Join(tmp, "state")}
	r := &evalRun{stdout: io.Discard, stderr: io.Discard, getenv: a.getenv, host: hooks.Claude, now: time.Now()}
	r.main(args, bytes.NewReader(payload))
	d := r.last
	if d == nil {
		return "", "", "", errors.New("no decision")
	}
	decision = decisionWord(d)
	if len(d.Reasons) > 0 {
		code, reason = d.Reasons[0].Code, d.Reasons[0].Message
	}
	return decision, code, reason, nil
}

func checkTestCase(tc testCase, got, code string) error {
	if got != tc.Expect {
		return fmt.Errorf("expected %s", tc.Expect)
	}
	if tc.Code != "" && code != tc.Code {
		return fmt.Errorf("expected code %s", tc.Code)
	}
	return nil
}
