package grader

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/weaverse/weaverse/modules/catalog"
)

// TestCSSCheck is the css check's semantics, case by case: which styles
// count, which declaration wins, how values compare, what the learner is
// told.
func TestCSSCheck(t *testing.T) {
	t.Parallel()
	const red = "color: red"
	for _, tc := range []struct {
		name     string
		html     string
		selector string
		check    string // "property: value" ("property:" for any value)
		code     string // the message's code; "" passes
		got      string // the message's got argument
	}{
		// Where declarations come from.
		{"style element", `<style>h1 { color: red }</style><h1>x</h1>`, "h1", red, "", ""},
		{"style attribute", `<h1 style="color: red">x</h1>`, "h1", red, "", ""},
		{"class rule", `<style>.title { color: red }</style><h1 class="title">x</h1>`, "h1", red, "", ""},
		{"descendant rule", `<style>header h1 { color: red }</style><header><h1>x</h1></header>`, "h1", red, "", ""},
		{"descendant rule, elsewhere", `<style>header h1 { color: red }</style><main><h1>x</h1></main>`, "h1", red, "grader.html.css_missing", ""},
		{"selector list", `<style>h2, h1 { color: red }</style><h1>x</h1>`, "h1", red, "", ""},
		{"list with an unreadable member", `<style>a:hover, h1 { color: red }</style><h1>x</h1>`, "h1", red, "", ""},
		{"state rule does not count", `<style>h1:hover { color: red }</style><h1>x</h1>`, "h1", red, "grader.html.css_missing", ""},
		{"pseudo-element does not count", `<style>h1::before { color: red }</style><h1>x</h1>`, "h1", red, "grader.html.css_missing", ""},
		{"test selector is more specific", `<style>h1 { color: red }</style><h1 class="a">x</h1><h1>y</h1>`, "h1.a", red, "", ""},
		{"some element suffices", `<style>.b { color: red }</style><p>x</p><p class="b">y</p>`, "p", red, "", ""},
		{"in @media", `<style>@media (max-width: 600px) { h1 { color: red } }</style><h1>x</h1>`, "h1", red, "", ""},
		{"in @keyframes", `<style>@keyframes h1 { from { color: red } }</style><h1>x</h1>`, "h1", red, "grader.html.css_missing", ""},
		{"nested rule", `<style>main { h1 { color: red } }</style><main><h1>x</h1></main>`, "h1", red, "grader.html.css_missing", ""},
		{"after a nested rule", `<style>h1 { b { color: blue } color: red }</style><h1>x</h1>`, "h1", red, "", ""},
		{"not inherited", `<style>body { color: red }</style><h1>x</h1>`, "h1", red, "grader.html.css_missing", ""},
		{"shorthand is not the longhand", `<style>h1 { background: red }</style><h1>x</h1>`, "h1", "background-color: red", "grader.html.css_missing", ""},
		{"other type", `<style type="text/less">h1 { color: red }</style><h1>x</h1>`, "h1", red, "grader.html.css_missing", ""},
		{"text/css type", `<style type="TEXT/CSS">h1 { color: red }</style><h1>x</h1>`, "h1", red, "", ""},
		{"several style elements", `<style>p{}</style><style>h1{color:red}</style><h1>x</h1>`, "h1", red, "", ""},
		{"broken CSS around", `<style>h1 { color: red; ;;; width: } p { oops </style><h1>x</h1>`, "h1", red, "", ""},
		{"custom property", `<style>:root { --brand: #f00 } h1 { --brand: red }</style><h1>x</h1>`, "h1", "--brand: red", "", ""},
		{"custom property case", `<style>h1 { --Brand: red }</style><h1>x</h1>`, "h1", "--brand: red", "grader.html.css_missing", ""},
		{"property case", `<style>h1 { color: red }</style><h1>x</h1>`, "h1", "Color: red", "", ""},

		// The cascade.
		{"later rule wins", `<style>h1 { color: red } h1 { color: blue }</style><h1>x</h1>`, "h1", red, "grader.html.css_value", "blue"},
		{"later declaration wins", `<style>h1 { color: red; color: blue }</style><h1>x</h1>`, "h1", red, "grader.html.css_value", "blue"},
		{"more specific wins", `<style>h1.t { color: red } h1 { color: blue }</style><h1 class="t">x</h1>`, "h1", red, "", ""},
		{"id beats class", `<style>#a { color: red } .b.c.d { color: blue }</style><h1 id="a" class="b c d">x</h1>`, "h1", red, "", ""},
		{"inline beats rules", `<style>#a { color: blue }</style><h1 id="a" style="color: red">x</h1>`, "h1", red, "", ""},
		{"important beats inline", `<style>h1 { color: blue !important }</style><h1 style="color: red">x</h1>`, "h1", red, "grader.html.css_value", "blue"},
		{"inline important beats important", `<style>#a { color: blue !important }</style><h1 id="a" style="color: red !important">x</h1>`, "h1", red, "", ""},
		{"list takes its most specific match", `<style>h1, #a { color: red } .b { color: blue }</style><h1 id="a" class="b">x</h1>`, "h1", red, "", ""},

		// Values.
		{"case", `<style>H1 { COLOR: RED }</style><h1>x</h1>`, "h1", red, "", ""},
		{"important ignored", `<style>h1 { color: red !important }</style><h1>x</h1>`, "h1", red, "", ""},
		{"short hex", `<style>h1 { color: #F00 }</style><h1>x</h1>`, "h1", red, "", ""},
		{"long hex", `<style>h1 { color: #ff0000 }</style><h1>x</h1>`, "h1", red, "", ""},
		{"rgb", `<style>h1 { color: rgb(255, 0, 0) }</style><h1>x</h1>`, "h1", red, "", ""},
		{"rgb spaces", `<style>h1 { color: rgb(255 0 0 / 100%) }</style><h1>x</h1>`, "h1", red, "", ""},
		{"hsl", `<style>h1 { color: hsl(0deg 100% 50%) }</style><h1>x</h1>`, "h1", red, "", ""},
		{"rgba is not opaque", `<style>h1 { color: rgba(255, 0, 0, 0.5) }</style><h1>x</h1>`, "h1", red, "grader.html.css_value", "rgba(255,0,0,0.5)"},
		{"another color", `<style>h1 { color: darkred }</style><h1>x</h1>`, "h1", red, "grader.html.css_value", "darkred"},
		{"expected as hex", `<style>h1 { color: red }</style><h1>x</h1>`, "h1", "color: #FF0000", "", ""},
		{"spaces", `<style>h1 { margin:0  auto }</style><h1>x</h1>`, "h1", "margin: 0 auto", "", ""},
		{"numbers", `<style>h1 { font-size: .50EM }</style><h1>x</h1>`, "h1", "font-size: 0.5em", "", ""},
		{"units differ", `<style>h1 { font-size: 16px }</style><h1>x</h1>`, "h1", "font-size: 1em", "grader.html.css_value", "16px"},
		{"font list", `<style>h1 { font-family: 'Open Sans' , Arial,sans-serif }</style><h1>x</h1>`, "h1", `font-family: "Open Sans", arial, sans-serif`, "", ""},
		{"any value", `<style>h1 { color: teal }</style><h1>x</h1>`, "h1", "color:", "", ""},
		{"any value, none", `<h1>x</h1>`, "h1", "color:", "grader.html.css_none", ""},

		// No element.
		{"no element", `<style>h1 { color: red }</style><p>x</p>`, "h1", red, "grader.html.none", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(tc.html))
			if err != nil {
				t.Fatal(err)
			}
			prop, value, _ := strings.Cut(tc.check, ":")
			test := Test{Name: "css", Selector: tc.selector, CSS: &catalog.CSSCheck{Property: prop, Value: strings.TrimSpace(value)}}
			m, ok := checkHTMLTest(doc, test)
			if ok != (tc.code == "") || m.Code != tc.code {
				t.Fatalf("passed=%v %+v (%s), want code %q", ok, m, m.English(), tc.code)
			}
			if tc.got != "" && m.Args["got"] != tc.got {
				t.Errorf("got %q, want %q", m.Args["got"], tc.got)
			}
			if !ok && !strings.Contains(m.English(), prop) && tc.code != "grader.html.none" {
				t.Errorf("the message %q does not name %s", m.English(), prop)
			}
		})
	}
}

func TestCSSValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"RED":                           "#ff0000",
		"  red   !important ":           "#ff0000",
		"red ! IMPORTANT":               "#ff0000",
		"#ABC":                          "#aabbcc",
		"#aabbcc80":                     "#aabbcc80",
		"transparent":                   "#00000000",
		"rgb(0 128 0)":                  "#008000",
		"rgb(0%, 100%, 0%)":             "#00ff00",
		"hsla(120, 100%, 25%, 1)":       "#008000",
		"rgb(nope)":                     "rgb(nope)",
		"1px solid RED":                 "1px solid #ff0000",
		"calc( 100%  -  2PX )":          "calc(100% - 2px)",
		"+.5E1px":                       "5px",
		`url("A.png") no-repeat`:        `url("A.png") no-repeat`,
		"'Noto Sans KR', sans-serif":    `"Noto Sans KR",sans-serif`,
		"/* comment */ bold":            "bold",
		"":                              "",
		"#xyz":                          "#xyz",
		"rgb(255 0 0 / 50%)":            "#ff000080",
		"1fr  2fr":                      "1fr 2fr",
		"0 0 4px rgba(0, 0, 0, .25)":    "0 0 4px #00000040",
		"italic bold 12px/30px Georgia": "italic bold 12px/30px georgia",
	} {
		if got := cssValue(in); got != want {
			t.Errorf("cssValue(%q) = %q, want %q", in, got, want)
		}
	}
}
