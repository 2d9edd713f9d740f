package catalog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/testkit"
)

// upload posts a bundle archive to the import page as a browser does.
func (p pager) upload(name string, data []byte, extra ...string) *testkit.Response {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if name != "" || data != nil {
		fw, _ := w.CreateFormFile("bundle", name)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	hdr := append([]string{"Content-Type", w.FormDataContentType()}, p.hdr...)
	return p.ta.Request(http.MethodPost, "/studio/import", b.Bytes(), append(hdr, extra...)...)
}

// zipOf makes an archive of name → content.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		testkit.Must(t, err)
		_, err = io.WriteString(w, data)
		testkit.Must(t, err)
	}
	testkit.Must(t, zw.Close())
	return buf.Bytes()
}

// unzip reads an archive into name → content.
func unzip(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	testkit.Must(t, err)
	out := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		testkit.Must(t, err)
		b, err := io.ReadAll(r)
		testkit.Must(t, err)
		out[f.Name] = string(b)
	}
	return out
}

func countCourses(t *testing.T, ta *apptest.T) int64 {
	t.Helper()
	n, err := ta.App.DB.R.NewSelect().Table("catalog_courses").Count(context.Background())
	testkit.Must(t, err)
	return n
}

// comparable is what must survive an export and an import: the course's
// fields, its outline (slugs, titles, kinds, flags), every topic's content
// with its answer keys; not ids, dates, authors or counts of learners.
func comparable(t *testing.T, ta *apptest.T, u user, id int64) string {
	t.Helper()
	var d catalog.CourseDetail
	ta.Get(fmt.Sprintf("/api/courses/%d/", id), as(u)...).Status(200).JSON(&d)
	d.ID, d.Author, d.CreatedAt, d.UpdatedAt, d.CurriculumID, d.Position = 0, catalog.Author{}, time.Time{}, time.Time{}, nil, 0
	d.ThumbnailURL, d.Thumbnail = "", ""
	for li := range d.Lectures {
		d.Lectures[li].ID = 0
		for ti := range d.Lectures[li].Topics {
			tp := &d.Lectures[li].Topics[ti]
			tp.ID = 0
			if c := tp.Content; c != nil {
				for qi := range c.Questions {
					c.Questions[qi].ID = 0
					for ci := range c.Questions[qi].Choices {
						c.Questions[qi].Choices[ci].ID = 0
					}
				}
			}
		}
	}
	b, err := json.MarshalIndent(d, "", " ")
	testkit.Must(t, err)
	return string(b)
}

