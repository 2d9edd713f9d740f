package catalog

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// A course's versions and its publication.
//
// Every save of a course counts a version (courseRow.Version). Editors send
// the version they loaded — the API as If-Match with the ETag GET gave, the
// studio's forms as a hidden field — and a save of an older version is
// refused (412 catalog.stale) instead of overwriting what another tab or
// person saved meanwhile.
//
// Drafts may be incomplete (Incomplete). Publishing a course needs it
// complete and every video topic's video uploaded and processed: the
// checklist (Checklist) lists what is missing, and a change that publishes
// a course is refused with the same problems (publishGate).

// errStale is a save based on an old version of the course.
func errStale(current int64) error {
	return apperr.New(apperr.Stale, "catalog.stale", "catalog.stale").With(map[string]any{"Version": current})
}

// ETag is the entity tag of a version of a course, strong (If-Match
// compares strongly).
func ETag(courseID, version int64) string { return fmt.Sprintf(`"course-%d-v%d"`, courseID, version) }

// Versions a save may ask for (see IfMatch).
const (
	AnyVersion    int64 = 0  // no If-Match: any version is overwritten
	NoSuchVersion int64 = -1 // an If-Match no version of the course matches
)

var etagRE = regexp.MustCompile(`^"course-(\d+)-v(\d+)"$`)

// IfMatch is the version an If-Match header asks a save of course id to
// start from: AnyVersion without one or with "*", NoSuchVersion when none of
// its tags is one of this course's.
func IfMatch(header string, id int64) int64 {
	header = strings.TrimSpace(header)
	if header == "" || header == "*" {
		return AnyVersion
	}
	for _, tag := range strings.Split(header, ",") {
		m := etagRE.FindStringSubmatch(strings.TrimSpace(tag))
		if m == nil || m[1] != strconv.FormatInt(id, 10) {
			continue
		}
		if v, err := strconv.ParseInt(m[2], 10, 64); err == nil && v > 0 {
			return v
		}
	}
	return NoSuchVersion
}

// publishGate is what publishing a course found missing, checked before
// the save's transaction (it asks the media module about videos).
type publishGate struct {
	version int64 // the version checked
	err     error // 422 with the problems; nil when the course may be published
}

// gateFor checks what publishing course id needs, with lectures when the
// change replaces the outline (nil: the stored one). A course already
// published is not gated (nil gate).
func (s *service) gateFor(ctx context.Context, p *authz.Principal, id int64, lectures *[]LectureInput) (*publishGate, error) {
	d, err := s.CourseToEdit(ctx, p, id)
	if err != nil || d.Status == statusPublished {
		return nil, err
	}
	in := courseInputOf(d, true)
	if lectures != nil {
		in.Lectures = *lectures
	}
	problems, err := s.publishProblems(ctx, &in)
	if err != nil {
		return nil, err
	}
	g := &publishGate{version: d.Version}
	if len(problems) > 0 {
		e := apperr.New(apperr.Invalid, "catalog.not_ready", "catalog.not_ready")
		e.Fields = prefixed("body.", problems)
		g.err = e
	}
	return g, nil
}

// check runs in the save's transaction on the locked row: the version the
// caller asked for, and the gate when the save publishes a course that was
// not published.
func (g *publishGate) check(row *courseRow, want int64) error {
	if want != AnyVersion && row.Version != want {
		return errStale(row.Version)
	}
	if g == nil || row.Status == statusPublished {
		return nil
	}
	if row.Version != g.version {
		// Saved since the gate looked: what it checked is not what is
		// published.
		return errStale(row.Version)
	}
	return g.err
}

// publishProblems is what keeps a course from being published: content not
// written yet, and video topics without a processed video.
func (s *service) publishProblems(ctx context.Context, in *CourseInput) ([]apperr.FieldError, error) {
	c := *in
	c.Status = statusPublished
	c.Normalize(s.kinds)
	problems := slices.DeleteFunc(courseProblems(&c, s.kinds), func(fe apperr.FieldError) bool { return !Incomplete(fe) })
	media, err := s.videoProblems(ctx, c.Lectures)
	return append(problems, media...), err
}

