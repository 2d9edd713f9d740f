package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// browser is how a signed-in user's browser asks for pages.
func browser(u *mediaUser) []string {
	return append([]string{"Accept", "text/html", "Sec-Fetch-Site", "same-origin"}, u.auth()...)
}

// importBundle uploads an archive to the studio's import page.
func importBundle(ta *apptest.T, u *mediaUser, data []byte) *testkit.Response {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("bundle", "bundle.zip")
	_, _ = fw.Write(data)
	_ = w.Close()
	return ta.Request(http.MethodPost, "/studio/import", b.Bytes(), append([]string{"Content-Type", w.FormDataContentType()}, browser(u)...)...)
}

// sha256Of reads the SHA-256 of the original a video reference names.
func sha256Of(t *testing.T, ta *apptest.T, ref string) string {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(ref, "media:video:%d", &id); err != nil {
		t.Fatalf("%q is not a video reference", ref)
	}
	var sum string
	testkit.Must(t, ta.App.DB.R.NewSelect().Table("media_videos").Column("source_sha256").Where("id = ?", id).Scan(context.Background(), &sum))
	return sum
}

// The acceptance: a course with lectures, an uploaded video (with
// captions, also the course's intro), a picture, an article, a quiz of
// five choices with explanations and an assignment with hidden tests is
// exported from the studio and imported into an empty database, where it
// is the same course: outline, kinds, quiz keys, and its media present
// again — the video transcoded from the same original with its Korean
// captions, the picture shown.
func TestBundleRoundTripWithMedia(t *testing.T) {
	t.Parallel()
	clip := mediaClip(t, 1)
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		src := apptest.New(t, dialect)
		testkit.Must(t, src.App.Start(ctx))
		tutor := newMediaUser(t, src, "tutor", "tutor")
		five := func(correct int) []map[string]any {
			var out []map[string]any
			for i := range 5 {
				out = append(out, map[string]any{"text": fmt.Sprintf("보기 %d", i+1), "correct": i == correct})
			}
			return out
		}
		var course catalog.CourseDetail
		src.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "media-course", "title": "미디어 강좌",
			"summary": "영상과 사진이 있는 강좌", "description": "# 소개\n\n여러 줄입니다.\n", "category": "frontend",
			"skill_level": "beginner", "price": 19000, "credits": 2, "estimated_hours": 3, "tags": []string{"html", "영상"},
			"status": "published", "lectures": []map[string]any{
				{"slug": "basics", "title": "기초", "summary": "처음 배우는 것", "topics": []map[string]any{
					{"slug": "welcome", "title": "환영 영상", "kind": "video", "notes": "영상 아래 메모\n\n- 하나\n- 둘"},
					{"slug": "reading", "title": "읽을거리", "kind": "article", "premium": true, "body": "# 읽기\n\n```html\n<p>안녕</p>\n```\n"},
				}},
				{"slug": "check", "title": "점검", "topics": []map[string]any{
					{"slug": "quiz", "title": "퀴즈", "kind": "quiz", "premium": true, "mission": "midterm", "pass_score": 80,
						"questions": []map[string]any{
							{"prompt": "HTML은?", "explanation": "마크업 언어입니다.", "choices": five(1)},
							{"prompt": "CSS는?", "explanation": "스타일 시트입니다.", "choices": five(4)}}},
					{"slug": "sql", "title": "SQL 과제", "kind": "assignment", "premium": true, "mission": "final", "assignment": map[string]any{
						"prompt": "학생 수를 세세요.", "grader": "sql", "starter_code": "SELECT", "solution": "SELECT COUNT(*) FROM s;",
						"schema": "CREATE TABLE s (id INTEGER);\nINSERT INTO s VALUES (1), (2);", "ordered": true,
						"tests": []map[string]any{{"name": "공개", "expect": [][]any{{2}}},
							{"name": "숨김", "hidden": true, "setup": "INSERT INTO s VALUES (3);", "expect": [][]any{{3}}}}}},
				}},
			}}, tutor.auth()...).Status(201).JSON(&course)
		video := readyVideo(t, src, tutor, clip)
		// The file takes the video's title (which the import makes its title
		// again), made a file name.
		src.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/", video.ID), map[string]any{"title": "환영 영상 1/2"}, tutor.auth()...).Status(200)
		src.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/ko/", video.ID), "WEBVTT\n\n00:00.000 --> 00:01.000\n안녕하세요\n",
			append(tutor.auth(), "Content-Type", "text/vtt")...).Status(200)
		src.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/en/", video.ID), "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
			append(tutor.auth(), "Content-Type", "text/vtt")...).Status(200)
		welcome := course.Lectures[0].Topics[0].ID
		src.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", video.ID), map[string]any{"topic_id": welcome}, tutor.auth()...).Status(204)
		src.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", video.ID), map[string]any{"course_id": course.ID}, tutor.auth()...).Status(204)
		var img media.Image
		mediaUpload(src, "/api/images/upload/", tutor, "cover.png", mediaPNG(640, 360)).Status(201).JSON(&img)
		src.Request(http.MethodPut, fmt.Sprintf("/api/images/%d/", img.ID), map[string]any{"alt": "표지", "course_id": course.ID}, tutor.auth()...).Status(200)
		var before catalog.CourseDetail
		src.Get(fmt.Sprintf("/api/courses/%d/", course.ID), tutor.auth()...).Status(200).JSON(&before)

		exp := src.Request(http.MethodGet, fmt.Sprintf("/studio/courses/%d/export", course.ID), nil, browser(tutor)...).Status(200)
		// The English captions are the one thing a bundle cannot carry.
		if n := exp.Header.Get("X-Bundle-Problems"); n != "1" {
			t.Fatalf("%s problems", n)
		}
		zr, err := zip.NewReader(bytes.NewReader(exp.Body), int64(len(exp.Body)))
		testkit.Must(t, err)
		names := map[string]int64{}
		for _, f := range zr.File {
			names[f.Name] = int64(f.UncompressedSize64)
		}
		for _, want := range []string{"media-course/course.yaml", "media-course/media/환영 영상 1-2.mp4", "media-course/captions/환영 영상 1-2.ko.vtt",
			"media-course/media/thumbnail.jpg", "media-course/EXPORT-PROBLEMS.txt", "media-course/articles/basics/reading.md"} {
			if _, ok := names[want]; !ok {
				t.Fatalf("%s missing from the archive: %v", want, names)
			}
		}
		if n := names["media-course/media/환영 영상 1-2.mp4"]; n != int64(len(clip)) {
			t.Fatalf("the video in the archive is %d bytes, the original %d", n, len(clip))
		}

		// An empty database, another author.
		dst := apptest.New(t, dialect)
		testkit.Must(t, dst.App.Start(ctx))
		importer := newMediaUser(t, dst, "importer", "tutor")
		page := string(importBundle(dst, importer, exp.Body).Status(200).Body)
		m := regexp.MustCompile(`<a href="/courses/(\d+)">media-course</a>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("import report:\n%s", page)
		}
		var after catalog.CourseDetail
		dst.Get("/api/courses/"+m[1]+"/", importer.auth()...).Status(200).JSON(&after)

		// Same outline, kinds, flags and content, answer keys included.
		if got, want := outlineOf(after), outlineOf(before); got != want {
			t.Fatalf("outline\n got %s\nwant %s", got, want)
		}
		quiz := after.Lectures[1].Topics[0].Content.Questions
		if len(quiz) != 2 || !*quiz[0].Choices[1].IsCorrect || !*quiz[1].Choices[4].IsCorrect || *quiz[0].Choices[0].IsCorrect ||
			quiz[1].Explanation != "스타일 시트입니다." {
			t.Fatalf("quiz keys %+v", quiz)
		}
		asg := after.Lectures[1].Topics[1].Content.Assignment
		if asg.Solution != "SELECT COUNT(*) FROM s;" || len(asg.Tests) != 2 || !asg.Tests[1].Hidden || asg.Tests[1].Setup == "" || !asg.Ordered {
			t.Fatalf("assignment %+v", asg)
		}
		// The media are the server's own again: the video made from the same
		// original (with its Korean captions), the intro the same video, the
		// picture an image shown on the course page.
		ref := after.Lectures[0].Topics[0].Content.Video
		if !strings.HasPrefix(ref, "media:video:") || after.IntroVideo != ref || sha256Of(t, dst, ref) != sha256Of(t, src, before.IntroVideo) {
			t.Fatalf("video %q, intro %q", ref, after.IntroVideo)
		}
		var id int64
		fmt.Sscanf(ref, "media:video:%d", &id)
		v := waitVideo(t, dst, importer, id)
		if v.OwnerID != importer.ID || v.Title != "환영 영상 1-2" || len(v.Captions) != 1 || v.Captions[0].Lang != "ko" {
			t.Fatalf("imported video %+v", v)
		}
		if !strings.HasPrefix(after.Thumbnail, "media:image:") || after.ThumbnailURL == "" {
			t.Fatalf("thumbnail %q", after.Thumbnail)
		}
		dst.Get(after.ThumbnailURL).Status(200)
		if after.Lectures[0].Topics[0].Duration != before.Lectures[0].Topics[0].Duration {
			t.Fatalf("duration %d, was %d", after.Lectures[0].Topics[0].Duration, before.Lectures[0].Topics[0].Duration)
		}

		// A "video" that is none is refused with its file named, and the
		// refused import leaves no course, video or picture behind.
		courses, videos, images := countRows(t, dst, "catalog_courses"), countRows(t, dst, "media_videos"), countRows(t, dst, "media_images")
		var bad bytes.Buffer
		zw := zip.NewWriter(&bad)
		for name, data := range map[string]string{
			"fake/course.yaml": "schema: 1\nslug: fake\ntitle: 가짜 영상\ncategory: frontend\nskill_level: beginner\nprice: 0\n" +
				"lectures:\n  - slug: l\n    title: 강의\n    topics:\n      - slug: v\n        title: 영상\n        kind: video\n        video: media/fake.mp4\n",
			"fake/media/fake.mp4": "not a video at all",
		} {
			w, err := zw.Create(name)
			testkit.Must(t, err)
			_, _ = w.Write([]byte(data))
		}
		testkit.Must(t, zw.Close())
		importBundle(dst, importer, bad.Bytes()).Status(415).Contains("fake/media/fake.mp4", `id="import-problems"`)
		if countRows(t, dst, "catalog_courses") != courses || countRows(t, dst, "media_videos") != videos || countRows(t, dst, "media_images") != images {
			t.Fatal("a refused import left rows behind")
		}
	})
}

// outlineOf is a course's fields and outline without ids, dates, authors
// and media references (which differ between servers).
func outlineOf(d catalog.CourseDetail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%q|%s|%s|%d|%d|%d|%d|%v|%s\n", d.Slug, d.Title, d.Summary, d.Description, d.Category,
		d.SkillLevel, d.Price, d.AccessDays, d.Credits, d.EstimatedHours, d.Tags, d.Status)
	for _, l := range d.Lectures {
		fmt.Fprintf(&b, "L %s|%s|%s\n", l.Slug, l.Title, l.Summary)
		for _, tp := range l.Topics {
			fmt.Fprintf(&b, "  T %s|%s|%s|%v|%s|%d\n", tp.Slug, tp.Title, tp.Kind, tp.Premium, tp.Mission, tp.PassScore)
			c := tp.Content
			if c == nil {
				continue
			}
			fmt.Fprintf(&b, "    %q %q\n", c.Notes, c.Body)
			for _, q := range c.Questions {
				fmt.Fprintf(&b, "    Q %s|%s", q.Prompt, q.Explanation)
				for _, ch := range q.Choices {
					fmt.Fprintf(&b, "|%s:%v", ch.Text, ch.IsCorrect != nil && *ch.IsCorrect)
				}
				b.WriteString("\n")
			}
			if a := c.Assignment; a != nil {
				fmt.Fprintf(&b, "    A %q|%s|%q|%q|%q|%v|%+v\n", a.Prompt, a.Grader, a.StarterCode, a.Solution, a.Schema, a.Ordered, a.Tests)
			}
		}
	}
	return b.String()
}
