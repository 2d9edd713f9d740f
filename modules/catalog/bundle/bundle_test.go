package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
)

// subjects is testdata/subjects at the repository root, found from this
// file's location so the tests run from any working directory.
func subjects(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "subjects")
}

// defaultContent is the folder of the embedded default bundle.
func defaultContent(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "defaultcontent", "web-nanodegree")
}

func strs(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// testKinds is the registry app builds: the standard kinds and graders.
func testKinds(t testing.TB) *catalog.Kinds {
	t.Helper()
	k := catalog.StandardKinds()
	for _, g := range catalog.StandardGraders() {
		if err := k.RegisterGrader(g); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// loadOK wraps Load's results: loadOK(t)(Load(…)) is the bundle, or the
// test fails.
func loadOK(t *testing.T) func(*catalog.Bundle, []Problem, error) *catalog.Bundle {
	return func(b *catalog.Bundle, ps []Problem, err error) *catalog.Bundle {
		t.Helper()
		return mustLoad(t, b, ps, err)
	}
}

func mustLoad(t *testing.T, b *catalog.Bundle, ps []Problem, err error) *catalog.Bundle {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) > 0 {
		t.Fatalf("problems:\n%s", strings.Join(strs(ps), "\n"))
	}
	if b == nil {
		t.Fatal("no bundle and no problem")
	}
	return b
}

func TestSampleCourseLoads(t *testing.T) {
	b := loadOK(t)(Load(os.DirFS(subjects(t)), "sample-course", testKinds(t)))
	if b.Curriculum != nil || len(b.Courses) != 1 {
		t.Fatalf("bundle %+v", b)
	}
	c := b.Courses[0]
	if c.Slug != "sample-course" || !strings.Contains(c.Description, "# 샘플 과정") {
		t.Fatalf("course %q, description %q", c.Slug, c.Description)
	}
	if c.Status != "draft" || c.Thumbnail != "sample-course/media/thumbnail.png" {
		t.Fatalf("status %q thumbnail %q", c.Status, c.Thumbnail)
	}
	topics := c.Lectures[0].Topics
	kinds := map[string]bool{}
	for _, tp := range topics {
		kinds[tp.Kind] = true
	}
	if want := testKinds(t).Names(); len(kinds) != len(want) {
		t.Fatalf("the sample should hold one topic of each kind %v, has %v", want, kinds)
	}
	video, article, quiz, asg := topics[0], topics[1], topics[2], topics[3]
	if video.Video != "sample-course/media/welcome.mp4" || video.Captions != "sample-course/captions/welcome.ko.vtt" ||
		!strings.Contains(video.Notes, "메모") {
		t.Fatalf("video topic %+v", video)
	}
	if !strings.HasPrefix(article.Body, "# 읽을거리") {
		t.Fatalf("article body %q", article.Body)
	}
	if quiz.Mission != "none" || quiz.PassScore != 60 || !quiz.Questions[0].Choices[1].Correct {
		t.Fatalf("quiz %+v", quiz)
	}
	a := asg.Assignment
	if a == nil || !strings.Contains(a.Prompt, "sum(a, b)") || a.Function != "sum" {
		t.Fatalf("assignment %+v", a)
	}
	// Test values are what encoding/json would give the graders.
	if !reflect.DeepEqual(a.Tests[0].Args, []any{int64(1), int64(2)}) || a.Tests[1].Expect != int64(-3) ||
		!a.Tests[1].Hidden {
		t.Fatalf("tests %#v", a.Tests)
	}
}

// TestRootDot loads a bundle that is the file system itself: paths are then
// relative to the bundle.
func TestRootDot(t *testing.T) {
	b := loadOK(t)(Load(os.DirFS(filepath.Join(subjects(t), "sample-course")), ".", testKinds(t)))
	if v := b.Courses[0].Lectures[0].Topics[0].Video; v != "media/welcome.mp4" {
		t.Fatalf("video %q", v)
	}
	b = loadOK(t)(LoadDir(filepath.Join(subjects(t), "sample-course"), testKinds(t)))
	if v := b.Courses[0].Lectures[0].Topics[0].Video; v != "sample-course/media/welcome.mp4" {
		t.Fatalf("LoadDir: video %q", v)
	}
}

const miniCourse = `schema: 1
slug: %s
title: 과정
category: frontend
skill_level: beginner
prerequisites: [%s]
lectures:
  - slug: l
    title: 강의
    topics:
      - slug: t
        title: 영상
        kind: video
        video: ../media/clip.mp4
`

func course(slug, prereq string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(strings.NewReplacer("%s", slug).Replace(
		strings.Replace(miniCourse, "[%s]", "["+prereq+"]", 1)))}
}

// TestMapFSCurriculum loads a curriculum from memory, nested below the file
// system's root: names are relative to the bundle root's parent, and a
// course may use media shared at the curriculum's root.
func TestMapFSCurriculum(t *testing.T) {
	fsys := fstest.MapFS{
		"content/nd/curriculum.yaml": {Data: []byte("schema: 1\nslug: nd\ntitle: 나노\ndescription_file: about.md\n" +
			"category: frontend\nskill_level: beginner\nprice: 1000\ncourses: [one, two]\n")},
		"content/nd/about.md":        {Data: []byte("\uFEFF소개")},
		"content/nd/media/clip.mp4":  {Data: []byte("x")},
		"content/nd/one/course.yaml": course("one", ""),
		"content/nd/two/course.yaml": course("two", "one"),
	}
	b := loadOK(t)(Load(fsys, "content/nd", testKinds(t)))
	if b.Curriculum == nil || b.Curriculum.Description != "소개" || len(b.Courses) != 2 || b.Courses[1].Slug != "two" {
		t.Fatalf("bundle %+v", b)
	}
	if v := b.Courses[0].Lectures[0].Topics[0].Video; v != "nd/media/clip.mp4" {
		t.Fatalf("video %q", v)
	}

	// Prerequisites must be earlier courses of the same curriculum.
	fsys["content/nd/one/course.yaml"] = course("one", "two")
	fsys["content/nd/two/course.yaml"] = course("two", "elsewhere")
	_, ps, err := Load(fsys, "content/nd", testKinds(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`nd/one/course.yaml:6:17: prerequisites[0]: "two" comes after this course in the curriculum's course order`,
		`nd/two/course.yaml:6:17: prerequisites[0]: "elsewhere" is not a course of this curriculum`,
	}
	if got := strs(ps); !reflect.DeepEqual(got, want) {
		t.Fatalf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestInvalidFixtures checks that each broken fixture reports each of its
// problems at the right place.
func TestInvalidFixtures(t *testing.T) {
	invalid := os.DirFS(filepath.Join(subjects(t), "invalid"))
	cases := map[string][]string{
		"broken-curriculum": {
			`broken-curriculum/curriculum.yaml:9:1: unknown key "pricee" (did you mean "price"?)`,
			`broken-curriculum/curriculum.yaml:11:1: courses: folder "unlisted" holds a course.yaml but is not listed`,
			`broken-curriculum/curriculum.yaml:14:5: courses[2]: course folder "missing-course" not found next to curriculum.yaml`,
			`broken-curriculum/quiz-problems/course.yaml:12:17: prerequisites[0]: "somewhere-else" is not a course of this curriculum`,
			`broken-curriculum/quiz-problems/course.yaml:14:5: lectures[0].slug: "Bad_Slug" is not a valid slug`,
			`broken-curriculum/quiz-problems/course.yaml:20:9: lectures[0].topics[0].video: "../../outside.mp4" leaves the bundle`,
			`broken-curriculum/quiz-problems/course.yaml:21:9: lectures[0].topics[1].slug: "intro" is a duplicate`,
			`broken-curriculum/quiz-problems/course.yaml:24:9: lectures[0].topics[1].body_file: file broken-curriculum/quiz-problems/articles/missing.md not found`,
			`broken-curriculum/quiz-problems/course.yaml:28:9: lectures[0].topics[2]: unknown key "titel" (did you mean "title"?)`,
			`broken-curriculum/quiz-problems/course.yaml:31:13: lectures[0].topics[2].questions[0].choices: a question needs exactly five choices (found 4)`,
			`broken-curriculum/quiz-problems/course.yaml:38:13: lectures[0].topics[2].questions[1].choices: a question has 2 correct choices: keep one, or mark it multiple: true`,
			`broken-curriculum/assignment-problems/course.yaml:23:11: lectures[0].topics[0].assignment.grader: "python" is not allowed (one of: javascript, sql, html)`,
			`broken-curriculum/assignment-problems/course.yaml:32:9: lectures[0].topics[1].mission: a course has at most one "midterm" mission`,
			`broken-curriculum/assignment-problems/course.yaml:38:11: lectures[0].topics[1].assignment.tests: an assignment needs at least one hidden test`,
			`broken-curriculum/wrong-folder/course.yaml:2:1: slug: "another-name" must be the name of its folder, "wrong-folder"`,
		},
		"bad-yaml": {
			`bad-yaml/course.yaml:3: invalid YAML: did not find expected ',' or ']'`,
		},
		"bad-types": {
			`bad-types/course.yaml:1:1: schema: 1 is required at the top of the file`,
			`bad-types/course.yaml:5:8: price: expected a whole number, found "free"`,
			`bad-types/course.yaml:6:10: credits: expected a whole number, found "1.5"`,
			`bad-types/course.yaml:7:7: tags: expected a list, found "태그"`,
			`bad-types/course.yaml:15:18: lectures[0].topics[0].premium: expected true or false, found "maybe"`,
			`bad-types/course.yaml:17:9: lectures[0].topics[0].body_file: give body or body_file, not both (the other is on line 16)`,
		},
	}
	entries, err := os.ReadDir(filepath.Join(subjects(t), "invalid"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && cases[e.Name()] == nil {
			t.Errorf("fixture %s has no expectations here", e.Name())
		}
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			b, ps, err := Load(invalid, name, testKinds(t))
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				t.Error("a bundle with problems was returned")
			}
			got := strs(ps)
			if len(got) != len(want) {
				t.Errorf("%d problems, want %d", len(got), len(want))
			}
			for i := range min(len(got), len(want)) {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
				}
			}
			if t.Failed() {
				t.Logf("all problems:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// TestFileProblems covers what a single course.yaml can get wrong about
// the YAML itself and the files it names.
func TestFileProblems(t *testing.T) {
	base := "schema: 1\nslug: c\ntitle: 과정\ncategory: frontend\nskill_level: beginner\nlectures:\n" +
		"  - slug: l\n    title: 강의\n    topics:\n      - slug: t\n        title: 글\n        kind: article\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"absolute", base + "        body_file: /etc/passwd\n", "c/course.yaml:13:9: lectures[0].topics[0].body_file: absolute paths are not allowed"},
		{"escapes", base + "        body_file: a/../../../x.md\n", `c/course.yaml:13:9: lectures[0].topics[0].body_file: "a/../../../x.md" leaves the bundle`},
		{"backslash", base + "        body_file: a\\b.md\n", `c/course.yaml:13:9: lectures[0].topics[0].body_file: paths use "/"`},
		{"url", base + "        body: x\n        video: https://example.com/a.mp4\n", "c/course.yaml:14:9: lectures[0].topics[0].video: must be a file of the bundle, not a URL"},
		{"folder", base + "        body_file: articles\n", "c/course.yaml:13:9: lectures[0].topics[0].body_file: c/articles is not a file"},
		{"not utf-8", base + "        body_file: articles/latin1.md\n", "c/course.yaml:13:9: lectures[0].topics[0].body_file: c/articles/latin1.md is not UTF-8 text"},
		// A draft may leave an article empty; a published course may not.
		{"no body", strings.Replace(base, "lectures:\n", "status: published\nlectures:\n", 1), "c/course.yaml:11:9: lectures[0].topics[0].body: required"},
		{"duplicate key", base + "        body: x\n        body: y\n", `c/course.yaml:14:9: key "body" repeated (first at line 13)`},
		{"two documents", base + "        body: x\n---\nschema: 1\n", "c/course.yaml:14: the file must hold one YAML document"},
		{"schema version", strings.Replace(base, "schema: 1", "schema: 2", 1) + "        body: x\n", "c/course.yaml:1:9: schema: unsupported bundle format \"2\""},
		{"not a mapping", "- a\n- b\n", "c/course.yaml:1:1: document: expected a mapping"},
		{"empty", "", "c/course.yaml: the file is empty"},
		{"control character", "schema: 1\ntitle: \"a\x01\"\n", "c/course.yaml:2:10: control character U+0001"},
		{"alias loop", "schema: 1\na: &a [*a]\n", "c/course.yaml"},
		{"merge key", base + "        <<: {body: x}\n", "c/course.yaml:13:9: merge keys (<<) are not supported"},
		{"kind payload", base + "        body: x\n        questions: []\n        assignment: {grader: sql}\n", "c/course.yaml:12:9: lectures[0].topics[0].kind: a \"article\" topic cannot carry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"c/course.yaml":         {Data: []byte(tc.yaml)},
				"c/articles/latin1.md":  {Data: []byte("caf\xe9")},
				"c/articles/present.md": {Data: []byte("ok")},
			}
			_, ps, err := Load(fsys, "c", testKinds(t))
			if err != nil {
				t.Fatal(err)
			}
			got := strs(ps)
			for _, g := range got {
				if strings.HasPrefix(g, tc.want) {
					return
				}
			}
			t.Fatalf("want a problem starting %q, got:\n%s", tc.want, strings.Join(got, "\n"))
		})
	}
}

// TestAliasBomb: a few lines of YAML whose aliases expand to billions of
// nodes must fail fast rather than exhaust memory.
func TestAliasBomb(t *testing.T) {
	var y strings.Builder
	y.WriteString("schema: 1\nslug: c\nlectures:\n  - topics:\n      - assignment:\n          tests:\n            - expect: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&y, "            - expect: &a%d [%s*a%d]\n", i, strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), i-1)
	}
	_, ps, err := Load(fstest.MapFS{"c/course.yaml": {Data: []byte(y.String())}}, "c", testKinds(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strs(ps), "\n"), "expands its aliases too much") {
		t.Fatalf("problems:\n%s", strings.Join(strs(ps), "\n"))
	}
}

// TestProblemCap: a file with a million wrong values reports a bounded
// number of problems.
func TestProblemCap(t *testing.T) {
	y := "schema: 1\ntags: [" + strings.Repeat("[], ", 5000) + "[]]\n"
	_, ps, err := Load(fstest.MapFS{"c/course.yaml": {Data: []byte(y)}}, "c", testKinds(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) > maxProblems+1 || !strings.Contains(ps[len(ps)-1].Message, "more problems not shown") {
		t.Fatalf("%d problems, last %v", len(ps), ps[len(ps)-1])
	}
}

func TestNotABundle(t *testing.T) {
	fsys := fstest.MapFS{"x/readme.md": {Data: []byte("hi")}}
	for _, root := range []string{"x", "missing", "../x", "x/readme.md"} {
		if _, _, err := Load(fsys, root, testKinds(t)); err == nil {
			t.Errorf("Load(%q): no error", root)
		}
	}
}

// TestSymlinkEscape: LoadDir opens the bundle as an os.Root, so a symbolic
// link cannot smuggle a file from outside the bundle into it.
func TestSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.md"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(dir, "c")
	if err := os.MkdirAll(c, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "secret.md"), filepath.Join(c, "body.md")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	y := "schema: 1\nslug: c\ntitle: 과정\ncategory: frontend\nskill_level: beginner\nlectures:\n" +
		"  - slug: l\n    title: 강의\n    topics:\n      - slug: t\n        title: 글\n        kind: article\n" +
		"        body_file: body.md\n"
	if err := os.WriteFile(filepath.Join(c, "course.yaml"), []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	_, ps, err := LoadDir(c, testKinds(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 || !strings.HasPrefix(ps[0].String(), "c/course.yaml:13:9: lectures[0].topics[0].body_file: cannot read") {
		t.Fatalf("problems:\n%s", strings.Join(strs(ps), "\n"))
	}
}

func TestResolve(t *testing.T) {
	cases := []struct{ dir, p, want string }{
		{"", "media/a.png", "media/a.png"},
		{"html-css", "../shared/a.mp4", "shared/a.mp4"},
		{"html-css", "./a/../b.md", "html-css/b.md"},
		{"html-css", "../../a.mp4", ""},
		{"", "../a.mp4", ""},
		{"", "/etc/passwd", ""},
		{"", "C:/x", ""},
		{"", "a\\b", ""},
		{"", ".", ""},
		{"x", "..", ""},
	}
	for _, tc := range cases {
		got, msg := resolve(tc.dir, tc.p)
		if got != tc.want || (tc.want == "") != (msg != "") {
			t.Errorf("resolve(%q, %q) = %q, %q; want %q", tc.dir, tc.p, got, msg, tc.want)
		}
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{"a/course.yaml", 42, 7, "m"}, "a/course.yaml:42:7: m"},
		{Problem{"a/course.yaml", 42, 0, "m"}, "a/course.yaml:42: m"},
		{Problem{"a/course.yaml", 0, 0, "m"}, "a/course.yaml: m"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

// TestEveryMessageID reads the catalog's validation code for message ids,
// so an id added there without an English rendering here fails a test.
func TestEveryMessageID(t *testing.T) {
	idRE := regexp.MustCompile(`"catalog\.([a-z_]+)`)
	seen := 0
	for _, name := range []string{"input.go", "kinds.go"} {
		src, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range idRE.FindAllStringSubmatch(string(src), -1) {
			seen++
			id := "catalog." + m[1]
			if got := Message(apperr.FieldError{Message: id + ":1", Value: 4}, testKinds(t)); strings.HasPrefix(got, id) {
				t.Errorf("no English message for %s", id)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d message ids: has the validation moved?", seen)
	}
	if got := Message(apperr.FieldError{Message: "catalog.five_choices", Value: 4}, testKinds(t)); got != "a question needs exactly five choices (found 4)" {
		t.Fatal(got)
	}
	if got := Message(apperr.FieldError{Message: "catalog.too_long:200"}, testKinds(t)); got != "too long (at most 200 characters)" {
		t.Fatal(got)
	}
}

// TestTables checks that the bundle-only tables name real text fields of
// the catalog's types: a field renamed there must be renamed here.
func TestTables(t *testing.T) {
	check := func(table map[reflect.Type][]string, kind reflect.Kind) {
		for typ, names := range table {
			for _, name := range names {
				found := false
				for _, f := range fieldsOf(typ) {
					found = found || (f.name == name && (kind == reflect.Invalid || f.typ.Kind() == kind))
				}
				if !found {
					t.Errorf("%s has no text field %q", typ, name)
				}
			}
		}
	}
	check(fileAlternatives, reflect.String)
	check(references, reflect.String)
	check(required, reflect.Invalid)
}