// A course exported from the studio and imported into an empty database
// (by another tutor) is the same course: fields, outline, kinds, quiz
// keys, hidden tests and solutions. Importing it again changes nothing.
func TestBundleExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		src := apptest.New(t, dialect)
		tutor := newUser(t, src, "tutor", "tutor")
		c := sampleCourse("js-101", "자바스크립트 입문", 2, 4)
		c["description"] = "## 소개\n\n여러 줄의 설명입니다.\n"
		ls := c["lectures"].([]map[string]any)
		ls[0]["topics"].([]map[string]any)[2]["mission"] = "midterm"
		ls[1]["summary"] = "두 번째 강의"
		c["certificate"] = map[string]any{"min_progress": 90, "missions": "final", "min_score": 75}
		id := create(t, src, tutor, c)
		want := comparable(t, src, tutor, id)
		if !strings.Contains(want, `"min_progress": 90`) {
			t.Fatalf("the course's certificate rule is not compared:\n%s", want)
		}

		// The studio lists the export and the import.
		pagesAs(src, &tutor).get("/studio/courses").Status(200).
			Contains(`href="/studio/import"`, fmt.Sprintf(`href="/studio/courses/%d/export"`, id), "번들 가져오기", "내보내기")
		r := pagesAs(src, &tutor).get(fmt.Sprintf("/studio/courses/%d/export", id)).Status(200)
		if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/zip" ||
			cd != `attachment; filename="js-101.zip"` || r.Header.Get("X-Bundle-Problems") != "0" {
			t.Fatalf("export headers %q %q %q", ct, cd, r.Header.Get("X-Bundle-Problems"))
		}
		files := unzip(t, r.Body)
		yaml := files["js-101/course.yaml"]
		for _, s := range []string{"schema: 1", "slug: js-101", "correct: true", "hidden: true", "비밀테스트",
			"return a + b", "explanation: HyperText Markup Language", "mission: midterm", "description_file: description.md",
			"certificate:\n  min_progress: 90\n  missions: final\n  min_score: 75\n"} {
			if !strings.Contains(yaml, s) {
				t.Errorf("course.yaml lacks %q:\n%s", s, yaml)
			}
		}
		if files["js-101/description.md"] != "## 소개\n\n여러 줄의 설명입니다.\n" {
			t.Errorf("description.md %q", files["js-101/description.md"])
		}

		dst := apptest.New(t, dialect)
		other := newUser(t, dst, "other", "tutor")
		imp := pagesAs(dst, &other).upload("js-101.zip", r.Body).Status(200).Contains("가져오기를 마쳤어요", `id="import-created"`)
		m := regexp.MustCompile(`<a href="/courses/(\d+)">js-101</a>`).FindStringSubmatch(string(imp.Body))
		if m == nil {
			t.Fatalf("the report links no course:\n%s", imp.Body)
		}
		var newID int64
		fmt.Sscan(m[1], &newID)
		if got := comparable(t, dst, other, newID); got != want {
			t.Fatalf("imported course differs:\n got %s\nwant %s", got, want)
		}
		var d catalog.CourseDetail
		dst.Get(fmt.Sprintf("/api/courses/%d/", newID), as(other)...).Status(200).JSON(&d)
		if d.Author.ID != other.ID {
			t.Fatalf("imported by %d, authored by %d", other.ID, d.Author.ID)
		}
		// Again: nothing changes.
		pagesAs(dst, &other).upload("js-101.zip", r.Body).Status(200).Contains(`id="import-unchanged"`).NotContains(`id="import-created"`)
		if n := countCourses(t, dst); n != 1 {
			t.Fatalf("%d courses after two imports", n)
		}
		// Exported again from the second server, it is the same archive's
		// course once more.
		again := unzip(t, pagesAs(dst, &other).get(fmt.Sprintf("/studio/courses/%d/export", newID)).Status(200).Body)
		if again["js-101/course.yaml"] != yaml {
			t.Fatalf("re-export differs:\n%s\n---\n%s", again["js-101/course.yaml"], yaml)
		}
	})
}

// Who may export: the course's author and admins (as for its editor);
// another tutor gets 403 for a published course and 404 for a draft they
// cannot see; learners 403; anonymous callers sign in first.
func TestBundleExportAccess(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		admin := newUser(t, ta, "admin", "admin")
		pub := create(t, ta, tutor, sampleCourse("pub", "공개 강좌", 1, 2))
		draft := sampleCourse("draft", "초안 강좌", 1, 2)
		draft["status"] = "draft"
		did := create(t, ta, tutor, draft)
		path := func(id int64) string { return fmt.Sprintf("/studio/courses/%d/export", id) }
		pagesAs(ta, &admin).get(path(did)).Status(200)
		pagesAs(ta, &other).get(path(pub)).Status(403)
		pagesAs(ta, &other).get(path(did)).Status(404)
		pagesAs(ta, &student).get(path(pub)).Status(403)
		pagesAs(ta, &tutor).get(path(999999)).Status(404)
		pagesAs(ta, &tutor).get("/studio/courses/abc/export").Status(404)
		if r := pagesAs(ta, nil).get(path(pub)).Status(303); !strings.Contains(r.Header.Get("Location"), "login") {
			t.Fatalf("anonymous: redirected to %q", r.Header.Get("Location"))
		}
		// A deleted course is gone.
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/courses/%d/", pub), nil, as(tutor)...).Status(204)
		pagesAs(ta, &tutor).get(path(pub)).Status(404)
	})
}

