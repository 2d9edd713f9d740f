package grader

import (
	"context"
	"fmt"
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
// match has (attr). No script runs and nothing is fetched.

func gradeHTML(ctx context.Context, t Task, code string, _ Limits) Result {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(code))
	if err != nil {
		return stopped(t, nil, VerdictCompileError, "The document could not be read: "+err.Error())
	}
	r := Result{}
	for _, tc := range t.Tests {
		if ctx.Err() != nil {
			return stopped(t, r.Tests, VerdictTimeLimit, timeLimitMessage)
		}
		r.Tests = append(r.Tests, checkHTML(doc, tc))
	}
	r.finish()
	return r
}

func checkHTML(doc *goquery.Document, tc Test) TestResult {
	tr := TestResult{Name: tc.Name, Hidden: tc.Hidden}
	sel, err := cascadia.Compile(tc.Selector)
	if err != nil {
		tr.Message = fmt.Sprintf("The test's selector %q is not valid CSS: %v", tc.Selector, err)
		return tr
	}
	found := doc.FindMatcher(sel)
	n := found.Length()
	switch {
	case tc.Count != nil:
		if n != *tc.Count {
			tr.Message = fmt.Sprintf("expected %d elements matching %q, found %d", *tc.Count, tc.Selector, n)
			return tr
		}
	case tc.MinCount != nil:
		if n < *tc.MinCount {
			tr.Message = fmt.Sprintf("expected at least %d elements matching %q, found %d", *tc.MinCount, tc.Selector, n)
			return tr
		}
	case tc.Text != "":
		if n == 0 {
			tr.Message = fmt.Sprintf("no element matches %q", tc.Selector)
			return tr
		}
		text := strings.Join(strings.Fields(found.First().Text()), " ")
		if !strings.Contains(text, strings.Join(strings.Fields(tc.Text), " ")) {
			tr.Message = fmt.Sprintf("the text of %q is %q; it should contain %q", tc.Selector, clip(text), tc.Text)
			return tr
		}
	case len(tc.Attr) > 0:
		if n == 0 {
			tr.Message = fmt.Sprintf("no element matches %q", tc.Selector)
			return tr
		}
		if m := checkAttrs(found, tc); m != "" {
			tr.Message = m
			return tr
		}
	default:
		if n == 0 {
			tr.Message = fmt.Sprintf("no element matches %q", tc.Selector)
			return tr
		}
	}
	tr.Passed = true
	return tr
}

// checkAttrs checks that every match has the test's attributes: {name: X}
// names an attribute that must be present and not empty ({name: X,
// value: V}: equal to V); any other key is an attribute that must have the
// given value (or, given "", be present and not empty).
func checkAttrs(found *goquery.Selection, tc Test) string {
	keys := make([]string, 0, len(tc.Attr))
	for k := range tc.Attr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msg := ""
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
				msg = fmt.Sprintf("element %d matching %q has no %s attribute", i+1, tc.Selector, name)
				return false
			case want == "" && strings.TrimSpace(v) == "":
				msg = fmt.Sprintf("element %d matching %q has an empty %s attribute", i+1, tc.Selector, name)
				return false
			case want != "" && v != want:
				msg = fmt.Sprintf("element %d matching %q has %s=%q, expected %q", i+1, tc.Selector, name, clip(v), want)
				return false
			}
		}
		return true
	})
	return msg
}
