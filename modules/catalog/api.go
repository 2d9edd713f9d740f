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
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

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

// Storefront says where a course or a curriculum is bought (implemented by
// the module that sells access). "" means it cannot be bought on this
// instance: pages then offer no purchase button rather than a link to a page
// that does not exist.
type Storefront interface {
	CourseBuyURL(courseID int64) string
	CurriculumBuyURL(curriculumID int64) string
}

// Reader is what other modules read from the catalog.
type Reader interface {
	// CourseByID returns a live course's summary (apperr.NotFound otherwise).
	CourseByID(ctx context.Context, id int64) (CourseSummary, error)
	// Roadmap returns the featured curriculum's courses in order with the
	// caller's statuses (nil principal: no statuses).
	RoadmapFor(ctx context.Context, userID int64) (*Roadmap, error)
	// CurriculumByID returns a published curriculum with its published
	// courses in roadmap order, as visitors see it (apperr.NotFound
	// otherwise): what is sold when the curriculum is bought.
	CurriculumByID(ctx context.Context, id int64) (CurriculumSummary, []CourseSummary, error)
	// CurriculumCourseIDs returns every live course of a curriculum, drafts
	// included, in roadmap order (none for an unknown curriculum).
	CurriculumCourseIDs(ctx context.Context, id int64) ([]int64, error)
}