// A curriculum exports with its courses (drafts included) and imports as
// one: the curriculum with its course order, and each course.
func TestBundleCurriculumRoundTrip(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		src := apptest.New(t, dialect)
		tutor := newUser(t, src, "tutor", "tutor")
		other := newUser(t, src, "other", "tutor")
		c1 := create(t, src, tutor, sampleCourse("c1", "첫 강좌", 1, 4))
		second := sampleCourse("c2", "둘째 강좌", 1, 2)
		second["prerequisites"] = []string{"c1"}
		second["status"] = "draft"
		c2 := create(t, src, tutor, second)
		var cu struct{ ID int64 }
		src.Request(http.MethodPost, "/api/curriculums/", map[string]any{"slug": "web-nd", "title": "웹 개발 나노 디그리",
			"category": "frontend", "skill_level": "beginner", "price": 50000, "status": "published",
			"course_ids": []int64{c1, c2}}, as(tutor)...).Status(201).JSON(&cu)
		path := fmt.Sprintf("/studio/curriculums/%d/export", cu.ID)
		pagesAs(src, &other).get(path).Status(403)
		r := pagesAs(src, &tutor).get(path).Status(200)
		files := unzip(t, r.Body)
		for _, f := range []string{"web-nd/curriculum.yaml", "web-nd/c1/course.yaml", "web-nd/c2/course.yaml"} {
			if files[f] == "" {
				t.Fatalf("%s missing from %v", f, reflect.ValueOf(files).MapKeys())
			}
		}
		if !strings.Contains(files["web-nd/curriculum.yaml"], "courses: [c1, c2]") || !strings.Contains(files["web-nd/c2/course.yaml"], "prerequisites: [c1]") {
			t.Fatalf("curriculum.yaml:\n%s\nc2:\n%s", files["web-nd/curriculum.yaml"], files["web-nd/c2/course.yaml"])
		}

		dst := apptest.New(t, dialect)
		importer := newUser(t, dst, "importer", "tutor")
		pagesAs(dst, &importer).upload("web-nd.zip", r.Body).Status(200).Contains("curriculum web-nd", ">c1</a>", ">c2</a>")
		var rm catalog.CurriculumDetail
		dst.Get("/api/curriculums/web-nd/", as(importer)...).Status(200).JSON(&rm)
		if len(rm.Courses) != 2 || rm.Courses[0].Slug != "c1" || rm.Courses[1].Slug != "c2" || rm.Courses[1].Status != "draft" {
			t.Fatalf("imported curriculum %+v", rm)
		}
	})
}

