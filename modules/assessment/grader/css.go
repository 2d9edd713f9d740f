package grader

import (
	"bytes"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/image/colornames"
	"golang.org/x/net/html"
)

// The css check of an html test (Test.CSS, catalog.CSSCheck) asks whether
// some element the test's selector matches gets a property, and a value,
// from the document's own styles, as a browser's cascade would decide it
// among the declarations that apply to the element itself:
//
//   - the rules of its <style> elements (without a type, or text/css) whose
//     selector matches the element, cascadia matching each selector of a
//     rule's list on its own ("h1", ".title", "header > h1", "h1, h2");
//     rules inside @media, @supports and @layer blocks count, their
//     conditions not evaluated; rules inside other at-rules (@keyframes,
//     @font-face) and nested rules do not;
//   - its style="" attribute.
//
// The declaration that wins is the browser's: !important first, then the
// style attribute over rules, then the more specific selector, then the
// later one. Not counted: inherited values (color on body does not color
// h1), shorthands (background does not declare background-color), linked
// stylesheets (nothing is fetched) and rules for states or pseudo-elements
// (a:hover, p::before), which are not the element's own style.
//
// Values compare normalised (cssValue): case, spaces and !important aside;
// numbers by value (.50em = 0.5em); colors by RGBA value (red = #f00 =
// #FF0000 = rgb(255 0 0) = hsl(0 100% 50%)); strings whatever their quotes.
// An empty expected value accepts any value.

// cssDecl is a declaration of the checked property.
type cssDecl struct {
	sels      []cascadia.Sel // the rule's selectors; none for a style attribute
	value     string         // as written, !important removed
	norm      string         // cssValue(value)
	important bool
}

// cssMaxRules bounds the grammar units read of one stylesheet (a
// pathological stylesheet costs time, not the grading).
const cssMaxRules = 100000

// checkCSS checks tc.CSS against the elements found (at least one).
func checkCSS(doc *goquery.Document, found *goquery.Selection, tc Test) (Msg, bool) {
	prop := strings.TrimSpace(tc.CSS.Property)
	if !strings.HasPrefix(prop, "--") { // custom properties keep their case
		prop = strings.ToLower(prop)
	}
	want := cssValue(tc.CSS.Value)
	var rules []cssDecl
	doc.Find("style").Each(func(_ int, s *goquery.Selection) {
		if typ, ok := s.Attr("type"); ok && !strings.EqualFold(strings.TrimSpace(typ), "text/css") && strings.TrimSpace(typ) != "" {
			return
		}
		rules = append(rules, declarations(s.Text(), false, prop)...)
	})
	var first *cssDecl
	for _, n := range found.Nodes {
		d := cascade(n, rules, prop)
		if d == nil {
			continue
		}
		if want == "" || d.norm == want {
			return Msg{}, true
		}
		if first == nil {
			first = d
		}
	}
	args := map[string]any{"selector": tc.Selector, "property": prop, "value": strings.TrimSpace(tc.CSS.Value)}
	switch {
	case first == nil && want == "":
		return newMsg("grader.html.css_none", args), false
	case first == nil:
		return newMsg("grader.html.css_missing", args), false
	}
	args["got"] = clip(first.value)
	return newMsg("grader.html.css_value", args), false
}

// cascade is the declaration of prop that wins for n, nil when none
// applies.
func cascade(n *html.Node, rules []cssDecl, prop string) *cssDecl {
	type key struct {
		important, inline bool
		spec              cascadia.Specificity
	}
	less := func(a, b key) bool { // whether b wins over a, a earlier
		if a.important != b.important {
			return b.important
		}
		if a.inline != b.inline {
			return b.inline
		}
		return !b.spec.Less(a.spec) // equal: the later wins
	}
	var best *cssDecl
	var bestKey key
	consider := func(d *cssDecl, k key) {
		if best == nil || less(bestKey, k) {
			best, bestKey = d, k
		}
	}
	for i := range rules {
		d := &rules[i]
		matched, spec := false, cascadia.Specificity{}
		for _, s := range d.sels {
			if s.Match(n) && (!matched || spec.Less(s.Specificity())) {
				matched, spec = true, s.Specificity()
			}
		}
		if matched {
			consider(d, key{important: d.important, spec: spec})
		}
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, "style") {
			for _, d := range declarations(a.Val, true, prop) {
				consider(&d, key{important: d.important, inline: true})
			}
		}
	}
	return best
}

