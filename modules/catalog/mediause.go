package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/weaverse/weaverse/platform/authz"
)

// The media library's questions about courses (MediaGate): where each
// video and image is used, where the caller may put one, and what a
// library opened "for" a topic or a course names.

// mediaCourseEditURL is where a course's picture and intro video are
// chosen: its settings.
func mediaCourseEditURL(courseID int64) string {
	return fmt.Sprintf("/studio/courses/%d/settings", courseID)
}

// mediaTopicEditURL is a topic's editor.
func mediaTopicEditURL(courseID, topicID int64) string {
	return fmt.Sprintf("/studio/courses/%d/topics/%d", courseID, topicID)
}

// useOrder sorts a ref's uses: the course's own (intro, picture) before
// its topics, by course title, then in outline order.
var useOrder = map[string]int{UseIntroVideo: 0, UseThumbnail: 1, UseTopic: 2}

// MediaUses implements MediaGate with one statement for all refs.
func (s *service) MediaUses(ctx context.Context, p *authz.Principal, refs []string) (map[string][]MediaUse, error) {
	var videos, images []string
	for _, ref := range refs {
		switch {
		case strings.HasPrefix(ref, mediaRefPrefix+"video:"):
			videos = append(videos, ref)
		case strings.HasPrefix(ref, mediaRefPrefix+"image:"):
			images = append(images, ref)
		}
	}
	out := map[string][]MediaUse{}
	if len(videos)+len(images) == 0 {
		return out, nil
	}
	rows, err := s.st.mediaUsesOf(ctx, s.db.R, videos, images, userID(p))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b mediaUseRow) int {
		return cmp.Or(cmp.Compare(useOrder[a.As], useOrder[b.As]), cmp.Compare(a.CourseTitle, b.CourseTitle),
			cmp.Compare(a.CourseID, b.CourseID), cmp.Compare(a.LecturePosition, b.LecturePosition),
			cmp.Compare(a.TopicPosition, b.TopicPosition), cmp.Compare(a.TopicID, b.TopicID))
	})
	for _, r := range rows {
		u := MediaUse{Ref: r.Ref, As: r.As, CourseID: r.CourseID, CourseTitle: r.CourseTitle}
		if r.As == UseTopic {
			u.LectureTitle, u.TopicID, u.TopicTitle = r.LectureTitle, r.TopicID, r.TopicTitle
		}
		if s.authz.Allowed(p, objCourse, "update", r.of()...) {
			u.EditURL = mediaCourseEditURL(r.CourseID)
			if r.As == UseTopic {
				u.EditURL = mediaTopicEditURL(r.CourseID, r.TopicID)
			}
		}
		out[r.Ref] = append(out[r.Ref], u)
	}
	return out, nil
}

// AttachTargets implements MediaGate in two statements: the courses, then
// their video topics.
func (s *service) AttachTargets(ctx context.Context, p *authz.Principal) ([]AttachCourse, error) {
	sc := s.authz.Scope(p, objCourse, "update", authz.Owner)
	if sc.None() {
		return []AttachCourse{}, nil
	}
	rows, err := s.st.editableCourses(ctx, s.db.R, sc, userID(p), MaxAttachTargets)
	if err != nil {
		return nil, err
	}
	out := make([]AttachCourse, 0, len(rows))
	at := make(map[int64]int, len(rows))
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		if !s.authz.Allowed(p, objCourse, "update", r.of()...) {
			continue // the scope and the rule agree; this is a second look
		}
		at[r.ID] = len(out)
		ids = append(ids, r.ID)
		out = append(out, AttachCourse{ID: r.ID, Title: r.Title, Status: r.Status, IntroVideo: r.IntroVideo, Thumbnail: r.Thumbnail})
	}
	if len(ids) == 0 {
		return out, nil
	}
	topics, err := s.st.videoTopics(ctx, s.db.R, ids, 0)
	if err != nil {
		return nil, err
	}
	for _, t := range topics {
		c := &out[at[t.CourseID]]
		c.Topics = append(c.Topics, AttachTopic{ID: t.ID, LectureTitle: t.LectureTitle, Title: t.Title, Video: t.Video})
	}
	return out, nil
}

// MediaTarget implements MediaGate: 404 for a course or topic p may not
// see, 403 for one p may see but not edit, 422 for a topic that plays no
// video.
func (s *service) MediaTarget(ctx context.Context, p *authz.Principal, courseID, topicID int64) (MediaTarget, error) {
	var t *videoTopic
	if topicID != 0 {
		ts, err := s.st.videoTopics(ctx, s.db.R, nil, topicID)
		if err != nil {
			return MediaTarget{}, err
		}
		if len(ts) == 0 {
			return MediaTarget{}, errTopicNotFound
		}
		t, courseID = &ts[0], ts[0].CourseID
	}
	notFound := errCourseNotFound
	if t != nil {
		notFound = errTopicNotFound
	}
	if courseID <= 0 {
		return MediaTarget{}, notFound
	}
	r, err := s.st.course(ctx, s.db.R, courseID, userID(p))
	if err == nil {
		err = s.readable(p, objCourse, r.rels, notFound)
	}
	if err != nil {
		if t != nil && errors.Is(err, errCourseNotFound) {
			err = errTopicNotFound // a topic of a deleted course
		}
		return MediaTarget{}, err
	}
	if err := s.authz.Check(p, objCourse, "update", r.of()...); err != nil {
		return MediaTarget{}, err
	}
	out := MediaTarget{CourseID: r.ID, CourseTitle: r.Title, IntroVideo: r.IntroVideo, Thumbnail: r.Thumbnail,
		EditURL: mediaCourseEditURL(r.ID)}
	if t != nil {
		if t.Kind != kindVideo {
			return MediaTarget{}, invalidAt("body.topic_id", "catalog.not_video_topic", topicID)
		}
		out.TopicID, out.LectureTitle, out.TopicTitle, out.Video = t.ID, t.LectureTitle, t.Title, t.Video
		out.EditURL = mediaTopicEditURL(r.ID, t.ID)
	}
	return out, nil
}
