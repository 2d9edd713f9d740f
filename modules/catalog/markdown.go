package catalog

import (
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/text/width"
)

// Course text is Markdown (descriptions, article bodies, notes, prompts),
// rendered by one goldmark with two additions for Korean pages:
//
//   - CJK-friendly emphasis. CommonMark's flanking rule leaves the ** of
//     "**굵게(bold)**는" as text: the closing run follows a punctuation mark
//     and precedes a letter, as Korean particles always do. The CommonMark
//     CJK-friendly amendment (tats-u/markdown-cjk-friendly) counts a CJK
//     character beside the run like a space or punctuation. Its goldmark port
//     (github.com/tats-u/goldmark-cjk-friendly) is not served by the Go
//     module proxy this project builds from, so the amendment's two
//     definitions are implemented here, in goldmark's own extension points.
//   - headings shifted down: a page already has its <h1> (the course title)
//     and its <h2> sections, so a body's "# Title" becomes <h3>.

// headingShift is how many levels headings move down.
const headingShift = 2

func newMarkdown() goldmark.Markdown {
	// goldmark drops raw HTML and dangerous link schemes unless told
	// otherwise: course text cannot inject script into pages.
	return goldmark.New(goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(
			// Before goldmark's emphasis parser (priority 500), which then
			// never sees a run: this one takes every * and _ run.
			parser.WithInlineParsers(util.Prioritized(cjkEmphasisParser{}, 499)),
			parser.WithASTTransformers(util.Prioritized(shiftHeadings{}, 100))))
}

// shiftHeadings moves every heading down headingShift levels (at most h6).
type shiftHeadings struct{}

func (shiftHeadings) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+headingShift, 6)
		}
		return ast.WalkContinue, nil
	})
}

// cjkEmphasisParser is goldmark's emphasis parser with the flanking rules
// of the CJK-friendly amendment.
type cjkEmphasisParser struct{}

func (cjkEmphasisParser) Trigger() []byte { return []byte{'*', '_'} }

func (cjkEmphasisParser) Parse(_ ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, segment := block.PeekLine()
	if len(line) == 0 {
		return nil
	}
	c := line[0]
	n := 1
	for n < len(line) && line[n] == c {
		n++
	}
	before := block.PrecendingCharacter()
	// The character before a variation selector decides what it follows.
	var beforeBase rune
	if isVariationSelector(before) {
		src := block.Source()[:segment.Start]
		_, size := utf8.DecodeLastRune(src)
		beforeBase, _ = utf8.DecodeLastRune(src[:len(src)-size])
	}
	after := ' ' // the end of the line counts as whitespace
	if n < len(line) {
		after, _ = utf8.DecodeRune(line[n:])
	}
	left, right := flanking(before, beforeBase, after)
	canOpen, canClose := left, right
	if c == '_' {
		// Rules 2 and 6 (opening) and 4 and 8 (closing) for _.
		beforePunct := isPunct(before) || (isSVS(before) && isPunct(beforeBase))
		canOpen = left && (!right || beforePunct)
		canClose = right && (!left || isPunct(after))
	}
	d := parser.NewDelimiter(canOpen, canClose, n, c, emphasisDelimiters{})
	d.Segment = segment.WithStop(segment.Start + n)
	block.Advance(n)
	pc.PushDelimiter(d)
	return d
}

// flanking applies the amendment's definitions of left- and right-flanking
// delimiter runs: before and after are the characters around the run
// (beforeBase the one before a variation selector that precedes it).
func flanking(before, beforeBase, after rune) (left, right bool) {
	beforeSpace, afterSpace := util.IsSpaceRune(before), util.IsSpaceRune(after)
	// A "sequence" is a character, possibly followed by a variation selector.
	beforeNonCJKPunct := isNonCJKPunct(before) || (isSVS(before) && isNonCJKPunct(beforeBase))
	beforeCJK := isCJK(before) || (isSVS(before) && isCJK(beforeBase))
	afterNonCJKPunct := isNonCJKPunct(after)
	left = !afterSpace && (!afterNonCJKPunct || beforeSpace || beforeNonCJKPunct || beforeCJK || isIVS(before))
	right = !beforeSpace && (!beforeNonCJKPunct || afterSpace || afterNonCJKPunct || isCJK(after))
	return left, right
}

// isPunct is CommonMark's Unicode punctuation: general category P or S.
func isPunct(r rune) bool { return util.IsPunctRune(r) }

func isNonCJKPunct(r rune) bool { return isPunct(r) && !isCJK(r) }

// isCJK is the amendment's CJK character: a Hangul character, or one East
// Asian Wide, Fullwidth or Halfwidth that is not an emoji shown as such by
// default. The emoji test is approximate (the blocks where such emoji
// live, less the two wide angle brackets there): a delimiter beside an
// emoji stays CommonMark's.
func isCJK(r rune) bool {
	if unicode.Is(unicode.Hangul, r) {
		return true
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth, width.EastAsianHalfwidth:
		return !isEmoji(r)
	}
	return false
}

func isEmoji(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2300 && r <= 0x2BFF && r != 0x2329 && r != 0x232A)
}

// isSVS: a variation selector other than the emoji one (U+FE0F).
func isSVS(r rune) bool { return r >= 0xFE00 && r <= 0xFE0E }

// isIVS: an ideographic variation selector.
func isIVS(r rune) bool { return r >= 0xE0100 && r <= 0xE01EF }

func isVariationSelector(r rune) bool { return isSVS(r) || r == 0xFE0F || isIVS(r) }

// emphasisDelimiters pairs * with * and _ with _ into emphasis, as
// goldmark's own emphasis delimiters do.
type emphasisDelimiters struct{}

func (emphasisDelimiters) IsDelimiter(b byte) bool { return b == '*' || b == '_' }

func (emphasisDelimiters) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	return opener.Char == closer.Char
}

func (emphasisDelimiters) OnMatch(consumes int) ast.Node { return ast.NewEmphasis(consumes) }
