package grader

import (
	"context"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// The html grader runs in the child (see child.go): the learner's document
// is parsed as browsers parse HTML (golang.org/x/net/html, through
// goquery, so broken markup is repaired the same way), and each test
// checks a CSS selector (cascadia) against it: how many elements match
// (count, min_count), the first match's text (text), or an attribute every
// match has (attr), or a CSS declaration some match gets from the
// document's styles (css, see css.go). No script runs and nothing is
// fetched.

func gradeHTML(ctx context.Context, t Task, code string, _ Limits) Result {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(code))
	if err != nil {
		return stopped(t, nil, VerdictCompileError, msg("grader.html.unreadable", "error", clip(err.Error())))
	}
	r := Result{}
	for _, tc := range t.Tests {
		if ctx.Err() != nil {
			return stopped(t, r.Tests, VerdictTimeLimit, timeLimitMsg)
		}
		r.Tests = append(r.Tests, checkHTML(doc, tc))
	}
	r.finish()
	return r
}

func checkHTML(doc *goquery.Document, tc Test) TestResult {
	tr := TestResult{Name: tc.Name, Hidden: tc.Hidden}
	m, ok := checkHTMLTest(doc, tc)
	if !ok {
		tr.say(m)
	}
	tr.Passed = ok
	return tr
}

func checkHTMLTest(doc *goquery.Document, tc Test) (Msg, bool) {
	sel, err := cascadia.Compile(tc.Selector)
	if err != nil {
		return msg("grader.html.bad_selector", "selector", tc.Selector, "error", err.Error()), false
	}
	found := doc.FindMatcher(sel)
	n := found.Length()
	switch {
	case tc.Count != nil:
		if n != *tc.Count {
			return msg("grader.html.count", "selector", tc.Selector, "want", *tc.Count, "got", n), false
		}
		return Msg{}, true
	case tc.MinCount != nil:
		if n < *tc.MinCount {
			return msg("grader.html.min_count", "selector", tc.Selector, "want", *tc.MinCount, "got", n), false
		}
		return Msg{}, true
	case n == 0:
		return msg("grader.html.none", "selector", tc.Selector), false
	case tc.Text != "":
		text := strings.Join(strings.Fields(found.First().Text()), " ")
		if want := strings.Join(strings.Fields(tc.Text), " "); !strings.Contains(text, want) {
			return msg("grader.html.text", "selector", tc.Selector, "got", clip(text), "want", tc.Text), false
		}
	case len(tc.Attr) > 0:
		return checkAttrs(found, tc)
	case tc.CSS != nil:
		return checkCSS(doc, found, tc)
	}
	return Msg{}, true
}

// checkAttrs checks that every match has the test's attributes: {name: X}
// names an attribute that must be present and not empty ({name: X,
// value: V}: equal to V); any other key is an attribute that must have the
// given value (or, given "", be present and not empty).
func checkAttrs(found *goquery.Selection, tc Test) (Msg, bool) {
	keys := make([]string, 0, len(tc.Attr))
	for k := range tc.Attr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var m Msg
	found.EachWithBreak(func(i int, s *goquery.Selection) bool {
		for _, k := range keys {
			name, want := k, tc.Attr[k]
			_, named := tc.Attr["name"]
			switch {
			case k == "name":
				name, want = tc.Attr["name"], tc.Attr["value"]
			case k == "value" && named:
				continue
			}
			v, ok := s.Attr(name)
			switch {
			case !ok:
				m = msg("grader.html.attr_missing", "n", i+1, "selector", tc.Selector, "attr", name)
				return false
			case want == "" && strings.TrimSpace(v) == "":
				m = msg("grader.html.attr_empty", "n", i+1, "selector", tc.Selector, "attr", name)
				return false
			case want != "" && v != want:
				m = msg("grader.html.attr_value", "n", i+1, "selector", tc.Selector, "attr", name, "got", clip(v), "want", want)
				return false
			}
		}
		return true
	})
	return m, m.Code == ""
}
