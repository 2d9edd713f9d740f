package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// A YAML file is parsed into a yaml.Node tree and decoded by hand rather
// than with yaml.Unmarshal: the hand-written walk reports *every* problem
// (not the first), with the line and column of the offending key, and it
// records where each field came from so the catalog's validation errors
// (located by JSON path) can be mapped back to lines.

// pos is where a field was written.
type pos struct {
	line, col int
	// label is the field's path as the author wrote it: the validator's path
	// with the last segment replaced by the key used ("body_file").
	label string
}

// Limits that keep a hostile or broken file from exhausting memory: aliases
// can make a small YAML document expand exponentially.
const (
	maxYAMLBytes = 8 << 20
	maxNodes     = 1 << 20 // decoded nodes per bundle, aliases counted each time they expand
	maxDepth     = 64
)

// fileDecoder decodes one YAML file of the bundle.
type fileDecoder struct {
	l      *loader
	file   string // the file as problems name it: relative to the bundle root's parent
	relDir string // the file's directory relative to the bundle root ("" at the root)
	locs   map[string]pos
	// bad holds the paths whose values could not be read; the validator's
	// complaints about them would only repeat the problem.
	bad   map[string]bool
	depth int
	// exhausted is set once the node budget or depth limit was hit, so the
	// problem is reported once rather than for every remaining node.
	exhausted bool
}

func newFileDecoder(l *loader, relFile string) *fileDecoder {
	dir := ""
	if i := strings.LastIndexByte(relFile, '/'); i >= 0 {
		dir = relFile[:i]
	}
	return &fileDecoder{l: l, file: l.display(relFile), relDir: dir, locs: map[string]pos{}, bad: map[string]bool{}}
}

func (d *fileDecoder) problem(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.l.add(Problem{File: d.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). The parser reports a 0-based line number, the scanner a 1-based
// one, and neither says which it is; telling them apart by message puts the
// problem on the right line.
var parserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"did not find expected node content", "did not find expected '-' indicator", "did not find expected key",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "found undefined tag handle",
	"found duplicate %YAML directive", "found incompatible YAML document", "found duplicate %TAG directive",
}

// parse reads the file's single YAML document. It returns nil (after
// reporting a problem) when the text is not YAML.
func (d *fileDecoder) parse(data []byte) (doc *yaml.Node) {
	// yaml.v3 reports bad bytes without a position; finding them first
	// gives the author a line and column.
	if line, col, msg := badCharacter(data); msg != "" {
		d.l.add(Problem{File: d.file, Line: line, Column: col, Message: msg})
		return nil
	}
	defer func() {
		// The parser is third-party code fed with arbitrary text; a bug there
		// must surface as a problem of this file, not crash the server's
		// first-start import.
		if r := recover(); r != nil {
			d.problem(nil, "cannot parse YAML: %v", r)
			doc = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			d.problem(nil, "the file is empty")
			return nil
		}
		msg, line := strings.TrimPrefix(err.Error(), "yaml: "), 0
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		if contains(parserProblems, msg) {
			line++
		}
		// Without a line number the problem is on the first line.
		d.l.add(Problem{File: d.file, Line: max(line, 1), Message: "invalid YAML: " + msg})
		return nil
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		d.problem(nil, "the file is empty")
		return nil
	}
	// yaml.Unmarshal would silently read only the first document.
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := 0
		if err == nil {
			line = next.Line
		}
		d.l.add(Problem{File: d.file, Line: line, Message: "the file must hold one YAML document (a --- line starts another)"})
	}
	return root.Content[0]
}

// badCharacter finds the first byte sequence YAML refuses: invalid UTF-8,
// or a control character other than tab and line breaks.
func badCharacter(data []byte) (line, col int, msg string) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, "the file is not UTF-8 text"
		case r == '\n':
			line, col = line+1, 0
		case r == '\t' || r == '\r' || r == 0x85 || r == 0xFEFF:
		case r < 0x20 || (r >= 0x7F && r <= 0x9F) || (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF:
			return line, col, fmt.Sprintf("control character U+%04X is not allowed in YAML", r)
		}
		i += size
		col++
	}
	return 0, 0, ""
}

