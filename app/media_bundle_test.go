package app_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/testkit"
)

// sampleBundle is a one-course bundle with a picture whose free video topic
// names the file video (with Korean captions) in its Files.
func sampleBundle(video []byte, title string) *catalog.Bundle {
	return &catalog.Bundle{
		Courses: []catalog.CourseInput{{Slug: "sample-course", Title: "샘플 과정", Category: "frontend", SkillLevel: "beginner",
			Price: 9900, Status: "published", Thumbnail: "sample-course/media/thumbnail.png", Lectures: []catalog.LectureInput{{Slug: "first", Title: "첫걸음",
				Topics: []catalog.TopicInput{{Slug: "welcome", Title: title, Kind: "video", Duration: 1,
					Video: "sample-course/media/welcome.mp4", Captions: "sample-course/captions/welcome.ko.vtt"}}}}}},
		Files: fstest.MapFS{
			"sample-course/media/welcome.mp4":       {Data: video},
			"sample-course/media/thumbnail.png":     {Data: mediaPNG(320, 180)},
			"sample-course/captions/welcome.ko.vtt": {Data: []byte("WEBVTT\n\n00:00.000 --> 00:01.000\n안녕하세요\n")},
		},
	}
}

// topicVideo reads what the sample course's video topic names.
func topicVideo(t *testing.T, ta *apptest.T) (video, captions string) {
	t.Helper()
	var content string
	testkit.Must(t, ta.App.DB.R.NewSelect().Table("catalog_topics").Column("content").Where("slug = 'welcome'").
		Scan(context.Background(), &content))
	m := regexp.MustCompile(`"video":\s*"([^"]*)"`).FindStringSubmatch(content)
	c := regexp.MustCompile(`"captions":\s*"([^"]*)"`).FindStringSubmatch(content)
	if m == nil {
		return "", ""
	}
	if c != nil {
		captions = c[1]
	}
	return m[1], captions
}

// Importing a bundle turns its video files into media: the topic plays the
// transcoded video with the bundle's captions, a second import finds the
// same video by content, and a bundle whose "video" is not one is refused
// whole, naming the file.
func TestBundleImportMedia(t *testing.T) {
	t.Parallel()
	data := mediaClip(t, 1)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		admin := newMediaUser(t, ta, "admin", "admin")

		// Refused whole: nothing of the course, no video.
		_, err := ta.App.ImportBundle(ctx, sampleBundle([]byte("not a video at all"), "환영합니다"))
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != "media.not_a_video" || !strings.Contains(err.Error(), "sample-course/media/welcome.mp4") {
			t.Fatalf("importing a fake video: %v", err)
		}
		if n := countRows(t, ta, "catalog_courses") + countRows(t, ta, "media_videos") + countRows(t, ta, "media_images"); n != 0 {
			t.Fatalf("a refused import left %d rows", n)
		}

		rep, err := ta.App.ImportBundle(ctx, sampleBundle(data, "환영합니다"))
		testkit.Must(t, err)
		if len(rep.Created) != 1 {
			t.Fatalf("import %+v", rep)
		}
		ref, captions := topicVideo(t, ta)
		var id int64
		if _, err := fmt.Sscanf(ref, "media:video:%d", &id); err != nil || captions != "" {
			t.Fatalf("topic names %q (captions %q), want a video reference and no file path", ref, captions)
		}
		v := waitVideo(t, ta, admin, id)
		if v.Title != "welcome" || len(v.Captions) != 1 || v.Captions[0] != (media.Caption{Lang: "ko", Label: "한국어"}) {
			t.Fatalf("imported video %+v", v)
		}

		// A second import (also with an edited topic) finds the same video.
		rep, err = ta.App.ImportBundle(ctx, sampleBundle(data, "환영합니다"))
		testkit.Must(t, err)
		if len(rep.Unchanged) != 1 {
			t.Fatalf("second import %+v", rep)
		}
		rep, err = ta.App.ImportBundle(ctx, sampleBundle(data, "어서 오세요"))
		testkit.Must(t, err)
		if again, _ := topicVideo(t, ta); len(rep.Updated) != 1 || again != ref || countRows(t, ta, "media_videos") != 1 ||
			countRows(t, ta, "media_images") != 1 {
			t.Fatalf("edited import %+v: topic %s, %d videos", rep, again, countRows(t, ta, "media_videos"))
		}

		// The free topic plays for anyone, from the course page, with captions.
		var courseID int64
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("catalog_courses").Column("id").Where("slug = 'sample-course'").Scan(ctx, &courseID))
		course := string(ta.Get(fmt.Sprintf("/courses/%d", courseID)).Status(200).Body)
		// The picture became an image, shown from its stable address.
		pic := regexp.MustCompile(`<img src="(/images/\d+/display)"`).FindStringSubmatch(course)
		if pic == nil {
			t.Fatal("the course page does not show the bundle's picture")
		}
		ta.Get(pic[1]).Status(200)
		// The topic links to the classroom, which plays the video (its
		// captions come with the playback) beside the course's outline.
		learn := regexp.MustCompile(`<a class="video-preview video-watch" href="(/learn/` + fmt.Sprint(courseID) + `/\d+)"`).FindStringSubmatch(course)
		if learn == nil {
			t.Fatal("the course page does not link the video topic to the classroom")
		}
		page := string(ta.Get(learn[1]).Status(200).Body)
		if !strings.Contains(page, "어서 오세요") || !strings.Contains(page, fmt.Sprintf(`data-video-id="%d"`, id)) {
			t.Fatal("the classroom lacks the topic's title or its video")
		}
		var pb struct {
			Captions []struct{ Lang, Label string }
		}
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", id)).Status(200).JSON(&pb)
		if len(pb.Captions) != 1 || pb.Captions[0].Lang != "ko" || pb.Captions[0].Label != "한국어" {
			t.Fatalf("playback captions %+v", pb.Captions)
		}
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", id)).Status(200)
		ta.Request(http.MethodGet, "/api/videos/", nil, admin.auth()...).Status(200).Contains(`"title":"welcome"`)
	})
}

