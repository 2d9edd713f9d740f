package media_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
)

const vttKo = "WEBVTT\n\n00:00.000 --> 00:02.000\n안녕하세요\n"

// Captions: tutors add, replace and remove WebVTT tracks of their own
// videos; playback lists them with signed URLs; bad files, languages and
// callers change nothing.
func TestCaptions(t *testing.T) {
	t.Parallel()
	data := clip(t, 2)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		started(t, ta)
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "clip.mp4", data).Status(202).JSON(&v)
		waitReady(t, ta, tutor, v.ID)
		path := func(lang string) string { return fmt.Sprintf("/api/videos/%d/captions/%s/", v.ID, lang) }

		ta.Request(http.MethodPut, path("KO"), vttKo, bearer(tutor)...).Status(200).JSON(&v)
		if len(v.Captions) != 1 || v.Captions[0] != (media.Caption{Lang: "ko", Label: "한국어"}) {
			t.Fatalf("captions after PUT: %+v", v.Captions)
		}
		ta.Request(http.MethodPut, path("en-us")+"?label=English%20(US)", "\uFEFFWEBVTT - English\r\n\r\n00:00.000 --> 00:02.000\r\nHello\r\n",
			bearer(tutor)...).Status(200).JSON(&v)
		if len(v.Captions) != 2 || v.Captions[1] != (media.Caption{Lang: "en-US", Label: "English (US)"}) {
			t.Fatalf("captions after the second PUT: %+v", v.Captions)
		}
		files := mediaFiles(t, ta)

		var pb media.Playback
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), bearer(student)...).Status(404) // not attached anywhere
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), bearer(tutor)...).Status(200).JSON(&pb)
		if len(pb.Captions) != 2 || pb.Captions[0].Lang != "ko" || !strings.HasPrefix(pb.Captions[0].URL, "/media/videos/") {
			t.Fatalf("playback captions: %+v", pb.Captions)
		}
		r := ta.Get(pb.Captions[0].URL).Status(200)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/vtt") || string(r.Body) != vttKo {
			t.Fatalf("captions file: %q %q", ct, r.Body)
		}
		// The byte-order mark is dropped; the rest is kept as sent.
		if en := ta.Get(pb.Captions[1].URL).Status(200).Body; !bytes.HasPrefix(en, []byte("WEBVTT - English\r\n")) {
			t.Fatalf("English file: %q", en)
		}
		ta.Get(strings.Replace(pb.Captions[0].URL, "sig=", "sig=x", 1)).Status(403)

		// Replacing a language swaps the file; the old one goes.
		ta.Request(http.MethodPut, path("ko"), vttKo+"\n00:02.000 --> 00:03.000\n반갑습니다\n", bearer(tutor)...).Status(200)
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), bearer(tutor)...).Status(200).JSON(&pb)
		ta.Get(pb.Captions[0].URL).Status(200).Contains("반갑습니다")
		if n := mediaFiles(t, ta); n != files {
			t.Errorf("files after replacing: %d, want %d", n, files)
		}
		// The same file again changes nothing.
		var before, after media.Video
		ta.Get(fmt.Sprintf("/api/videos/%d/", v.ID), bearer(tutor)...).JSON(&before)
		ta.Clock.Advance(time.Second)
		ta.Request(http.MethodPut, path("ko"), vttKo+"\n00:02.000 --> 00:03.000\n반갑습니다\n", bearer(tutor)...).Status(200).JSON(&after)
		if !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Error("putting the same captions again touched the video")
		}

		// Refusals change nothing.
		for _, tc := range []struct {
			name, lang, body string
			who              user
			status           int
			code             string
		}{
			{"not WebVTT", "ja", "1\n00:00:00,000 --> 00:00:02,000\nSRT\n", tutor, 415, "media.captions_invalid"},
			{"signature glued to text", "ja", "WEBVTTX\n", tutor, 415, "media.captions_invalid"},
			{"not UTF-8", "ja", "WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfe\n", tutor, 415, "media.captions_invalid"},
			{"NUL byte", "ja", "WEBVTT\n\x00", tutor, 415, "media.captions_invalid"},
			{"empty", "ja", "", tutor, 400, "request.invalid"},
			{"too large", "ja", "WEBVTT\n\n" + strings.Repeat("x", media.MaxCaptionBytes), tutor, 413, ""},
			{"bad language", "not_a_language", vttKo, tutor, 422, ""},
			{"another tutor's video", "ja", vttKo, other, 404, "media.video_not_found"},
			{"a student", "ja", vttKo, student, 403, ""},
		} {
			t.Log(tc.name)
			ta.Request(http.MethodPut, path(tc.lang), tc.body, bearer(tc.who)...).Problem(tc.status, tc.code)
		}
		ta.Get(fmt.Sprintf("/api/videos/%d/", v.ID), bearer(tutor)...).JSON(&after)
		if len(after.Captions) != 2 {
			t.Fatalf("captions after refusals: %+v", after.Captions)
		}

		// At most 20 languages; the 21st is refused and leaves no file.
		for _, lang := range []string{"ja", "zh", "fr", "de", "es", "it", "pt", "ru", "vi", "th", "id", "ar", "hi", "tr", "nl", "sv", "pl", "uk"} {
			ta.Request(http.MethodPut, path(lang), vttKo, bearer(tutor)...).Status(200)
		}
		files = mediaFiles(t, ta)
		ta.Request(http.MethodPut, path("fi"), vttKo, bearer(tutor)...).Problem(409, "media.captions_too_many")
		if n := mediaFiles(t, ta); n != files {
			t.Errorf("a refused 21st language left %d files", n-files)
		}
		for _, lang := range []string{"ja", "zh", "fr", "de", "es", "it", "pt", "ru", "vi", "th", "id", "ar", "hi", "tr", "nl", "sv", "pl", "uk"} {
			ta.Request(http.MethodDelete, path(lang), nil, bearer(tutor)...).Status(204)
		}
		files -= 18

		ta.Request(http.MethodDelete, path("en-US"), nil, bearer(other)...).Status(404)
		ta.Request(http.MethodDelete, path("en-US"), nil, bearer(tutor)...).Status(204)
		ta.Request(http.MethodDelete, path("en-US"), nil, bearer(tutor)...).Problem(404, "media.caption_not_found")
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), bearer(tutor)...).Status(200).JSON(&pb)
		if len(pb.Captions) != 1 || pb.Captions[0].Lang != "ko" {
			t.Fatalf("playback after delete: %+v", pb.Captions)
		}
		if n := mediaFiles(t, ta); n != files-1 {
			t.Errorf("files after delete: %d, want %d", n, files-1)
		}
	})
}

func TestValidateWebVTT(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"WEBVTT":   true,
		"WEBVTT\n": true,
		"WEBVTT\r\n\r\n1\n00:00.000 --> 00:01.000\nx": true,
		"WEBVTT\tKind: captions\n":                    true,
		"\uFEFFWEBVTT\n":                              true,
		"WEBVTTX":                                     false,
		"webvtt\n":                                    false,
		" WEBVTT\n":                                   false,
		"":                                            false,
		"WEBVTT\n\x00":                                false,
		"WEBVTT\n\xc3\x28":                            false,
	} {
		_, err := media.ValidateWebVTT([]byte(in))
		if (err == nil) != ok {
			t.Errorf("ValidateWebVTT(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func FuzzValidateWebVTT(f *testing.F) {
	for _, s := range []string{"WEBVTT\n", "\uFEFFWEBVTT", "WEBVTT\n\n00:00.000 --> 00:01.000\n안녕\n", "WEBVTTX", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := media.ValidateWebVTT(in)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(out, []byte("WEBVTT")) || !utf8.Valid(out) || bytes.IndexByte(out, 0) >= 0 || len(out) > media.MaxCaptionBytes {
			t.Fatalf("accepted %q as %q", in, out)
		}
	})
}
