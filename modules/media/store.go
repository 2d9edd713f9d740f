package media

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// jsonList stores a slice as JSON text on both dialects.
type jsonList[T any] []T

func (j jsonList[T]) Value() (driver.Value, error) {
	if j == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]T(j))
	return string(b), err
}

func (j *jsonList[T]) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return json.Unmarshal([]byte(s), (*[]T)(j))
	case []byte:
		return json.Unmarshal(s, (*[]T)(j))
	case nil:
		*j = nil
		return nil
	}
	return fmt.Errorf("media: cannot scan %T", src)
}

// storedVariant is one stored image variant.
type storedVariant struct {
	Name        string `json:"name"`
	Key         string `json:"key"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

type imageRow struct {
	bun.BaseModel `bun:"table:media_images,alias:i"`

	ID       int64                   `bun:"id,pk,autoincrement"`
	OwnerID  int64                   `bun:"owner_id,notnull"`
	Alt      string                  `bun:"alt,notnull"`
	Format   string                  `bun:"format,notnull"`
	Width    int                     `bun:"width,notnull"`
	Height   int                     `bun:"height,notnull"`
	Size     int64                   `bun:"size,notnull"`
	Variants jsonList[storedVariant] `bun:"variants,notnull"`
	// SourceSHA256 is the uploaded file's SHA-256 (hex), as for videos.
	SourceSHA256 string     `bun:"source_sha256,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	UpdatedAt    time.Time  `bun:"updated_at,notnull"`
	DeletedAt    *time.Time `bun:"deleted_at"`
}

// storedRendition is one HLS rendition of a ready video.
type storedRendition struct {
	Name      string `json:"name"`
	Height    int    `json:"height"`
	Bandwidth int    `json:"bandwidth"`
}

type videoRow struct {
	bun.BaseModel `bun:"table:media_videos,alias:v"`

	ID         int64                     `bun:"id,pk,autoincrement"`
	OwnerID    int64                     `bun:"owner_id,notnull"`
	Title      string                    `bun:"title,notnull"`
	Status     string                    `bun:"status,notnull"`
	Failure    string                    `bun:"failure,notnull"`
	Size       int64                     `bun:"size,notnull"`
	DurationMS int64                     `bun:"duration_ms,notnull"`
	Width      int                       `bun:"width,notnull"`
	Height     int                       `bun:"height,notnull"`
	VideoCodec string                    `bun:"video_codec,notnull"`
	AudioCodec string                    `bun:"audio_codec,notnull"`
	Renditions jsonList[storedRendition] `bun:"renditions,notnull"`
	Progress   int                       `bun:"progress,notnull"`
	JobID      *int64                    `bun:"job_id"`
	// SourceSHA256 is the original's SHA-256 (hex): a bundle's clip imported
	// again is found by it instead of being stored twice.
	SourceSHA256 string                  `bun:"source_sha256,notnull"`
	Captions     jsonList[storedCaption] `bun:"captions,notnull"`
	CreatedAt    time.Time               `bun:"created_at,notnull"`
	UpdatedAt    time.Time               `bun:"updated_at,notnull"`
	DeletedAt    *time.Time              `bun:"deleted_at"`
}

// storedCaption is one WebVTT track of a video.
type storedCaption struct {
	Lang   string `json:"lang"`
	Label  string `json:"label"`
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// Storage keys of a video's files.
func originalKey(id int64) string { return fmt.Sprintf("videos/%d/original", id) }
func hlsPrefix(id int64) string   { return fmt.Sprintf("videos/%d/hls/", id) }
func posterKey(id int64) string   { return fmt.Sprintf("videos/%d/poster.jpg", id) }
func mp4Key(id int64) string      { return fmt.Sprintf("videos/%d/hls/fallback.mp4", id) }
