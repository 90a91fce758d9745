package install

import (
	"fmt"
)

// Merge returns the document with aport's hook entries for host set to run
// command: added when missing, replaced when they name another binary or
// passport, duplicates removed. Everything else is kept byte for byte. src is
// the current file (nil or blank when there is none). Merging what Merge
// returned changes nothing.
func Merge(host string, src []byte, file, command string) ([]byte, error) {
	switch host {
	case Claude:
		return mergeClaude(src, file, command)
	case Cursor:
		return mergeCursor(src, file, command)
	}
	return nil, fmt.Errorf("unknown host %q (claude-code, cursor)", host)
}

// Remove returns the document without aport's hook entries, and removes the
// matcher groups, event lists and "hooks" object that held only them. gone
// is true when what is left is exactly what aport writes into a new file
// besides its entries (Claude Code: {}; Cursor: {"version": 1}): the file
// was aport's alone and can be deleted.
func Remove(host string, src []byte, file string) (out []byte, gone bool, err error) {
	if empty(src) {
		return src, false, nil
	}
	var step stepFunc
	switch host {
	case Claude:
		step = removeClaudeStep(file)
	case Cursor:
		step = removeCursorStep(file)
	default:
		return nil, false, fmt.Errorf("unknown host %q (claude-code, cursor)", host)
	}
	out, err = run(src, file, step)
	if err != nil || string(out) == string(src) {
		return out, false, err
	}
	body, _ := splitBOM(out)
	root, err := parseDoc(body, file)
	if err != nil {
		return nil, false, err
	}
	switch host {
	case Claude:
		gone = len(root.members) == 0
	case Cursor:
		gone = len(root.members) == 1 && root.members[0].key == "version" && sameJSON(body[root.members[0].val.start:root.members[0].val.end], []byte("1"))
	}
	return out, gone, nil
}

// --- Claude Code: {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [entry]}]}}

func mergeClaude(src []byte, file, command string) ([]byte, error) {
	tsrc, tn, err := template(Claude, command)
	if err != nil {
		return nil, err
	}
	group := value{tsrc, tn}
	hooksArr, _, _ := tn.get("hooks")
	entry := value{tsrc, hooksArr.elems[0]}
	if empty(src) {
		return skeleton(wrapObject("hooks", wrapObject("PreToolUse", wrapArray(group)))), nil
	}
	return run(src, file, func(src []byte, root *node, st style) (edit, bool, error) {
		hooks, _, err := root.get("hooks")
		if err != nil {
			return edit{}, false, dupError(file, src, root, "the document", err)
		}
		if hooks == nil {
			return insertLast(src, root, st, memberItem(st, "hooks", wrapObject("PreToolUse", wrapArray(group)))), false, nil
		}
		ptu, found, err := claudeEntries(file, src, hooks)
		if err != nil {
			return edit{}, false, err
		}
		if ptu == nil {
			return insertLast(src, hooks, st, memberItem(st, "PreToolUse", wrapArray(group))), false, nil
		}
		keeper := -1
		for i, f := range found {
			if f.matchAll {
				keeper = i
				break
			}
		}
		for i, f := range found {
			if i != keeper {
				return removeClaudeEntry(src, root, hooks, ptu, f, keeper >= 0 && found[keeper].group == f.group), false, nil
			}
		}
		if keeper >= 0 {
			k := found[keeper].n
			if sameJSON(src[k.start:k.end], entry.text()) {
				return edit{}, true, nil
			}
			return replaceValue(src, k, st, entry), false, nil
		}
		return insertLast(src, ptu, st, elemItem(st, group)), false, nil
	})
}