// The import page: a form for those who may author; a bundle with
// problems is refused whole with each problem's file:line:column, an
// archive that is not one to unpack with why, and nothing is written.
func TestBundleImportRefusals(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		tp := pagesAs(ta, &tutor)
		tp.get("/studio/import").Status(200).Contains(`enctype="multipart/form-data"`, `name="bundle"`, "512 MiB", "번들 가져오기")
		pagesAs(ta, nil).get("/studio/import?lang=en").Status(303)
		pagesAs(ta, &student).get("/studio/import").Status(403)
		pagesAs(ta, &student).upload("x.zip", []byte("x")).Status(403)
		pagesAs(ta, nil).upload("x.zip", []byte("x")).Status(401)
		tp.get("/studio/import?lang=en").Status(200).Contains("Import a bundle", "Check and import")

		course := "schema: 1\nslug: c\ntitle: 강좌\ncategory: frontend\nskill_level: beginner\nprice: 0\n" +
			"lectures:\n  - slug: l\n    title: 강의\n    topics:\n      - slug: t\n        title: 글\n        kind: article\n        body: 본문\n"
		bomb := zipOf(t, map[string]string{"c/course.yaml": course, "c/media/big.mp4": strings.Repeat("\x00", 4<<20)})
		many := map[string]string{"c/course.yaml": course}
		for i := range 5001 {
			many[fmt.Sprintf("c/articles/%d.md", i)] = "x"
		}
		for _, tc := range []struct {
			name   string
			data   []byte
			status int
			says   []string
		}{
			{"not a zip", []byte("schema: 1\n"), 422, []string{"zip 파일이 아니거나 손상된 파일이에요"}},
			{"traversal", zipOf(t, map[string]string{"c/course.yaml": course, "c/../../evil.md": "x"}), 422,
				[]string{"번들 밖을 가리키거나", "c/../../evil.md"}},
			{"zip bomb", bomb, 422, []string{"압축을 풀면 너무 커요", "c/media/big.mp4"}},
			{"too many files", zipOf(t, many), 422, []string{"파일이 너무 많아요", "5,000개"}},
			{"no bundle", zipOf(t, map[string]string{"readme.txt": "x"}), 422, []string{"course.yaml이나 curriculum.yaml이 없어요"}},
			{"invalid YAML", zipOf(t, map[string]string{"c/course.yaml": "schema: 1\nslug: c\ntitle: [\n"}), 422,
				[]string{`id="import-problems"`, "c/course.yaml:4", "invalid YAML", "아무것도 가져오지 않았어요"}},
			{"invalid course", zipOf(t, map[string]string{"c/course.yaml": strings.Replace(course, "kind: article", "kind: podcast", 1)}), 422,
				[]string{"c/course.yaml:13:9", "kind"}},
			{"missing file", zipOf(t, map[string]string{"c/course.yaml": strings.Replace(course, "body: 본문", "body_file: articles/none.md", 1)}), 422,
				[]string{"c/course.yaml:14", "articles/none.md not found"}},
			{"no file", nil, 422, []string{"올릴 zip 파일을 선택하세요"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tp.upload("bundle.zip", tc.data).Status(tc.status)
				if tc.data == nil {
					r = tp.upload("", nil).Status(tc.status)
				}
				r.Contains(tc.says...)
				if n := countCourses(t, ta); n != 0 {
					t.Fatalf("a refused import left %d courses", n)
				}
			})
		}
		// Not a form upload at all.
		ta.Request(http.MethodPost, "/studio/import", "bundle=x", append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tp.hdr...)...).
			Status(415).Contains("multipart/form-data")
		// A form posted from another site is refused before it is read.
		tp.upload("c.zip", zipOf(t, map[string]string{"c/course.yaml": course}), "Sec-Fetch-Site", "cross-site").Status(403)
		if n := countCourses(t, ta); n != 0 {
			t.Fatalf("a cross-site import made %d courses", n)
		}

		// Another tutor's slug is not taken over: 409 with the course named.
		tp.upload("c.zip", zipOf(t, map[string]string{"c/course.yaml": course})).Status(200)
		other := newUser(t, ta, "other", "tutor")
		pagesAs(ta, &other).upload("c.zip", zipOf(t, map[string]string{"course.yaml": course})).Status(409).Contains("&#39;c&#39; 강좌가 이미 있습니다")
		if n := countCourses(t, ta); n != 1 {
			t.Fatalf("%d courses after a refused takeover", n)
		}
	})
}

// The bundle pages' messages exist in Korean and English alike, and every
// reason an archive is refused for has one.
func TestBundleLocalesComplete(t *testing.T) {
	var ko, en map[string]string
	for file, m := range map[string]*map[string]string{"locales/bundle.ko.toml": &ko, "locales/bundle.en.toml": &en} {
		if _, err := toml.DecodeFile(file, m); err != nil {
			t.Fatal(err)
		}
	}
	if k, e := slices.Sorted(maps.Keys(ko)), slices.Sorted(maps.Keys(en)); !slices.Equal(k, e) {
		t.Errorf("the catalogs' keys differ:\nko %v\nen %v", k, e)
	}
	for _, reason := range []string{catalog.BundleArchiveNotZip, catalog.BundleArchiveTooMany, catalog.BundleArchiveTooLarge,
		catalog.BundleArchiveUnsafePath, catalog.BundleArchiveDuplicate, catalog.BundleArchiveUnsupported,
		catalog.BundleArchiveNotABundle, catalog.BundleArchiveUnreadable, catalog.BundleArchiveNoBundleRoot} {
		if ko["catalog.bundle.archive."+reason] == "" {
			t.Errorf("archive reason %s has no message", reason)
		}
	}
}
