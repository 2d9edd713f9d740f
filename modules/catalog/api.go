// Package catalog owns the course engine: curriculums (nano-degrees),
// courses, lectures and topics of registered kinds (video, article, quiz,
// assignment), their search and outline, content gating, the roadmap, and
// course bundles as data.
//
// This file is the module's whole surface for other modules.
package catalog

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"github.com/weaverse/weaverse/platform/authz"
)

// CourseStatus is a learner's relation to a course, the colour of the
// roadmap: locked (not bought), owned, in_progress, completed, expired.
type CourseStatus string

// The course statuses.
const (
	StatusLocked     CourseStatus = "locked"
	StatusOwned      CourseStatus = "owned"
	StatusInProgress CourseStatus = "in_progress"
	StatusCompleted  CourseStatus = "completed"
	StatusExpired    CourseStatus = "expired"
)

// Entitlements tells whether a user may see a course's premium content
// (implemented by the module that sells access; until it exists only authors
// and admins are entitled).
type Entitlements interface {
	// EntitledCourses returns which of courseIDs the user has access to now.
	EntitledCourses(ctx context.Context, userID int64, courseIDs []int64) (map[int64]bool, error)
}

// StatusProvider gives a learner's status per course (implemented by the
// modules that own purchases and progress). Courses it does not mention are
// locked.
type StatusProvider interface {
	CourseStatuses(ctx context.Context, userID int64, courseIDs []int64) (map[int64]CourseStatus, error)
}

// Reader is what other modules read from the catalog.
type Reader interface {
	// CourseByID returns a live course's summary (apperr.NotFound otherwise).
	CourseByID(ctx context.Context, id int64) (CourseSummary, error)
	// Roadmap returns the featured curriculum's courses in order with the
	// caller's statuses (nil principal: no statuses).
	RoadmapFor(ctx context.Context, userID int64) (*Roadmap, error)
}

// Bundle is a parsed course bundle: a curriculum with its courses, or one
// stand-alone course.
type Bundle struct {
	Curriculum *CurriculumInput
	Courses    []CourseInput
	// Files is where the bundle's media references (topic videos and
	// captions, intro videos) resolve; nil when the bundle has no files.
	Files fs.FS
}

// ImageURL is where the media module serves a variant ("display",
// "thumbnail") of the image a reference names ("media:image:7"), to whoever
// ImageAccess admits; "" for anything else (a bundle path not imported).
// The catalog cannot import the media module (it depends on the catalog),
// so the path is agreed here and served there.
func ImageURL(ref, variant string) string {
	id, ok := strings.CutPrefix(ref, "media:image:")
	if n, err := strconv.ParseInt(id, 10, 64); !ok || err != nil || n <= 0 {
		return ""
	}
	return "/images/" + id + "/" + variant
}

// BundleMedia turns the media files a bundle names into media references
// ("media:video:7") when it is imported. The media module implements it;
// the app passes it to Import.
type BundleMedia interface {
	// ImportVideo stores the video file (and its WebVTT captions file, if
	// captions is not empty) as a video owned by owner and returns its
	// reference, and whether it was made now. The same file imported again
	// by the same owner returns the same reference. ErrMediaUnavailable
	// means this server cannot take videos (no ffmpeg): the import keeps the
	// file paths.
	ImportVideo(ctx context.Context, owner int64, files fs.FS, video, captions string) (ref string, created bool, err error)
	// ImportImage does the same for an image file (a course's picture).
	ImportImage(ctx context.Context, owner int64, files fs.FS, image string) (ref string, created bool, err error)
	// Discard removes media an import made before it failed.
	Discard(ctx context.Context, refs []string)
}

// ErrMediaRetired is returned when media being attached was retired
// (RetireMedia): its owner deleted it.
var ErrMediaRetired = errors.New("catalog: the media was deleted")

// ErrMediaUnavailable is returned by a BundleMedia that cannot import media.
var ErrMediaUnavailable = errors.New("catalog: media cannot be imported on this server")

// ImportReport says what an import did, by slug.
type ImportReport struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
}

// MediaGate answers the media module's questions about catalog content and
// records media on it; the catalog keeps every authorization rule about
// courses here.
type MediaGate interface {
	// VideoAccess reports whether p may play the video named by ref
	// ("media:video:42"): a published course's intro video, or the video of a
	// free topic, is public; a premium topic's video needs the caller to be
	// entitled to (or able to edit) the course.
	VideoAccess(ctx context.Context, p *authz.Principal, ref string) (bool, error)
	// SetTopicVideo points a video topic at ref; the caller must be able to
	// edit the topic's course. ErrMediaRetired means ref was retired
	// (RetireMedia): its owner is deleting it.
	SetTopicVideo(ctx context.Context, p *authz.Principal, topicID int64, ref string, durationSeconds int) error
	// SetCourseMedia sets a course's intro video or thumbnail reference
	// (field "intro_video" or "thumbnail"); the caller must be able to edit
	// it. ErrMediaRetired as for SetTopicVideo.
	SetCourseMedia(ctx context.Context, p *authz.Principal, courseID int64, field, ref string) error
	// VideoTopic returns the title and course of a video topic that plays
	// ref ("media:video:42"), when p may see that course; "" otherwise.
	VideoTopic(ctx context.Context, p *authz.Principal, topicID int64, ref string) (title string, courseID int64, err error)
	// RetireMedia is asked before media is deleted. When live courses use
	// ref (a topic's video, an intro video, a picture) it returns the titles
	// of a few of them and changes nothing: media in use are not deleted.
	// Otherwise it retires ref, and the catalog never attaches it again.
	// Retiring and attaching one reference run one after the other (a lock
	// per reference), so a deletion racing an attachment cannot miss it:
	// either the attachment comes first and the retirement sees it, or the
	// retirement comes first and the attachment fails with ErrMediaRetired.
	RetireMedia(ctx context.Context, ref string) (usedBy []string, err error)
	// ImageAccess reports whether p may see the image named by ref
	// ("media:image:7"): the picture of a published course is public; a
	// draft's is for those who may edit it.
	ImageAccess(ctx context.Context, p *authz.Principal, ref string) (bool, error)
}