// declarations reads the declarations of prop, in order, from a
// stylesheet's rules that may apply to elements (see above), or from a
// style attribute's declaration list (inline).
func declarations(src string, inline bool, prop string) []cssDecl {
	var out []cssDecl
	p := css.NewParser(parse.NewInputString(src), inline)
	var atRules []string // the at-rule blocks we are in
	var sels []cascadia.Sel
	// The selectors of the rulesets we are in, outermost first: nested
	// rules (CSS nesting) are not read, the rest of their parent is.
	var rulesets [][]cascadia.Sel
	for range cssMaxRules {
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			if p.Err() == io.EOF || !p.HasParseError() {
				return out
			}
		case css.BeginAtRuleGrammar:
			atRules = append(atRules, strings.ToLower(string(data)))
		case css.EndAtRuleGrammar:
			if len(atRules) > 0 {
				atRules = atRules[:len(atRules)-1]
			}
		case css.BeginRulesetGrammar:
			sels = nil
			if len(rulesets) == 0 && conditionalOnly(atRules) {
				sels = ruleSelectors(p.Values())
			}
			rulesets = append(rulesets, sels)
		case css.EndRulesetGrammar:
			sels = nil
			if len(rulesets) > 0 {
				rulesets = rulesets[:len(rulesets)-1]
			}
			if len(rulesets) > 0 {
				sels = rulesets[len(rulesets)-1]
			}
		case css.DeclarationGrammar, css.CustomPropertyGrammar:
			// Custom properties (--name) keep their case.
			name := string(data)
			if gt == css.DeclarationGrammar {
				name = strings.ToLower(name)
			}
			if name != prop || (!inline && len(sels) == 0) {
				continue
			}
			value, important := declValue(p.Values())
			out = append(out, cssDecl{sels: sels, value: value, norm: cssValue(value), important: important})
		}
	}
	return out
}

// conditionalOnly reports whether the at-rule blocks a rule is in apply
// their rules to elements (under conditions not evaluated here).
func conditionalOnly(atRules []string) bool {
	for _, a := range atRules {
		switch strings.TrimPrefix(a, "@") {
		case "media", "supports", "layer", "document":
		default:
			return false
		}
	}
	return true
}

// ruleSelectors compiles the selectors of a rule's list one by one (one
// cascadia cannot read, such as a:hover, is left out, not the whole
// rule).
func ruleSelectors(toks []css.Token) []cascadia.Sel {
	var out []cascadia.Sel
	var b strings.Builder
	level := 0
	flush := func() {
		if s, err := cascadia.Parse(strings.TrimSpace(b.String())); err == nil {
			out = append(out, s)
		}
		b.Reset()
	}
	for _, t := range toks {
		switch t.TokenType {
		case css.LeftParenthesisToken, css.FunctionToken, css.LeftBracketToken:
			level++
		case css.RightParenthesisToken, css.RightBracketToken:
			level--
		case css.CommaToken:
			if level == 0 {
				flush()
				continue
			}
		}
		b.Write(t.Data)
	}
	flush()
	return out
}

// declValue is a declaration's value as written, without !important.
func declValue(toks []css.Token) (string, bool) {
	important := false
	if n := len(toks); n >= 2 && toks[n-2].TokenType == css.DelimToken && string(toks[n-2].Data) == "!" &&
		strings.EqualFold(string(toks[n-1].Data), "important") {
		important, toks = true, toks[:n-2]
	}
	var b strings.Builder
	for _, t := range toks {
		b.Write(t.Data)
	}
	return strings.TrimSpace(b.String()), important
}