// claudeEntries finds PreToolUse and aport's entries in it.
func claudeEntries(file string, src []byte, hooks *node) (ptu *node, found []aportEntry, err error) {
	if hooks.kind != '{' {
		return nil, nil, shapeError(file, src, hooks, "hooks", "an object")
	}
	ptu, _, err = hooks.get("PreToolUse")
	if err != nil {
		return nil, nil, dupError(file, src, hooks, "hooks", err)
	}
	if ptu == nil {
		return nil, nil, nil
	}
	if ptu.kind != '[' {
		return nil, nil, shapeError(file, src, ptu, "hooks.PreToolUse", "an array of matcher groups")
	}
	for gi, g := range ptu.elems {
		path := fmt.Sprintf("hooks.PreToolUse[%d]", gi)
		if g.kind != '{' {
			return nil, nil, shapeError(file, src, g, path, `an object like {"matcher": "*", "hooks": [...]}`)
		}
		m, _, err := g.get("matcher")
		if err != nil {
			return nil, nil, dupError(file, src, g, path, err)
		}
		matchAll := m == nil || (m.kind == '"' && (m.str == "*" || m.str == ""))
		hs, _, err := g.get("hooks")
		if err != nil {
			return nil, nil, dupError(file, src, g, path, err)
		}
		if hs == nil {
			continue
		}
		if hs.kind != '[' {
			return nil, nil, shapeError(file, src, hs, path+".hooks", "an array of hook entries")
		}
		for hi, h := range hs.elems {
			if entryIsAport(h) {
				found = append(found, aportEntry{group: gi, index: hi, matchAll: matchAll, n: h})
			}
		}
	}
	return ptu, found, nil
}

// removeClaudeEntry removes one of aport's entries, and the containers that
// held nothing else (unless keepGroup: another aport entry stays in it).
func removeClaudeEntry(src []byte, root, hooks, ptu *node, f aportEntry, keepGroup bool) edit {
	g := ptu.elems[f.group]
	hs, _, _ := g.get("hooks")
	onlyAport := true
	for _, h := range hs.elems {
		if !entryIsAport(h) {
			onlyAport = false
		}
	}
	if !onlyAport || keepGroup {
		return removeItem(src, hs, f.index)
	}
	if len(ptu.elems) > 1 {
		return removeItem(src, ptu, f.group)
	}
	_, pi, _ := hooks.get("PreToolUse")
	if len(hooks.members) > 1 {
		return removeItem(src, hooks, pi)
	}
	_, hi, _ := root.get("hooks")
	return removeItem(src, root, hi)
}

func removeClaudeStep(file string) stepFunc {
	return func(src []byte, root *node, st style) (edit, bool, error) {
		hooks, _, err := root.get("hooks")
		if err != nil {
			return edit{}, false, dupError(file, src, root, "the document", err)
		}
		if hooks == nil {
			return edit{}, true, nil
		}
		ptu, found, err := claudeEntries(file, src, hooks)
		if err != nil || ptu == nil || len(found) == 0 {
			return edit{}, err == nil, err
		}
		return removeClaudeEntry(src, root, hooks, ptu, found[0], false), false, nil
	}
}

// --- Cursor: {"version": 1, "hooks": {"preToolUse": [entry], ...}}

func mergeCursor(src []byte, file, command string) ([]byte, error) {
	tsrc, tn, err := template(Cursor, command)
	if err != nil {
		return nil, err
	}
	entry := value{tsrc, tn}
	events := func() value {
		var pairs []any
		for _, ev := range CursorEvents {
			pairs = append(pairs, ev, wrapArray(entry))
		}
		return wrapObject(pairs...)
	}
	if empty(src) {
		return skeleton(wrapObject("version", mustValue([]byte("1")), "hooks", events())), nil
	}
	return run(src, file, func(src []byte, root *node, st style) (edit, bool, error) {
		hooks, _, err := root.get("hooks")
		if err != nil {
			return edit{}, false, dupError(file, src, root, "the document", err)
		}
		if hooks == nil {
			return insertLast(src, root, st, memberItem(st, "hooks", events())), false, nil
		}
		if hooks.kind != '{' {
			return edit{}, false, shapeError(file, src, hooks, "hooks", "an object keyed by event name")
		}
		for _, ev := range CursorEvents {
			arr, found, err := cursorEntries(file, src, hooks, ev)
			if err != nil {
				return edit{}, false, err
			}
			if arr == nil {
				return insertLast(src, hooks, st, memberItem(st, ev, wrapArray(entry))), false, nil
			}
			if len(found) > 1 {
				return removeItem(src, arr, found[1].index), false, nil
			}
			if len(found) == 0 {
				return insertLast(src, arr, st, elemItem(st, entry)), false, nil
			}
			if k := found[0].n; !sameJSON(src[k.start:k.end], entry.text()) {
				return replaceValue(src, k, st, entry), false, nil
			}
		}
		return edit{}, true, nil
	})
}