// fakeMedia is a BundleMedia whose answer the test sets.
type fakeMedia struct {
	ref       string
	err       error
	calls     int
	discarded []string
}

func (f *fakeMedia) ImportImage(_ context.Context, _ int64, files fs.FS, image string) (string, bool, error) {
	_, err := fs.Stat(files, image)
	return "media:image:4242", false, err
}

func (f *fakeMedia) ImportVideo(_ context.Context, _ int64, files fs.FS, video, captions string) (string, bool, error) {
	f.calls++
	if _, err := fs.Stat(files, video); err != nil {
		return "", false, err
	}
	if _, err := fs.Stat(files, captions); err != nil {
		return "", false, err
	}
	return f.ref, f.err == nil, f.err
}

func (f *fakeMedia) Discard(_ context.Context, refs []string) {
	f.discarded = append(f.discarded, refs...)
}

func (f *fakeMedia) ExportVideo(context.Context, string) (catalog.BundleVideo, error) {
	return catalog.BundleVideo{}, catalog.ErrMediaMissing
}

func (f *fakeMedia) ExportImage(context.Context, string) (catalog.BundleFile, error) {
	return catalog.BundleFile{}, catalog.ErrMediaMissing
}

// The import's rules about references, whatever the media module does: a
// reference the import made is stored; a server that cannot take videos
// keeps the file paths, and never replaces a video imported earlier by a
// path.
func TestBundleImportReferences(t *testing.T) {
	t.Parallel()
	fake := &fakeMedia{ref: "media:video:424242"}
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.ReplaceProvider(fake))
		fake.err, fake.calls = catalog.ErrMediaUnavailable, 0
		_, err := ta.App.ImportBundle(ctx, sampleBundle([]byte("not read by the fake"), "환영합니다"))
		testkit.Must(t, err)
		if v, c := topicVideo(t, ta); v != "sample-course/media/welcome.mp4" || c != "sample-course/captions/welcome.ko.vtt" || fake.calls != 1 {
			t.Fatalf("without media: topic %q %q after %d calls", v, c, fake.calls)
		}

		fake.err = nil
		rep, err := ta.App.ImportBundle(ctx, sampleBundle([]byte("not read by the fake"), "환영합니다"))
		testkit.Must(t, err)
		if v, c := topicVideo(t, ta); v != fake.ref || c != "" || len(rep.Updated) != 1 {
			t.Fatalf("with media: topic %q %q, %+v", v, c, rep)
		}

		fake.err = catalog.ErrMediaUnavailable
		rep, err = ta.App.ImportBundle(ctx, sampleBundle([]byte("not read by the fake"), "환영합니다"))
		testkit.Must(t, err)
		if v, _ := topicVideo(t, ta); v != fake.ref || len(rep.Unchanged) != 1 {
			t.Fatalf("media gone again: topic %q, %+v", v, rep)
		}

		// An empty video in the bundle does remove the topic's video.
		b := sampleBundle([]byte("not read by the fake"), "환영합니다")
		b.Courses[0].Lectures[0].Topics[0].Video, b.Courses[0].Lectures[0].Topics[0].Captions = "", ""
		_, err = ta.App.ImportBundle(ctx, b)
		testkit.Must(t, err)
		if v, c := topicVideo(t, ta); v != "" || c != "" {
			t.Fatalf("a bundle without the video: topic %q %q", v, c)
		}

		fake.err = errors.New("disk full")
		if _, err := ta.App.ImportBundle(ctx, sampleBundle([]byte("not read by the fake"), "환영합니다")); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("a media failure: %v", err)
		}

		// An import the catalog refuses after the media were made (here:
		// the slug is another author's course) discards what it made.
		fake.err, fake.discarded = nil, nil
		b = sampleBundle([]byte("not read by the fake"), "환영합니다")
		_, err = ta.App.DB.W.NewUpdate().Table("catalog_courses").Set("author_id = ?", newMediaUser(t, ta, "t2", "tutor").ID).
			Where("slug = 'sample-course'").Exec(ctx)
		testkit.Must(t, err)
		if _, err := ta.App.ImportBundle(ctx, b); err == nil || len(fake.discarded) != 1 || fake.discarded[0] != fake.ref {
			t.Fatalf("a refused import: %v; discarded %v", err, fake.discarded)
		}
	})
}