// cssValue normalises a value for comparison: tokens lower-cased (but
// strings and URLs), spaces collapsed (none around commas, slashes and
// parentheses), !important removed, numbers written by value and colors
// as #rrggbb (#rrggbbaa when not opaque).
func cssValue(s string) string {
	l := css.NewLexer(parse.NewInputString(s))
	var toks []css.Token
	for range cssMaxRules {
		tt, data := l.Next()
		if tt == css.ErrorToken {
			break
		}
		if tt == css.CommentToken {
			continue
		}
		toks = append(toks, css.Token{TokenType: tt, Data: bytes.Clone(data)})
	}
	// Trailing spaces and !important.
	for len(toks) > 0 && toks[len(toks)-1].TokenType == css.WhitespaceToken {
		toks = toks[:len(toks)-1]
	}
	if n := len(toks); n >= 2 && strings.EqualFold(string(toks[n-1].Data), "important") {
		i := n - 2
		for i >= 0 && toks[i].TokenType == css.WhitespaceToken {
			i--
		}
		if i >= 0 && toks[i].TokenType == css.DelimToken && string(toks[i].Data) == "!" {
			toks = toks[:i]
		}
	}
	var parts []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.TokenType {
		case css.WhitespaceToken:
			parts = append(parts, " ")
		case css.IdentToken:
			id := strings.ToLower(string(t.Data))
			if c, ok := namedColor(id); ok {
				id = hexColor(c)
			}
			parts = append(parts, id)
		case css.HashToken:
			h := strings.ToLower(string(t.Data))
			if c, ok := hashColor(h[1:]); ok {
				h = hexColor(c)
			}
			parts = append(parts, h)
		case css.FunctionToken:
			name := strings.ToLower(string(t.Data))
			end := closing(toks, i)
			if c, ok := funcColor(strings.TrimSuffix(name, "("), toks[i+1:end]); ok {
				parts = append(parts, hexColor(c))
				i = end
				continue
			}
			parts = append(parts, name)
		case css.NumberToken, css.PercentageToken, css.DimensionToken:
			parts = append(parts, cssNumber(string(t.Data)))
		case css.StringToken:
			// Whatever its quotes (an unterminated string has no closing one).
			q, body := t.Data[0], t.Data[1:]
			if len(body) > 0 && body[len(body)-1] == q {
				body = body[:len(body)-1]
			}
			parts = append(parts, `"`+string(body)+`"`)
		case css.URLToken:
			parts = append(parts, string(t.Data))
		default:
			parts = append(parts, strings.ToLower(string(t.Data)))
		}
	}
	// Spaces: one, none at the ends nor beside , / ( ).
	var b strings.Builder
	for i, p := range parts {
		if p == " " {
			prev, next := "", ""
			if i > 0 {
				prev = parts[i-1]
			}
			if i+1 < len(parts) {
				next = parts[i+1]
			}
			sep := func(p string) bool { return p == "," || p == "/" }
			if prev == "" || next == "" || prev == " " || strings.HasSuffix(prev, "(") || sep(prev) || next == ")" || sep(next) {
				continue
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

// closing is the index of the token closing the function opened at i
// (len(toks) when none does).
func closing(toks []css.Token, i int) int {
	level := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].TokenType {
		case css.FunctionToken, css.LeftParenthesisToken:
			level++
		case css.RightParenthesisToken:
			level--
			if level == 0 {
				return j
			}
		}
	}
	return len(toks)
}

// cssNumber writes a number, percentage or dimension by value: "+.50EM" →
// "0.5em".
func cssNumber(s string) string {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || strings.IndexByte("+-.eE", s[end]) >= 0) {
		if (s[end] == 'e' || s[end] == 'E') && (end+1 >= len(s) || !(s[end+1] >= '0' && s[end+1] <= '9' || s[end+1] == '+' || s[end+1] == '-')) {
			break
		}
		end++
	}
	f, err := strconv.ParseFloat(s[:end], 64)
	if err != nil {
		return strings.ToLower(s)
	}
	return strconv.FormatFloat(f, 'g', -1, 64) + strings.ToLower(s[end:])
}