func cursorEntries(file string, src []byte, hooks *node, ev string) (arr *node, found []aportEntry, err error) {
	arr, _, err = hooks.get(ev)
	if err != nil {
		return nil, nil, dupError(file, src, hooks, "hooks", err)
	}
	if arr == nil {
		return nil, nil, nil
	}
	if arr.kind != '[' {
		return nil, nil, shapeError(file, src, arr, "hooks."+ev, "an array of hook entries")
	}
	for i, e := range arr.elems {
		if entryIsAport(e) {
			found = append(found, aportEntry{index: i, matchAll: true, n: e})
		}
	}
	return arr, found, nil
}

func removeCursorStep(file string) stepFunc {
	return func(src []byte, root *node, st style) (edit, bool, error) {
		hooks, hi, err := root.get("hooks")
		if err != nil {
			return edit{}, false, dupError(file, src, root, "the document", err)
		}
		if hooks == nil {
			return edit{}, true, nil
		}
		if hooks.kind != '{' {
			return edit{}, false, shapeError(file, src, hooks, "hooks", "an object keyed by event name")
		}
		for _, ev := range CursorEvents {
			arr, found, err := cursorEntries(file, src, hooks, ev)
			if err != nil {
				return edit{}, false, err
			}
			if len(found) == 0 {
				continue
			}
			if len(found) < len(arr.elems) {
				return removeItem(src, arr, found[0].index), false, nil
			}
			if len(hooks.members) > 1 {
				_, ei, _ := hooks.get(ev)
				return removeItem(src, hooks, ei), false, nil
			}
			return removeItem(src, root, hi), false, nil
		}
		return edit{}, true, nil
	}
}

// Entry is one of aport's hook entries in a configuration file.
type Entry struct {
	Event   string // PreToolUse (Claude Code), or the Cursor event
	Matcher string // Claude Code's matcher ("*" for every tool); "" for Cursor
	Command string
}

// Entries lists aport's hook entries in a document, for `aport doctor` and
// the like. A blank document has none.
func Entries(host string, src []byte, file string) ([]Entry, error) {
	if empty(src) {
		return nil, nil
	}
	var out []Entry
	_, err := run(src, file, func(src []byte, root *node, st style) (edit, bool, error) {
		hooks, _, err := root.get("hooks")
		if err != nil {
			return edit{}, false, dupError(file, src, root, "the document", err)
		}
		if hooks == nil {
			return edit{}, true, nil
		}
		cmdOf := func(n *node) string { c, _, _ := n.get("command"); return c.str }
		switch host {
		case Claude:
			ptu, found, err := claudeEntries(file, src, hooks)
			if err != nil {
				return edit{}, false, err
			}
			for _, f := range found {
				m, _, _ := ptu.elems[f.group].get("matcher")
				e := Entry{Event: "PreToolUse", Command: cmdOf(f.n)}
				if m != nil && m.kind == '"' {
					e.Matcher = m.str
				}
				out = append(out, e)
			}
		case Cursor:
			if hooks.kind != '{' {
				return edit{}, false, shapeError(file, src, hooks, "hooks", "an object keyed by event name")
			}
			for _, ev := range CursorEvents {
				_, found, err := cursorEntries(file, src, hooks, ev)
				if err != nil {
					return edit{}, false, err
				}
				for _, f := range found {
					out = append(out, Entry{Event: ev, Command: cmdOf(f.n)})
				}
			}
		default:
			return edit{}, false, fmt.Errorf("unknown host %q (claude-code, cursor)", host)
		}
		return edit{}, true, nil
	})
	return out, err
}
