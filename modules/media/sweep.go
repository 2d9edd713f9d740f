package media

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/weaverse/weaverse/platform/jobs"
)

// The sweeper fails videos that would otherwise wait forever: an upload
// whose instance died while storing the original (its row stays
// "uploaded"), and a video whose transcoding job ended without saying so —
// the job's worker was killed on its last attempt, River rescued and then
// discarded it, or someone cancelled it. Both get status "failed" with a
// reason the owner can act on (upload again). It also removes images cut
// off the same way, and has abandoned resumable uploads pruned.

const (
	// sweepEvery is how often the sweeper runs (and once at start).
	sweepEvery = 10 * time.Minute
	// uploadStaleAfter is how long a row may stay "uploaded": storing one
	// original (at most media.max_video_bytes) takes minutes, not hours.
	uploadStaleAfter = 6 * time.Hour
	// sweepBatch is how many videos one query reads.
	sweepBatch = 500
)

type sweepArgs struct{}

func (sweepArgs) Kind() string { return "media.sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	s *service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	if prune := w.s.pruneUploads; prune != nil {
		prune() // at most hourly, in the background
	}
	_, err := w.s.sweep(ctx)
	return err
}

// periodicSweep is the sweeper's schedule.
func periodicSweep() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return sweepArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: sweepEvery}}
		}, &river.PeriodicJobOpts{RunOnStart: true})
}

// sweep fails stuck videos and returns how many it failed.
func (s *service) sweep(ctx context.Context) (int, error) {
	now := s.clock.Now()
	failed := 0

	// Uploads that never got their job: the files (perhaps a partial
	// original) go, the row stays as a failure the owner can see.
	stale, err := s.st.staleUploads(ctx, s.db.R, now.Add(-uploadStaleAfter), sweepBatch)
	if err != nil {
		return 0, err
	}
	for _, id := range stale {
		ok, err := s.failIf(ctx, id, "uploaded", "the upload was interrupted before the video was stored; upload it again")
		if err != nil {
			return failed, err
		}
		if ok {
			failed++
			if err := s.files.DeletePrefix(ctx, videoPrefix(id)); err != nil {
				s.logger.WarnContext(ctx, "sweeping an interrupted upload's files", "video_id", id, "err", err)
			}
		}
	}

	// Videos processing under a job that will not run again, a batch at a
	// time (by id, so live jobs at the front cannot hide the rest). The
	// update is conditional on the status, so a video that became ready
	// (its job completed) between the two reads is never failed.
	for after := int64(0); ; {
		processing, err := s.st.processing(ctx, s.db.R, after, sweepBatch)
		if err != nil {
			return failed, err
		}
		ids := make([]int64, 0, len(processing))
		for _, p := range processing {
			if p.JobID != nil {
				ids = append(ids, *p.JobID)
			}
		}
		states, err := s.jobs.Statuses(ctx, ids)
		if err != nil {
			return failed, err
		}
		for _, p := range processing {
			var st jobs.Status
			found := false
			if p.JobID != nil {
				st, found = states[*p.JobID]
			}
			if found && !st.Final() {
				continue
			}
			reason := "processing stopped unexpectedly; upload the video again"
			if found && st.LastError != "" {
				reason = "processing failed: " + st.LastError
			}
			ok, err := s.failIf(ctx, p.ID, "processing", reason)
			if err != nil {
				return failed, err
			}
			if ok {
				failed++
			}
		}
		if len(processing) < sweepBatch {
			break
		}
		after = processing[len(processing)-1].ID
	}
	// Images whose instance died while storing their variants (the row
	// comes first, see storeImage): files and row go.
	broken, err := s.st.brokenImages(ctx, s.db.R, now.Add(-uploadStaleAfter), sweepBatch)
	if err != nil {
		return failed, err
	}
	for _, id := range broken {
		s.discardImage(ctx, id)
	}

	if failed > 0 {
		s.logger.InfoContext(ctx, "media sweeper failed stuck videos", "count", failed)
	}
	return failed, nil
}