// spend counts a decoded node against the bundle's budget.
func (d *fileDecoder) spend(n *yaml.Node) bool {
	d.l.nodes++
	if d.l.nodes > maxNodes || d.depth > maxDepth {
		if !d.exhausted {
			d.exhausted = true
			d.problem(n, "the document nests too deeply or expands its aliases too much")
		}
		return false
	}
	return true
}

// value decodes n into v. path is the JSON path of v, as the catalog's
// validator writes it ("lectures[0].topics[2].title").
func (d *fileDecoder) value(n *yaml.Node, v reflect.Value, path string) {
	if !d.spend(n) {
		return
	}
	if n.Kind == yaml.AliasNode {
		// Aliases are followed (they are handy for repeated starter code);
		// the depth limit stops an alias that contains itself.
		d.depth++
		defer func() { d.depth-- }()
		if n.Alias == nil {
			d.problem(n, "unknown alias *%s", n.Value)
			return
		}
		d.value(n.Alias, v, path)
		return
	}
	if isNull(n) {
		return // an empty value is the zero value, as if the key were absent
	}
	d.depth++
	defer func() { d.depth-- }()
	if v.Type() == rawMessageType {
		// A payload: the JSON that the YAML value would be, for its kind
		// to decode.
		if x, ok := d.anyValue(n, path); ok {
			b, _ := json.Marshal(x) // anyValue makes only values JSON encodes
			v.SetBytes(b)
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.typeProblem(n, path, "expected text, found %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.typeProblem(n, path, "expected true or false, found %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.typeProblem(n, path, "expected a whole number, found %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.value(n, e.Elem(), path)
		v.Set(e)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.typeProblem(n, path, "expected a list, found %s", describe(n))
			return
		}
		// A non-nil slice even when empty: "args: []" (a call without
		// arguments) differs from leaving args out.
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.locs[p] = pos{line: item.Line, col: item.Column, label: d.label(path) + fmt.Sprintf("[%d]", i)}
			d.value(item, s.Index(i), p)
		}
		v.Set(s)
	case reflect.Map:
		d.mapValue(n, v, path)
	case reflect.Struct:
		d.structValue(n, v, path, nil)
	case reflect.Interface:
		x, ok := d.anyValue(n, path)
		if ok && x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.typeProblem(n, path, "this field cannot be written in a bundle")
	}
}

// typeProblem reports a value that cannot be read as its field's type.
func (d *fileDecoder) typeProblem(n *yaml.Node, path, format string, args ...any) {
	d.fieldProblem(n, path, d.label(path), format, args...)
}

// fieldProblem reports a problem with a field's value, prefixed with the
// field's label, and marks the field as unreadable.
func (d *fileDecoder) fieldProblem(n *yaml.Node, path, label, format string, args ...any) {
	d.bad[path] = true
	msg := fmt.Sprintf(format, args...)
	if label != "" {
		msg = label + ": " + msg
	}
	d.problem(n, "%s", msg)
}

// label is the path to show for a field: where it was recorded, or the
// validator's path when it was not written at all.
func (d *fileDecoder) label(path string) string {
	if p, ok := d.locs[path]; ok && p.label != "" {
		return p.label
	}
	if path == "" {
		return "document"
	}
	return path
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for "expected X, found Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	return strconv.Quote(v)
}

// mapValue decodes a mapping of text keys to a Go map (html tests' attr).
func (d *fileDecoder) mapValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeProblem(n, path, "expected a mapping, found %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.problem(k, "%s: keys must be text", d.label(path))
			continue
		}
		kv := reflect.New(v.Type().Key()).Elem()
		p := path + "." + k.Value
		d.locs[p] = pos{line: k.Line, col: k.Column, label: d.label(path) + "." + k.Value}
		d.value(k, kv, p)
		ev := reflect.New(v.Type().Elem()).Elem()
		d.value(val, ev, p)
		m.SetMapIndex(kv, ev)
	}
	v.Set(m)
}

