// Package media owns uploaded images and videos: safe image processing into
// variants, video validation and HLS transcoding in background jobs, and
// playback through signed, expiring URLs for entitled viewers only.
//
// This file is the module's whole surface for other modules.
package media

import (
	"context"
	"strconv"

	"github.com/weaverse/weaverse/platform/authz"
)

// TranscodeQueue is the job queue videos are transcoded in: its own, so
// long transcodes never hold up other jobs, with as many workers as the app
// configures (media.transcode_workers).
const TranscodeQueue = "media_transcode"

// VideoRef is how catalog content names an uploaded video.
func VideoRef(id int64) string { return "media:video:" + strconv.FormatInt(id, 10) }

// ImageRef is how catalog content names an uploaded image.
func ImageRef(id int64) string { return "media:image:" + strconv.FormatInt(id, 10) }

// Player answers the module that tracks watching.
type Player interface {
	// PlayableVideo returns the length in seconds of a ready video p may
	// play, with the playback endpoint's refusals: 404 (or 401 signed out)
	// when p may not play it, 409 while it is processed.
	PlayableVideo(ctx context.Context, p *authz.Principal, id int64) (float64, error)
}

// ResumePositions says where a user left off in a video (implemented by the
// module that tracks watching): the playback endpoint returns it.
type ResumePositions interface {
	ResumePosition(ctx context.Context, userID, videoID int64) (float64, error)
}

// Transcripts gives the module that answers learners' questions the text
// of videos' captions (implemented by media; read from storage, never
// served by it).
type Transcripts interface {
	// CaptionTracks returns the captions tracks of the live videos among
	// ids, by video id; a track's SHA256 changes when its file does.
	CaptionTracks(ctx context.Context, videoIDs []int64) (map[int64][]CaptionTrack, error)
	// ReadCaptions returns a live video's WebVTT file in lang
	// (apperr.NotFound when there is none).
	ReadCaptions(ctx context.Context, videoID int64, lang string) ([]byte, error)
}

// CaptionTrack is one captions track of a video.
type CaptionTrack struct {
	Lang   string
	SHA256 string
}
