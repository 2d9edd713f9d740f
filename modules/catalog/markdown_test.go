package catalog

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func markdown(t *testing.T, src string) string {
	t.Helper()
	var b bytes.Buffer
	if err := newMarkdown().Convert([]byte(src), &b); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

// TestCJKEmphasis: emphasis that CommonMark's flanking rule leaves as
// literal ** in Korean (a closing run between punctuation and a particle)
// renders, and ordinary emphasis is unchanged.
func TestCJKEmphasis(t *testing.T) {
	for src, want := range map[string]string{
		"**굵게(bold)**는 중요합니다.":        "<p><strong>굵게(bold)</strong>는 중요합니다.</p>",
		"이것은 **「강조」**입니다":             "<p>이것은 <strong>「강조」</strong>입니다</p>",
		"**이 용어(This term)**를 강조":     "<p><strong>이 용어(This term)</strong>를 강조</p>",
		"값은**“따옴표”**로":                "<p>값은<strong>“따옴표”</strong>로</p>",
		"*기울임(italic)*과 _밑줄(u)_도":     "<p><em>기울임(italic)</em>과 _밑줄(u)_도</p>", // closing _ keeps CommonMark's rule
		"**bold** and *em* and __u__": "<p><strong>bold</strong> and <em>em</em> and <strong>u</strong></p>",
		"snake_case_name and 2*3*4":   "<p>snake_case_name and 2<em>3</em>4</p>",
		"a ** b ** c":                 "<p>a ** b ** c</p>",
		"**foo(bar)**baz":             "<p>**foo(bar)**baz</p>", // CommonMark's rule holds outside CJK
	} {
		got := markdown(t, src)
		if got != want {
			t.Errorf("%q:\n got %s\nwant %s", src, got, want)
		}
	}
}

// TestHeadingsShifted: a body's headings sit under the page's <h1> and
// <h2> sections.
func TestHeadingsShifted(t *testing.T) {
	got := markdown(t, "# 제목\n\n## 절\n\n#### 깊이\n\n###### 바닥")
	want := "<h3>제목</h3>\n<h4>절</h4>\n<h6>깊이</h6>\n<h6>바닥</h6>"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestDefaultContentEmphasis: no ** is left as text in the rendered default
// content (CommonMark's rule left 28 of them in its Korean Markdown).
func TestDefaultContentEmphasis(t *testing.T) {
	md := newMarkdown()
	code := regexp.MustCompile(`(?s)<pre.*?</pre>|<code>.*?</code>`)
	var texts []string
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case string:
			texts = append(texts, x)
		case []any:
			for _, e := range x {
				collect(e)
			}
		case map[string]any:
			for _, e := range x {
				collect(e)
			}
		}
	}
	root := "defaultcontent/web-nanodegree"
	err := fs.WalkDir(os.DirFS(root), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path.Join(root, p))
		switch {
		case err != nil:
			return err
		case strings.HasSuffix(p, ".md"):
			texts = append(texts, string(b))
		case strings.HasSuffix(p, ".yaml"):
			var v any
			if err := yaml.Unmarshal(b, &v); err != nil {
				return err
			}
			collect(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, s := range texts {
		var b bytes.Buffer
		if err := md.Convert([]byte(s), &b); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(code.ReplaceAllString(b.String(), ""), "\n") {
			if strings.Contains(line, "**") {
				left++
				t.Errorf("literal **: %s", line)
			}
		}
	}
	if len(texts) < 100 {
		t.Fatalf("only %d texts read", len(texts))
	}
	if left > 0 {
		t.Fatalf("%d lines with a literal **", left)
	}
}

// render keeps each text's HTML: the second rendering is the first's, an
// edited text is rendered anew, and a text over the bound is not kept.
func TestRenderCache(t *testing.T) {
	s := &service{md: newMarkdown(), rendered: newRenderCache()}
	first := s.render("# 제목\n\n**굵게**는")
	if strings.TrimSpace(first) != markdown(t, "# 제목\n\n**굵게**는") || s.rendered.Len() != 1 {
		t.Fatalf("first render %q, cached %d", first, s.rendered.Len())
	}
	if again := s.render("# 제목\n\n**굵게**는"); again != first {
		t.Fatalf("cached render %q", again)
	}
	if edited := s.render("# 제목\n\n*기울게*"); edited == first || s.rendered.Len() != 2 {
		t.Fatalf("edited text rendered as %q", edited)
	}
	big := strings.Repeat("긴 글 ", maxCachedMarkdown/4)
	if s.render(big) == "" || s.rendered.Len() != 2 {
		t.Fatalf("a text over the bound is cached (%d)", s.rendered.Len())
	}
}

// BenchmarkRender renders a default article: "cold" as on every request
// before the cache, "cached" as now.
func BenchmarkRender(b *testing.B) {
	src, err := os.ReadFile("defaultcontent/web-nanodegree/html-css/articles/box-model.md")
	if err != nil {
		b.Fatal(err)
	}
	md := string(src)
	b.Run("cold", func(b *testing.B) {
		s := &service{md: newMarkdown()}
		for b.Loop() {
			s.render(md)
		}
	})
	b.Run("cached", func(b *testing.B) {
		s := &service{md: newMarkdown(), rendered: newRenderCache()}
		for b.Loop() {
			s.render(md)
		}
	})
}