// anyValue converts a node to the value encoding/json would produce from
// the equivalent JSON (map[string]any, []any, string, float64 or int64,
// bool, nil): tests' args and expect are compared as JSON by the graders.
func (d *fileDecoder) anyValue(n *yaml.Node, path string) (any, bool) {
	if !d.spend(n) {
		return nil, false
	}
	d.depth++
	defer func() { d.depth-- }()
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			d.problem(n, "unknown alias *%s", n.Value)
			return nil, false
		}
		return d.anyValue(n.Alias, path)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			x, ok := d.anyValue(item, path)
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				d.typeProblem(k, path, "JSON object keys must be text")
				return nil, false
			}
			x, ok := d.anyValue(n.Content[i+1], path)
			if !ok {
				return nil, false
			}
			out[k.Value] = x
		}
		return out, true
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, true
			}
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil {
				return i, true
			}
			var f float64 // beyond int64: still a JSON number
			if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) {
				return f, true
			}
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f, true
			}
			d.typeProblem(n, path, "%s is not a JSON number", describe(n))
			return nil, false
		case "!!str", "!!timestamp", "!!binary":
			// Dates stay the text written: JSON has no date type.
			return n.Value, true
		}
		d.typeProblem(n, path, "cannot use %s (tag %s) as a JSON value", describe(n), n.ShortTag())
		return nil, false
	}
	d.typeProblem(n, path, "unsupported YAML node")
	return nil, false
}

// structValue decodes a mapping into a struct, key by key. top, when not
// nil, sees every key first and reports whether it handled it: the top of a
// file holds keys (schema) that are not fields of the catalog's types.
func (d *fileDecoder) structValue(n *yaml.Node, v reflect.Value, path string, top func(k, val *yaml.Node) bool) {
	if n.Kind != yaml.MappingNode {
		d.typeProblem(n, path, "expected a mapping (key: value lines), found %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	// given remembers the key that filled each field, to refuse a text
	// given both inline and as a file.
	given := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.problem(k, "%s: keys must be plain names", d.label(path))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.problem(k, "merge keys (<<) are not supported; repeat the keys or use an alias for the value")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.problem(k, "key %q repeated (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		if top != nil && top(k, val) {
			continue
		}
		f, ok := lookup(fields, k.Value)
		if !ok {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if s := suggest(fields, k.Value); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			if path != "" {
				msg = d.label(path) + ": " + msg
			}
			d.problem(k, "%s", msg)
			continue
		}
		fp := joinPath(path, f.name)
		label := joinPath(d.labelOrEmpty(path), f.key)
		if other, dup := given[f.name]; dup {
			d.fieldProblem(k, fp, label, "give %s or %s, not both (the other is on line %d)",
				f.name, f.name+fileSuffix, other.Line)
			continue
		}
		given[f.name] = k
		d.locs[fp] = pos{line: k.Line, col: k.Column, label: label}
		fv := v.Field(f.index)
		switch f.kind {
		case plainField:
			d.value(val, fv, fp)
		case refField:
			var s string
			d.value(val, reflect.ValueOf(&s).Elem(), fp)
			if s != "" {
				if ref, ok := d.l.reference(d, k, fp, label, s); ok {
					fv.SetString(ref)
				}
			}
		case fileField:
			var s string
			d.value(val, reflect.ValueOf(&s).Elem(), fp)
			if s == "" {
				d.fieldProblem(k, fp, label, "expected a file name")
				continue
			}
			if text, ok := d.l.readText(d, k, fp, label, s); ok {
				fv.SetString(text)
			}
		}
	}
}

// labelOrEmpty is label for a nested path and "" at the top of a file.
func (d *fileDecoder) labelOrEmpty(path string) string {
	if path == "" {
		return ""
	}
	return d.label(path)
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func lookup(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// suggest returns the known key closest to a misspelt one, if close enough.
func suggest(fields []field, key string) string {
	best, bestDist := "", 3
	for _, f := range fields {
		if dist := editDistance(strings.ToLower(key), f.key); dist < bestDist {
			best, bestDist = f.key, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// locate returns where the field at a validator path was written: the
// field's own key, or, for a field that was left out, the nearest enclosing
// value that was written.
func (d *fileDecoder) locate(path string) pos {
	for {
		if p, ok := d.locs[path]; ok {
			return p
		}
		if path == "" {
			return pos{line: 1, col: 1}
		}
		path = parentPath(path)
	}
}

// parentPath drops the last segment of a path: "a.b[2]" → "a.b" → "a" → "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}
