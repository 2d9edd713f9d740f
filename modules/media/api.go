// Package media owns uploaded images and videos: safe image processing into
// variants, video validation and HLS transcoding in background jobs, and
// playback through signed, expiring URLs for entitled viewers only.
//
// This file is the module's whole surface for other modules.
package media

import "strconv"

// TranscodeQueue is the job queue videos are transcoded in: its own, so
// long transcodes never hold up other jobs, with as many workers as the app
// configures (media.transcode_workers).
const TranscodeQueue = "media_transcode"

// VideoRef is how catalog content names an uploaded video.
func VideoRef(id int64) string { return "media:video:" + strconv.FormatInt(id, 10) }

// ImageRef is how catalog content names an uploaded image.
func ImageRef(id int64) string { return "media:image:" + strconv.FormatInt(id, 10) }
