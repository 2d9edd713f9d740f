package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

// An instance without ffmpeg/ffprobe on PATH starts and serves everything
// but new videos: /readyz says transcoding is unavailable (and stays ready),
// video uploads (multipart and tus) get the "transcoding unavailable"
// problem and leave no row and no file, images still upload, and videos
// transcoded earlier (by an instance that had ffmpeg) still play.
func TestVideoUploadsWithoutFFmpeg(t *testing.T) {
	var clip []byte
	if haveFFmpeg(t) {
		clip = mediaClip(t, 2)
	} else {
		clip = []byte("\x00\x00\x00\x18ftypmp42 not really a video")
		t.Log("ffmpeg is not installed: the part with an existing video is skipped")
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		// First an instance with ffmpeg makes a ready video on a free topic.
		var before *apptest.T
		var tutor *mediaUser
		var existing media.Video
		if haveFFmpeg(t) {
			before = apptest.New(t, dialect)
			testkit.Must(t, before.App.Start(ctx))
			tutor = newMediaUser(t, before, "tutor", "tutor")
			existing = readyVideo(t, before, tutor, clip)
			_, free, _ := videoCourse(t, before, tutor, "free-video")
			before.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", existing.ID), map[string]any{"topic_id": free},
				tutor.auth()...).Status(204)
			testkit.Must(t, before.App.Close(ctx))
		}

		// Then the same data on an instance without the programs.
		t.Setenv("PATH", t.TempDir())
		ta := apptest.New(t, dialect, func(cfg *config.Config, o *app.Options) {
			if before != nil {
				cfg.Database.URL = before.App.Config.Database.URL
				cfg.DataDir = before.App.Config.DataDir
			}
		})
		testkit.Must(t, ta.App.Start(ctx))
		if tutor == nil {
			tutor = newMediaUser(t, ta, "tutor", "tutor")
		}
		r := ta.Get("/readyz").Status(200).Map()
		if r["status"] != "ready" {
			t.Fatalf("readyz without ffmpeg: %v", r)
		}
		if caps, _ := r["capabilities"].(map[string]any); caps["transcoding"] != false {
			t.Fatalf("readyz capabilities without ffmpeg: %v", r["capabilities"])
		}

		rows, files := countRows(t, ta, "media_videos"), mediaFileCount(t, ta)
		p := mediaUpload(ta, "/api/videos/upload/", tutor, "clip.mp4", clip).Problem(503, "media.transcoding_unavailable")
		if p["detail"] == "" {
			t.Fatalf("problem without detail: %v", p)
		}
		ta.Request(http.MethodPost, media.TusPath, nil, append(tutor.auth(), "Tus-Resumable", "1.0.0",
			"Upload-Length", fmt.Sprint(len(clip)), "Upload-Metadata", "filename Y2xpcC5tcDQ=")...).
			Problem(503, "media.transcoding_unavailable")
		// Who may not upload videos is still told so first.
		student := newMediaUser(t, ta, "student", "student")
		mediaUpload(ta, "/api/videos/upload/", student, "clip.mp4", clip).Problem(403, "")
		mediaUpload(ta, "/api/videos/upload/", nil, "clip.mp4", clip).Problem(401, "")
		if n, f := countRows(t, ta, "media_videos"), mediaFileCount(t, ta); n != rows || f != files {
			t.Fatalf("refused video uploads left %d rows and %d files", n-rows, f-files)
		}

		var img media.Image
		mediaUpload(ta, "/api/images/upload/", student, "photo.png", mediaPNG(640, 480)).Status(201).JSON(&img)
		if len(img.Variants) == 0 {
			t.Fatalf("image %+v", img)
		}
		for _, v := range img.Variants {
			ta.Get(v.URL).Status(200)
		}

		if before == nil {
			return
		}
		var pb media.Playback
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", existing.ID), student.auth()...).Status(200).JSON(&pb)
		signedURLs(t, ta, pb)

		// Transcoding jobs are left to instances with ffmpeg (several share
		// the database): this one does not take them.
		job, err := ta.App.Jobs.Insert(ctx, nil, transcodeJob{VideoID: existing.ID}, &river.InsertOpts{Queue: media.TranscodeQueue})
		testkit.Must(t, err)
		// The runner has fetched and worked a job inserted after it (the
		// media sweep, on a queue this instance works): it is running, and
		// the transcoding job is still waiting for an instance that can.
		later, err := ta.App.Jobs.Insert(ctx, nil, sweepNow{}, nil)
		testkit.Must(t, err)
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_, err = ta.App.Jobs.WaitFor(wctx, later, jobs.StateCompleted)
		testkit.Must(t, err)
		if st, err := ta.App.Jobs.Status(ctx, job); err != nil || st.State != jobs.StateQueued {
			t.Fatalf("a transcoding job on an instance without ffmpeg: %+v, %v", st, err)
		}
	})
}

// transcodeJob is the media module's transcoding job, as River stores it.
type transcodeJob struct {
	VideoID int64 `json:"video_id"`
}

func (transcodeJob) Kind() string { return "media.transcode" }

// sweepNow runs the media module's sweeper now.
type sweepNow struct{}

func (sweepNow) Kind() string { return "media.sweep" }