// CourseSummary is a course in lists.
type CourseSummary struct {
	ID             int64    `json:"id"`
	Slug           string   `json:"slug"`
	Title          string   `json:"title"`
	Summary        string   `json:"short_description"`
	Category       string   `json:"category"`
	SkillLevel     string   `json:"skill_level"`
	Price          int64    `json:"price" doc:"KRW, when sold alone."`
	AccessDays     int      `json:"access_days"`
	Credits        int      `json:"credits"`
	EstimatedHours int      `json:"estimated_hours"`
	Tags           []string `json:"tags"`
	Status         string   `json:"status"`
	// Certificate is what the course asks of a learner for its certificate.
	Certificate  CertificateRule `json:"certificate"`
	Thumbnail    string          `json:"thumbnail,omitempty" doc:"The picture's reference (media:image:7, or a bundle path not imported)."`
	ThumbnailURL string          `json:"thumbnail_url,omitempty" doc:"Where the picture is served (display size; /thumbnail for 320 px)."`
	CurriculumID *int64          `json:"curriculum_id"`
	Position     int             `json:"position" doc:"Order in its curriculum's roadmap."`
	Author       Author          `json:"author"`
	LectureCount int             `json:"lecture_count"`
	TopicCount   int             `json:"topic_count"`
	VideoSeconds int             `json:"video_seconds" doc:"Total length of the course's videos."`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Values of CertificateRule.Missions.
const (
	CertMissionsAll   = ""      // every midterm and final mission (the default)
	CertMissionsFinal = "final" // the final missions only
	CertMissionsNone  = "none"  // no mission
)

// CertificateRule is what a course asks of a learner before it issues them
// a certificate. Its zero value is the default rule: every topic completed
// and every midterm and final mission passed at its own pass score.
type CertificateRule struct {
	// Disabled: the course issues no certificate.
	Disabled bool `json:"disabled,omitempty" yaml:"disabled" doc:"The course issues no certificate."`
	// MinProgress is the percent of the course's live topics to complete
	// (0 means 100).
	MinProgress int `json:"min_progress,omitempty" yaml:"min_progress" minimum:"0" maximum:"100" doc:"Percent of the topics to complete (0: all)."`
	// Missions names the missions to pass (CertMissions*): "" every midterm
	// and final mission, "final" the finals only, "none" none.
	Missions string `json:"missions,omitempty" yaml:"missions" enum:",final,none" doc:"Missions to pass: empty for every midterm and final, final, or none."`
	// MinScore is the best score (percent) each required mission needs
	// (0: the mission's own pass score).
	MinScore int `json:"min_score,omitempty" yaml:"min_score" minimum:"0" maximum:"100" doc:"Best score each required mission needs (0: its pass score)."`
}

// Progress is the percent of topics the rule asks for (1–100).
func (r CertificateRule) Progress() int {
	if r.MinProgress <= 0 || r.MinProgress > 100 {
		return 100
	}
	return r.MinProgress
}

// Requires says whether the rule asks for missions of kind mission
// ("midterm", "final").
func (r CertificateRule) Requires(mission string) bool {
	switch r.Missions {
	case CertMissionsNone:
		return false
	case CertMissionsFinal:
		return mission == "final"
	default:
		return mission == "midterm" || mission == "final"
	}
}

// CurriculumSummary is a curriculum in lists.
type CurriculumSummary struct {
	ID          int64     `json:"id"`
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	Summary     string    `json:"short_description"`
	Category    string    `json:"category"`
	SkillLevel  string    `json:"skill_level"`
	Price       int64     `json:"price" doc:"KRW."`
	AccessDays  int       `json:"access_days"`
	Tags        []string  `json:"tags"`
	Status      string    `json:"status"`
	CourseCount int       `json:"course_count"`
	Author      Author    `json:"author"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Author is a course's or curriculum's author as the catalog shows it.
type Author struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
}

// RoadmapItem is a course on the roadmap.
type RoadmapItem struct {
	CourseSummary
	Status CourseStatus `json:"status,omitempty" doc:"The caller's status (absent for anonymous callers)."`
}

// Roadmap is a curriculum's courses in order.
type Roadmap struct {
	Curriculum CurriculumSummary `json:"curriculum"`
	Courses    []RoadmapItem     `json:"courses"`
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
	// ExportVideo returns the original file of the video ref names
	// ("media:video:7") and its captions, for a bundle export. Nothing is
	// read until Open is called. ErrMediaMissing means the video or its
	// original is gone (a video whose original was removed plays from its
	// HLS renditions only, which a bundle cannot carry).
	ExportVideo(ctx context.Context, ref string) (BundleVideo, error)
	// ExportImage returns the largest stored rendition of the image ref
	// names ("media:image:7"); ErrMediaMissing as for ExportVideo.
	ExportImage(ctx context.Context, ref string) (BundleFile, error)
}

// MediaItem is a video or an image of the media library as the course
// editor shows it.
type MediaItem struct {
	Ref      string // "media:video:7", "media:image:3"
	Title    string // a video's title, an image's alt text
	Status   string // videos: uploaded, processing, ready, failed; images: ready
	Progress int    // transcoding progress, percent
	Duration int    // seconds (videos)
	// Thumb is a small picture of the item served from this origin ("" when
	// there is none yet).
	Thumb   string
	OwnerID int64
}

// MediaReady says whether a video has finished processing.
func (i MediaItem) MediaReady() bool { return i.Status == "ready" }

// MediaLibrary is what the course editor asks of the media module
// (implemented there): what a tutor may attach, and the state of what a
// course already names.
type MediaLibrary interface {
	// Attachable lists the live items of kind ("video", "image") p may put
	// on a course (their own; admins: every one), newest first, at most limit.
	Attachable(ctx context.Context, p *authz.Principal, kind string, limit int) ([]MediaItem, error)
	// Describe returns the live items among refs, by ref; a ref missing from
	// the map is deleted, unknown or not a media reference.
	Describe(ctx context.Context, refs []string) (map[string]MediaItem, error)
	// Attach puts ref, which p must be able to attach (Attachable), on a
	// video topic (topicID) or on a course (field "thumbnail" for an image,
	// "intro_video" for a video), through MediaGate: p must be able to edit
	// the course. 404 for media p may not attach, 422 for the wrong kind.
	Attach(ctx context.Context, p *authz.Principal, ref string, courseID, topicID int64, field string) error
	// LibraryURL is the library page where p uploads and manages media;
	// forTopic/forCourse (0: none) open it to pick an item for that topic or
	// that course's picture.
	LibraryURL(forCourse, forTopic int64) string
}

// BundleFile is a media file an export writes into a bundle.
type BundleFile struct {
	// Name is a file name for it ("welcome.mp4"): the video's title, which
	// an import makes the title again, with the extension of its container.
	Name string
	Size int64
	// Open reads the file; the caller closes it.
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// BundleVideo is a video's original file and its captions tracks.
type BundleVideo struct {
	BundleFile
	Captions []BundleCaption
}

// BundleCaption is one WebVTT captions track of a video.
type BundleCaption struct {
	Lang string // BCP 47 ("ko", "en-US")
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// ErrMediaMissing is returned by a BundleMedia asked to export media whose
// file is not stored.
var ErrMediaMissing = errors.New("catalog: the media's original file is not stored")

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
	// MediaUses returns where live courses use each of refs (videos and
	// images), by ref, in one query for them all: a live video topic of a
	// live lecture, a course's intro video, a course's picture. Every use
	// is returned whoever p is (the media's owner must know what keeps it
	// from being deleted); EditURL is set on those p may edit.
	MediaUses(ctx context.Context, p *authz.Principal, refs []string) (map[string][]MediaUse, error)
	// AttachTargets returns the live courses p may edit (their own;
	// admins: every one), the MaxAttachTargets most recently updated
	// first, each with its live video topics in outline order: where p may
	// put a video or a picture.
	AttachTargets(ctx context.Context, p *authz.Principal) ([]AttachCourse, error)
	// MediaTarget describes a live video topic (topicID), or a live course
	// (courseID, when topicID is 0), that p may edit: what the media
	// library is opened to pick an item for. apperr.NotFound when there is
	// none, or p may not edit it; 422 for a topic of another kind.
	MediaTarget(ctx context.Context, p *authz.Principal, courseID, topicID int64) (MediaTarget, error)
}

// How a course uses media (MediaUse.As).
const (
	UseTopic      = "topic"       // a video topic's video
	UseIntroVideo = "intro_video" // a course's intro video
	UseThumbnail  = "thumbnail"   // a course's picture
)

// MaxAttachTargets is how many courses AttachTargets returns at most.
const MaxAttachTargets = 200

// MediaUse is one place a live course uses a video or an image.
type MediaUse struct {
	Ref          string // "media:video:7"
	As           string // UseTopic, UseIntroVideo, UseThumbnail
	CourseID     int64
	CourseTitle  string
	LectureTitle string // topics only
	TopicID      int64  // topics only
	TopicTitle   string // topics only
	// EditURL is the topic's (or the course's) editor when p may edit the
	// course, "" otherwise.
	EditURL string
}

// AttachCourse is a course p may edit, with what it names now.
type AttachCourse struct {
	ID         int64
	Title      string
	Status     string
	IntroVideo string // its intro video's reference, or ""
	Thumbnail  string // its picture's reference, or ""
	Topics     []AttachTopic
}

// AttachTopic is a live video topic of an AttachCourse.
type AttachTopic struct {
	ID           int64
	LectureTitle string
	Title        string
	Video        string // the reference it plays now, or ""
}

// MediaTarget is a course, or a video topic of it, that p may put media on.
type MediaTarget struct {
	CourseID     int64
	CourseTitle  string
	IntroVideo   string // the course's intro video's reference, or ""
	Thumbnail    string // the course's picture's reference, or ""
	TopicID      int64  // 0: the course itself
	LectureTitle string
	TopicTitle   string
	Video        string // the topic's video's reference, or ""
	// EditURL is the topic's editor, or the course's.
	EditURL string
}

// AnswerKeys gives the module that grades learners' work what the catalog
// keeps from learners: the correct choices and explanations of quizzes, and
// the hidden tests and solutions of assignments. app hands it to that module;
// it is never served over HTTP.
type AnswerKeys interface {
	// QuizKey returns the key of a live quiz topic; apperr.NotFound for any
	// other topic (another kind, deleted, or of a deleted course).
	QuizKey(ctx context.Context, topicID int64) (*QuizKey, error)
	// AssignmentKey returns the key of a live assignment topic; NotFound as
	// for QuizKey.
	AssignmentKey(ctx context.Context, topicID int64) (*AssignmentKey, error)
}

// QuizKey is a quiz's questions with their answers.
type QuizKey struct {
	TopicID   int64
	CourseID  int64
	Title     string
	Mission   string // none, midterm, final
	Premium   bool
	PassScore int // percent of correct answers needed to pass
	// MaxAttempts caps a learner's attempts (0: no cap).
	MaxAttempts int
	Questions   []QuestionKey
}

// QuestionKey is one question of a quiz, with its live choices in order.
type QuestionKey struct {
	ID          int64
	Prompt      string
	PromptHTML  string   // the prompt rendered from Markdown to safe HTML
	Choices     []int64  // the choices' ids: an answer names one of them
	ChoiceTexts []string // the choices' texts, in the order of Choices
	// Multiple says several choices may be correct (the learner is told
	// to choose every correct one); otherwise exactly one is.
	Multiple bool
	// Correct are the correct choices' ids: an answer is right when it
	// names exactly these.
	Correct     []int64
	Explanation string // shown to the learner after grading
}

// AssignmentKey is what a grader needs to grade an assignment, and what
// the assignment's page shows.
type AssignmentKey struct {
	TopicID     int64
	CourseID    int64
	Title       string
	Mission     string // none, midterm, final
	Premium     bool
	Prompt      string
	PromptHTML  string // the prompt rendered from Markdown to safe HTML
	StarterCode string
	PassScore   int // percent of tests to pass
	Grader      string
	Function    string // javascript: the function the tests call
	Schema      string // sql: statements run before the learner's query
	Ordered     bool   // sql: whether row order matters
	Solution    string
	Tests       []AssignmentTest // hidden ones included
}

// AssignmentTest is one test of an assignment; which fields apply depends on
// the grader.
type AssignmentTest struct {
	Name     string            `json:"name" yaml:"name"`
	Hidden   bool              `json:"hidden,omitempty" yaml:"hidden" doc:"Hidden tests run but are never shown to learners."`
	Args     []any             `json:"args,omitempty" yaml:"args" doc:"javascript: the call's arguments."`
	Expect   any               `json:"expect,omitempty" yaml:"expect" doc:"javascript: the expected value; sql: the expected rows."`
	Setup    string            `json:"setup,omitempty" yaml:"setup" doc:"sql: extra statements for this test."`
	Selector string            `json:"selector,omitempty" yaml:"selector" doc:"html: a CSS selector."`
	Count    *int              `json:"count,omitempty" yaml:"count"`
	MinCount *int              `json:"min_count,omitempty" yaml:"min_count"`
	Text     string            `json:"text,omitempty" yaml:"text"`
	Attr     map[string]string `json:"attr,omitempty" yaml:"attr"`
	CSS      *CSSCheck         `json:"css,omitempty" yaml:"css" doc:"html: a CSS declaration that some element the selector matches gets from the page's <style> rules or its style attribute, as the cascade decides ({property: color, value: red})."`
}

// CSSCheck is an html test's check of the learner's CSS: some element the
// test's selector matches gets property (value, when given) from the
// document's styles, as a browser's cascade decides among the
// declarations that apply to the element itself: the rules of its <style>
// elements whose selector matches it (inside @media, @supports and @layer
// blocks too, their conditions not evaluated) and its style="" attribute,
// the winner chosen by !important, then inline over rules, then
// specificity, then order. Not counted: inherited values, shorthands
// (background for background-color), linked stylesheets, rules for states
// or pseudo-elements (a:hover, p::before). Values compare normalised:
// case, spaces and !important aside, numbers by value (.50em = 0.5em) and
// colors by their RGBA value (red = #f00 = #FF0000 = rgb(255 0 0)).
type CSSCheck struct {
	Property string `json:"property" yaml:"property" doc:"A CSS property, as written in a stylesheet: color, font-size, --brand (not expanded: background does not set background-color)." example:"color"`
	Value    string `json:"value,omitempty" yaml:"value" doc:"Its expected value, compared normalised (case, spaces, !important aside; red = #f00 = rgb(255 0 0); .5em = 0.5em); empty: any value." example:"red"`
}

// Classroom is where learners take a course's topics and how far they got
// (implemented by the module that tracks learning). The catalog's course
// page links each topic there and ticks the completed ones.
type Classroom interface {
	// TopicURL is the page that plays or shows a topic to learners; ""
	// when this server has none (the course page then links nothing).
	TopicURL(courseID, topicID int64) string
	// CourseURL is the page that continues a course where the learner
	// left off (and enrolls them in a free one); "" when none.
	CourseURL(courseID int64) string
	// LearnersURL is the page listing a course's learners for its tutor
	// and admins.
	LearnersURL(courseID int64) string
	// CompletedTopics returns which topics of a course the user completed.
	CompletedTopics(ctx context.Context, userID, courseID int64) (map[int64]bool, error)
	// CompletedTopicsIn returns which topics of any of courseIDs the user
	// completed, in one read.
	CompletedTopicsIn(ctx context.Context, userID int64, courseIDs []int64) (map[int64]bool, error)
}

// Syllabus is what the module that tracks learning reads of courses.
type Syllabus interface {
	// Outline returns a course's outline as p may see it: 404 when p may
	// not read the course; a topic p may not view is Locked and carries no
	// content.
	Outline(ctx context.Context, p *authz.Principal, courseID int64) (*Outline, error)
	// TopicRefs returns the live topics of live courses, by course, in
	// outline order (courses not found are absent).
	TopicRefs(ctx context.Context, courseIDs []int64) (map[int64][]TopicRef, error)
	// VideoTopics returns the live topics of live courses that play ref
	// ("media:video:42").
	VideoTopics(ctx context.Context, ref string) ([]TopicRef, error)
	// TopicRef returns a live topic of a live course (apperr.NotFound
	// otherwise).
	TopicRef(ctx context.Context, topicID int64) (TopicRef, error)
	// CourseSummaries returns the live courses among ids (any status).
	CourseSummaries(ctx context.Context, ids []int64) (map[int64]CourseSummary, error)
	// AuthoredCourseIDs returns the ids of a user's live courses.
	AuthoredCourseIDs(ctx context.Context, authorID int64) ([]int64, error)
}

// Texts gives the module that answers learners' questions the text of
// courses (implemented by the catalog; never served over HTTP as is).
type Texts interface {
	// TextStamps returns, for each live course among ids, a stamp that
	// changes whenever the text of its live topics may have changed (a
	// save, a topic added, edited, moved or deleted); courses not found are
	// absent.
	TextStamps(ctx context.Context, courseIDs []int64) (map[int64]string, error)
	// CourseTexts returns the live topics of a live course in outline order
	// with their text: an article's Markdown, a video's notes. Quizzes and
	// assignments carry their title only (their keys never leave).
	CourseTexts(ctx context.Context, courseID int64) ([]TopicText, error)
}

// TopicText is a topic with the text a learner reads in it.
type TopicText struct {
	TopicRef
	Text string // Markdown: an article's body or a video's notes
}

// TopicRef is a topic as progress is counted: what it is and where.
type TopicRef struct {
	ID        int64  `bun:"id"`
	CourseID  int64  `bun:"course_id"`
	LectureID int64  `bun:"lecture_id"`
	Title     string `bun:"title"`
	Kind      string `bun:"kind"`
	Premium   bool   `bun:"is_premium"`
	Mission   string `bun:"mission"`
	Duration  int    `bun:"duration"` // a video's length in seconds
	Video     string `bun:"video"`    // a video topic's reference ("media:video:7"), or ""
}

// Outline is a course's lectures and topics as a learner sees them.
type Outline struct {
	Course   CourseSummary
	Entitled bool // p may see the premium content
	Editable bool // p may edit the course
	Lectures []OutlineLecture
}

// OutlineLecture is a lecture of an Outline.
type OutlineLecture struct {
	ID     int64
	Title  string
	Topics []OutlineTopic
}

// OutlineTopic is a topic of an Outline. Content fields are empty when
// Locked.
type OutlineTopic struct {
	TopicRef
	Locked    bool
	BodyHTML  string // an article's body, safe HTML
	NotesHTML string // a video's notes, safe HTML
}
