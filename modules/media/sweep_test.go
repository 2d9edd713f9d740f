package media_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

// sweepJob runs the media sweeper now (its worker is the module's).
type sweepJob struct{}

func (sweepJob) Kind() string { return "media.sweep" }

// The sweeper fails videos stuck without a job that will finish them: an
// upload interrupted while its original was stored, and a video whose job
// ended (or vanished) without a word. Videos with a live job, recent
// uploads and finished videos are left alone.
func TestSweepStuckVideos(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		started(t, ta)
		ctx := context.Background()
		tutor := newUser(t, ta, "tutor", "tutor")
		now := ta.Clock.Now()
		later, err := ta.App.Jobs.Insert(ctx, nil, sweepJob{}, &river.InsertOpts{ScheduledAt: now.Add(240 * time.Hour)})
		testkit.Must(t, err)
		gone := int64(1 << 40)
		insert := func(status string, jobID *int64, updated time.Time) int64 {
			var id int64
			testkit.Must(t, ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, size, renditions, job_id, created_at, updated_at)
				VALUES (?, 'stuck', ?, 1, '[]', ?, ?, ?) RETURNING id`, tutor.ID, status, jobID, updated, updated).Scan(ctx, &id))
			return id
		}
		interrupted := insert("uploaded", nil, now.Add(-7*time.Hour))
		uploading := insert("uploaded", nil, now.Add(-time.Hour))
		orphan := insert("processing", &gone, now)
		noJob := insert("processing", nil, now)
		live := insert("processing", &later, now)
		ready := insert("ready", &gone, now)

		image := func(variants string, created time.Time) int64 {
			var id int64
			testkit.Must(t, ta.App.DB.W.NewRaw(`INSERT INTO media_images (owner_id, alt, format, width, height, size, variants, created_at, updated_at)
				VALUES (?, '', 'png', 1, 1, 1, ?, ?, ?) RETURNING id`, tutor.ID, variants, created, created).Scan(ctx, &id))
			return id
		}
		cutOff := image("[]", now.Add(-7*time.Hour))
		storing := image("[]", now)
		whole := image(`[{"name":"thumbnail","key":"images/9/thumbnail.png","width":1,"height":1,"content_type":"image/png","size":1}]`, now.Add(-7*time.Hour))

		id, err := ta.App.Jobs.Insert(ctx, nil, sweepJob{}, nil)
		testkit.Must(t, err)
		_, err = ta.App.Jobs.WaitFor(ctx, id, jobs.StateCompleted)
		testkit.Must(t, err)

		for img, want := range map[int64]bool{cutOff: false, storing: true, whole: true} {
			if n, err := ta.App.DB.R.NewSelect().Table("media_images").Where("id = ?", img).Count(ctx); err != nil || (n == 1) != want {
				t.Errorf("image %d: %d rows (%v), want kept=%v", img, n, err, want)
			}
		}
		for vid, want := range map[int64]string{interrupted: "failed", uploading: "uploaded", orphan: "failed", noJob: "failed",
			live: "processing", ready: "ready"} {
			var v media.Video
			ta.Get(fmt.Sprintf("/api/videos/%d/", vid), bearer(tutor)...).Status(200).JSON(&v)
			if v.Status != want || (want == "failed") != (v.Failure != "") {
				t.Errorf("video %d: %s (%q), want %s", vid, v.Status, v.Failure, want)
			}
		}
	})
}

// A video deleted before its job ran: the job removes whatever files are
// left under it (an upload still being stored may write them after the
// delete), and does not process it.
func TestTranscodeOfDeletedVideoCleansUp(t *testing.T) {
	t.Parallel()
	data := clip(t, 1)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "clip.mp4", data).Status(202).JSON(&v)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/videos/%d/", v.ID), nil, bearer(tutor)...).Status(204)
		ctx := context.Background()
		key := fmt.Sprintf("videos/%d/original", v.ID)
		testkit.Must(t, ta.App.Store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), ""))
		started(t, ta)
		var job int64
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("media_videos").Column("job_id").Where("id = ?", v.ID).Scan(ctx, &job))
		st, err := ta.App.Jobs.WaitFor(ctx, job, jobs.StateCompleted)
		testkit.Must(t, err)
		if st.Queue != media.TranscodeQueue {
			t.Errorf("transcoding ran in queue %q, want %q", st.Queue, media.TranscodeQueue)
		}
		if _, err := ta.App.Store.Stat(ctx, key); err == nil {
			t.Fatal("the deleted video's original is still stored")
		}
	})
}
