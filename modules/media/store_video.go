package media

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

type videoRow struct {
	bun.BaseModel `bun:"table:media_videos,alias:v"`

	ID         int64                      `bun:"id,pk,autoincrement"`
	OwnerID    int64                      `bun:"owner_id,notnull"`
	Title      string                     `bun:"title,notnull"`
	Status     string                     `bun:"status,notnull"`
	Failure    string                     `bun:"failure,notnull"`
	Size       int64                      `bun:"size,notnull"`
	DurationMS int64                      `bun:"duration_ms,notnull"`
	Width      int                        `bun:"width,notnull"`
	Height     int                        `bun:"height,notnull"`
	VideoCodec string                     `bun:"video_codec,notnull"`
	AudioCodec string                     `bun:"audio_codec,notnull"`
	Renditions db.JSON[[]storedRendition] `bun:"renditions,notnull"`
	Progress   int                        `bun:"progress,notnull"`
	JobID      *int64                     `bun:"job_id"`
	// SourceSHA256 is the original's SHA-256 (hex): a bundle's clip imported
	// again is found by it instead of being stored twice.
	SourceSHA256 string                   `bun:"source_sha256,notnull"`
	Captions     db.JSON[[]storedCaption] `bun:"captions,notnull"`
	CreatedAt    time.Time                `bun:"created_at,notnull"`
	UpdatedAt    time.Time                `bun:"updated_at,notnull"`
	DeletedAt    *time.Time               `bun:"deleted_at"`
	// IsOwner is the viewer's relation to the video (videoForViewer).
	IsOwner bool `bun:"is_owner,scanonly"`
}

// storedRendition is one HLS rendition of a ready video.
type storedRendition struct {
	Name      string `json:"name"`
	Height    int    `json:"height"`
	Bandwidth int    `json:"bandwidth"`
}

// storedCaption is one WebVTT track of a video.
type storedCaption struct {
	Lang   string `json:"lang"`
	Label  string `json:"label"`
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// insertVideo creates a video row and sets its id.
func (store) insertVideo(ctx context.Context, idb bun.IDB, row *videoRow) error {
	_, err := idb.NewInsert().Model(row).Returning("id").Exec(ctx)
	return err
}

// startProcessing moves a live "uploaded" video to "processing" under its
// job; false when it is no longer live and uploaded.
func (store) startProcessing(ctx context.Context, idb bun.IDB, row *videoRow) (bool, error) {
	return changed(idb.NewUpdate().Model(row).Column("status", "job_id", "updated_at").WherePK().
		Where("status = 'uploaded'").Where("deleted_at IS NULL").Exec(ctx))
}

// setVideoTitle saves a video's title.
func (store) setVideoTitle(ctx context.Context, idb bun.IDB, row *videoRow) error {
	_, err := idb.NewUpdate().Model(row).Column("title", "updated_at").WherePK().Exec(ctx)
	return err
}

// setCaptions saves a video's captions list.
func (store) setCaptions(ctx context.Context, idb bun.IDB, row *videoRow) error {
	_, err := idb.NewUpdate().Model(row).Column("captions", "updated_at").WherePK().Exec(ctx)
	return err
}

// videoByID loads a video, deleted or not; nil when there is none.
func (store) videoByID(ctx context.Context, idb bun.IDB, id int64) (*videoRow, error) {
	var r videoRow
	err := idb.NewSelect().Model(&r).Where("v.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// videoForViewer loads a live video with the viewer's relation to it
// (IsOwner; viewer 0 is anonymous); nil when there is none.
func (store) videoForViewer(ctx context.Context, idb bun.IDB, id, viewer int64) (*videoRow, error) {
	var r videoRow
	err := idb.NewSelect().Model(&r).ColumnExpr("v.*").ColumnExpr("v.owner_id = ? AS is_owner", viewer).
		Where("v.id = ?", id).Where("v.deleted_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// videoBySource returns owner's live video made from the file with this
// SHA-256 that is stored whole (processing or ready); nil when there is none.
func (store) videoBySource(ctx context.Context, idb bun.IDB, owner int64, sum string) (*videoRow, error) {
	var r videoRow
	err := idb.NewSelect().Model(&r).Where("v.owner_id = ?", owner).Where("v.source_sha256 = ?", sum).
		Where("v.deleted_at IS NULL").Where("v.status IN ('processing', 'ready')").OrderExpr("v.id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// setProgress records how far transcoding went, in percent.
func (store) setProgress(ctx context.Context, idb bun.IDB, id int64, percent int) error {
	_, err := idb.NewUpdate().Model((*videoRow)(nil)).Set("progress = ?", percent).Where("id = ?", id).Exec(ctx)
	return err
}

// markReady records a transcoded video's renditions and the duration it
// plays; false when the video was deleted meanwhile.
func (store) markReady(ctx context.Context, idb bun.IDB, id int64, renditions []storedRendition, durationMS int64, now time.Time) (bool, error) {
	return changed(idb.NewUpdate().Model((*videoRow)(nil)).Set("status = 'ready'").Set("progress = 100").Set("duration_ms = ?", durationMS).
		Set("renditions = ?", db.JSON[[]storedRendition]{V: renditions}).Set("failure = ''").Set("updated_at = ?", now).
		Where("id = ?", id).Where("deleted_at IS NULL").Exec(ctx))
}

// failVideo marks a video failed if it is still in status from.
func (store) failVideo(ctx context.Context, idb bun.IDB, id int64, from, reason string, now time.Time) (bool, error) {
	return changed(idb.NewUpdate().Model((*videoRow)(nil)).Set("status = 'failed'").Set("failure = ?", reason).
		Set("updated_at = ?", now).Where("id = ?", id).Where("status = ?", from).Exec(ctx))
}

// staleUploads returns up to limit live videos still "uploaded" since
// before the time.
func (store) staleUploads(ctx context.Context, idb bun.IDB, before time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := idb.NewSelect().Model((*videoRow)(nil)).Column("id").Where("status = 'uploaded'").
		Where("updated_at < ?", before).Where("deleted_at IS NULL").OrderExpr("id").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, err
}

// processingVideo is a video in processing and its transcoding job.
type processingVideo struct {
	ID    int64  `bun:"id"`
	JobID *int64 `bun:"job_id"`
}

// processing returns up to limit live videos in processing with ids above
// after, by id.
func (store) processing(ctx context.Context, idb bun.IDB, after int64, limit int) ([]processingVideo, error) {
	var out []processingVideo
	err := idb.NewSelect().Model((*videoRow)(nil)).Column("id", "job_id").Where("status = 'processing'").
		Where("deleted_at IS NULL").Where("id > ?", after).OrderExpr("id").Limit(int64(limit)).Scan(ctx, &out)
	return out, err
}