// videoProblems names the video topics without a video a learner can play:
// none chosen, deleted, still processing or failed. One question to the
// media library for the whole outline.
func (s *service) videoProblems(ctx context.Context, lectures []LectureInput) ([]apperr.FieldError, error) {
	var refs []string
	for _, l := range lectures {
		for _, t := range l.Topics {
			if t.Kind == kindVideo && strings.HasPrefix(t.Video, mediaRefPrefix) {
				refs = append(refs, t.Video)
			}
		}
	}
	items, err := s.library.Get().Describe(ctx, refs)
	if err != nil {
		return nil, err
	}
	var out []apperr.FieldError
	for i, l := range lectures {
		for j, t := range l.Topics {
			if t.Kind != kindVideo {
				continue
			}
			loc := fmt.Sprintf("lectures[%d].topics[%d].video", i, j)
			it, ok := items[t.Video]
			switch {
			case !ok:
				out = append(out, apperr.FieldError{Location: loc, Message: "catalog.video_missing", Value: t.Video})
			case !it.MediaReady():
				out = append(out, apperr.FieldError{Location: loc, Message: "catalog.video_not_ready", Value: it.Status})
			}
		}
	}
	return out, nil
}

func prefixed(prefix string, errs []apperr.FieldError) []apperr.FieldError {
	for i := range errs {
		errs[i].Location = prefix + errs[i].Location
	}
	return errs
}

// ChecklistItem is one thing that keeps a course from being published,
// with the lecture and topic it is in (0: the course itself) for a link to
// fix it.
type ChecklistItem struct {
	Location  string `json:"location" doc:"Where, as in validation errors: lectures[0].topics[1].questions."`
	Message   string `json:"message"`
	Code      string `json:"code"`
	LectureID int64  `json:"lecture_id,omitempty"`
	TopicID   int64  `json:"topic_id,omitempty"`
}

var outlineLocRE = regexp.MustCompile(`^lectures\[(\d+)\](?:\.topics\[(\d+)\])?`)

// Checklist lists what keeps course d (as its editor sees it) from being
// published; empty when it may be. Messages are message ids (Code), which
// the caller translates.
func (s *service) Checklist(ctx context.Context, d *CourseDetail) ([]ChecklistItem, error) {
	in := courseInputOf(d, true)
	problems, err := s.publishProblems(ctx, &in)
	if err != nil {
		return nil, err
	}
	out := make([]ChecklistItem, 0, len(problems))
	for _, fe := range problems {
		it := ChecklistItem{Location: fe.Location, Code: fe.Message, Message: fe.Message}
		if m := outlineLocRE.FindStringSubmatch(fe.Location); m != nil {
			li, _ := strconv.Atoi(m[1])
			if li < len(d.Lectures) {
				it.LectureID = d.Lectures[li].ID
				if m[2] != "" {
					if ti, _ := strconv.Atoi(m[2]); ti < len(d.Lectures[li].Topics) {
						it.TopicID = d.Lectures[li].Topics[ti].ID
					}
				}
			}
		}
		out = append(out, it)
	}
	// In the outline's order: the course's own first, then by lecture and
	// topic (the videos' problems are found last).
	at := func(it ChecklistItem) [2]int {
		m := outlineLocRE.FindStringSubmatch(it.Location)
		if m == nil {
			return [2]int{-1, -1}
		}
		li, _ := strconv.Atoi(m[1])
		ti := -1
		if m[2] != "" {
			ti, _ = strconv.Atoi(m[2])
		}
		return [2]int{li, ti}
	}
	slices.SortStableFunc(out, func(a, b ChecklistItem) int {
		x, y := at(a), at(b)
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	return out, nil
}

// SaveTopic replaces one topic of course courseID — its title, options and
// content — and keeps the rest of the course as it is (ids, other topics).
// want as for ReplaceCourse. The topic must be a live topic of the course
// (404 otherwise); its kind does not change.
func (s *service) SaveTopic(ctx context.Context, p *authz.Principal, courseID, topicID int64, t TopicInput, want int64) (*CourseDetail, error) {
	d, err := s.CourseToEdit(ctx, p, courseID)
	if err != nil {
		return nil, err
	}
	in := courseInputOf(d, true)
	found := false
	for i := range in.Lectures {
		for j := range in.Lectures[i].Topics {
			old := &in.Lectures[i].Topics[j]
			if old.ID != nil && *old.ID == topicID {
				t.ID, t.Slug, t.Kind = old.ID, old.Slug, old.Kind
				*old = t
				found = true
			}
		}
	}
	if !found {
		return nil, errTopicNotFound
	}
	if want == AnyVersion {
		// The course as loaded above is what the rest is kept from.
		want = d.Version
	}
	return s.ReplaceCourse(ctx, p, courseID, in, want)
}

// TopicLocation is where a topic's problems are located in a course's
// validation errors ("body.lectures[1].topics[0]."), "" when d has no such
// topic.
func TopicLocation(d *CourseDetail, topicID int64) string {
	for i, l := range d.Lectures {
		for j, t := range l.Topics {
			if t.ID == topicID {
				return fmt.Sprintf("body.lectures[%d].topics[%d].", i, j)
			}
		}
	}
	return ""
}