func hexColor(c color.RGBA) string {
	const digits = "0123456789abcdef"
	b := []byte{'#'}
	for _, v := range []uint8{c.R, c.G, c.B, c.A} {
		b = append(b, digits[v>>4], digits[v&15])
	}
	if c.A == 255 {
		b = b[:7]
	}
	return string(b)
}

func namedColor(name string) (color.RGBA, bool) {
	if name == "transparent" {
		return color.RGBA{}, true
	}
	c, ok := colornames.Map[name]
	return c, ok
}

// hashColor reads #rgb, #rgba, #rrggbb and #rrggbbaa (without the #).
func hashColor(h string) (color.RGBA, bool) {
	if len(h) == 3 || len(h) == 4 {
		var b strings.Builder
		for _, r := range h {
			b.WriteString(string([]rune{r, r}))
		}
		h = b.String()
	}
	if len(h) == 6 {
		h += "ff"
	}
	if len(h) != 8 {
		return color.RGBA{}, false
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, true
}

// funcColor reads rgb(), rgba(), hsl() and hsla(), commas or spaces
// between the channels, the alpha after a comma or a slash.
func funcColor(name string, args []css.Token) (color.RGBA, bool) {
	var vals []css.Token
	for _, t := range args {
		switch t.TokenType {
		case css.WhitespaceToken, css.CommaToken:
		case css.DelimToken:
			if string(t.Data) != "/" {
				return color.RGBA{}, false
			}
		case css.NumberToken, css.PercentageToken, css.DimensionToken:
			vals = append(vals, t)
		default:
			return color.RGBA{}, false
		}
	}
	if len(vals) != 3 && len(vals) != 4 {
		return color.RGBA{}, false
	}
	num := func(t css.Token) (float64, string) {
		s := cssNumber(string(t.Data))
		i := strings.IndexFunc(s, func(r rune) bool { return r != '-' && r != '.' && (r < '0' || r > '9') })
		if i < 0 {
			i = len(s)
		}
		f, _ := strconv.ParseFloat(s[:i], 64)
		return f, s[i:]
	}
	alpha := 1.0
	if len(vals) == 4 {
		a, unit := num(vals[3])
		switch unit {
		case "%":
			a /= 100
		case "":
		default:
			return color.RGBA{}, false
		}
		alpha = a
	}
	var r, g, b float64
	switch name {
	case "rgb", "rgba":
		var ch [3]float64
		for i := range 3 {
			v, unit := num(vals[i])
			switch unit {
			case "%":
				v = v * 255 / 100
			case "":
			default:
				return color.RGBA{}, false
			}
			ch[i] = v / 255
		}
		r, g, b = ch[0], ch[1], ch[2]
	case "hsl", "hsla":
		h, unit := num(vals[0])
		switch unit {
		case "", "deg":
		case "turn":
			h *= 360
		default:
			return color.RGBA{}, false
		}
		s, su := num(vals[1])
		l, lu := num(vals[2])
		if su != "%" || lu != "%" {
			return color.RGBA{}, false
		}
		h = math.Mod(math.Mod(h, 360)+360, 360) / 360
		r, g, b = css.HSL2RGB(h, clamp01(s/100), clamp01(l/100))
	default:
		return color.RGBA{}, false
	}
	ch := func(v float64) uint8 { return uint8(math.Round(clamp01(v) * 255)) }
	return color.RGBA{R: ch(r), G: ch(g), B: ch(b), A: ch(alpha)}, true
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }
