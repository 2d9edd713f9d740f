package catalog

import (
	"context"

	"github.com/weaverse/weaverse/platform/authz"
)

var _ Syllabus = (*service)(nil)

// Syllabus returns the catalog as the learning module reads it.
func (m *Module) Syllabus() Syllabus { return m.svc }

// Outline implements Syllabus from the course detail, so the same rules
// withhold content.
func (s *service) Outline(ctx context.Context, p *authz.Principal, courseID int64) (*Outline, error) {
	d, err := s.Course(ctx, p, courseID)
	if err != nil {
		return nil, err
	}
	o := &Outline{Course: d.CourseSummary, Entitled: d.Entitled, Editable: d.Editable}
	for _, l := range d.Lectures {
		ol := OutlineLecture{ID: l.ID, Title: l.Title}
		for _, t := range l.Topics {
			ot := OutlineTopic{TopicRef: TopicRef{ID: t.ID, CourseID: courseID, LectureID: l.ID, Title: t.Title,
				Kind: t.Kind, Premium: t.Premium, Mission: t.Mission, Duration: t.Duration}, Locked: t.Locked}
			if c := t.Content; c != nil {
				ot.Video, ot.BodyHTML, ot.NotesHTML = c.Video, c.BodyHTML, c.NotesHTML
			}
			ol.Topics = append(ol.Topics, ot)
		}
		o.Lectures = append(o.Lectures, ol)
	}
	return o, nil
}

// TopicRefs implements Syllabus in one query.
func (s *service) TopicRefs(ctx context.Context, courseIDs []int64) (map[int64][]TopicRef, error) {
	out := map[int64][]TopicRef{}
	if len(courseIDs) == 0 {
		return out, nil
	}
	refs, err := s.st.topicRefs(ctx, s.db.R, courseIDs, "", 0)
	for _, r := range refs {
		out[r.CourseID] = append(out[r.CourseID], r)
	}
	return out, err
}

// VideoTopics implements Syllabus.
func (s *service) VideoTopics(ctx context.Context, ref string) ([]TopicRef, error) {
	if ref == "" {
		return nil, nil
	}
	return s.st.topicRefs(ctx, s.db.R, nil, ref, 0)
}

// TopicRef implements Syllabus.
func (s *service) TopicRef(ctx context.Context, topicID int64) (TopicRef, error) {
	refs, err := s.st.topicRefs(ctx, s.db.R, nil, "", topicID)
	if err != nil {
		return TopicRef{}, err
	}
	if len(refs) == 0 {
		return TopicRef{}, errTopicNotFound
	}
	return refs[0], nil
}

// AuthoredCourseIDs implements Syllabus.
func (s *service) AuthoredCourseIDs(ctx context.Context, authorID int64) ([]int64, error) {
	return s.st.authoredCourseIDs(ctx, s.db.R, authorID)
}

// CourseSummaries implements Syllabus in a fixed number of queries.
func (s *service) CourseSummaries(ctx context.Context, ids []int64) (map[int64]CourseSummary, error) {
	rows, err := s.st.coursesByIDs(ctx, s.db.R, ids)
	if err != nil {
		return nil, err
	}
	sums, err := s.summaries(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]CourseSummary, len(sums))
	for _, c := range sums {
		out[c.ID] = c
	}
	return out, nil
}
