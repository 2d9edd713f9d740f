package learning

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Topic statuses in a learner's progress.
const (
	topicDone        = "completed"
	topicInProgress  = "in_progress"
	topicNotStarted  = "not_started"
	topicLockedState = "locked"
)

// topicView is a topic found in an outline.
type topicView struct {
	Outline *catalog.Outline
	Lecture *catalog.OutlineLecture
	Topic   *catalog.OutlineTopic
}

func findTopic(o *catalog.Outline, topicID int64) *topicView {
	for i := range o.Lectures {
		l := &o.Lectures[i]
		for j := range l.Topics {
			if l.Topics[j].ID == topicID {
				return &topicView{Outline: o, Lecture: l, Topic: &l.Topics[j]}
			}
		}
	}
	return nil
}

// TopicURL implements catalog.Classroom.
func (s *service) TopicURL(courseID, topicID int64) string {
	return fmt.Sprintf("/learn/%d/%d", courseID, topicID)
}

// CourseURL implements catalog.Classroom.
func (s *service) CourseURL(courseID int64) string { return fmt.Sprintf("/learn/%d", courseID) }

// LearnersURL implements catalog.Classroom.
func (s *service) LearnersURL(courseID int64) string {
	return fmt.Sprintf("/studio/courses/%d/learners", courseID)
}

// access is a user's standing in a course: live access and its end, or the
// end of the last access.
type access struct {
	live      bool
	expiresAt *time.Time // live: the latest end (nil: none); else the last end
	revoked   bool       // not live: the last end was a revocation
	ever      bool
}

func (s *service) accessOf(rows []enrollmentRow) map[int64]*access {
	now := s.clock.Now()
	out := map[int64]*access{}
	for _, r := range rows {
		a := out[r.CourseID]
		if a == nil {
			a = &access{}
			out[r.CourseID] = a
		}
		a.ever = true
		end := r.ExpiresAt
		if r.RevokedAt != nil && (end == nil || r.RevokedAt.Before(*end)) {
			end = r.RevokedAt
		}
		switch {
		case r.live(now):
			if !a.live {
				a.live, a.expiresAt = true, r.ExpiresAt
			} else if a.expiresAt != nil && (r.ExpiresAt == nil || r.ExpiresAt.After(*a.expiresAt)) {
				a.expiresAt = r.ExpiresAt
			}
		case !a.live && end != nil && (a.expiresAt == nil || end.After(*a.expiresAt)):
			a.expiresAt, a.revoked = end, r.RevokedAt != nil && end == r.RevokedAt
		}
	}
	return out
}

// Progress returns p's progress in a course, topic by topic: to anyone who
// may read the course (locked topics say so).
func (s *service) Progress(ctx context.Context, p *authz.Principal, courseID int64) (*CourseProgress, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	o, err := s.syllabus.Outline(ctx, p, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, errCourseNotFound
	}
	if err != nil {
		return nil, err
	}
	list, err := s.courseProgress(ctx, p.UserID, []catalog.CourseSummary{o.Course}, map[int64]*catalog.Outline{courseID: o})
	if err != nil {
		return nil, err
	}
	return &list[0], nil
}

// MyCourses returns p's courses: every course p was ever enrolled in or
// started, most recent activity first, expired ones included (history and
// certificates stay).
func (s *service) MyCourses(ctx context.Context, p *authz.Principal) ([]CourseProgress, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	rows, err := s.st.userEnrollments(ctx, s.db.R, p.UserID, nil)
	if err != nil {
		return nil, err
	}
	prog, err := s.st.courseProgress(ctx, s.db.R, p.UserID, nil)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r.CourseID)
	}
	for id := range prog {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	found, err := s.syllabus.CourseSummaries(ctx, ids)
	if err != nil {
		return nil, err
	}
	var sums []catalog.CourseSummary
	for _, id := range ids {
		if c, ok := found[id]; ok { // deleted courses are gone from the list
			sums = append(sums, c)
		}
	}
	out, err := s.courseProgress(ctx, p.UserID, sums, nil)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b CourseProgress) int {
		return timeOr(b.LastActivityAt, b.StartedAt).Compare(timeOr(a.LastActivityAt, a.StartedAt))
	})
	for i := range out {
		out[i].Topics = nil // the list is a summary; one course's progress has its topics
	}
	return out, nil
}

func timeOr(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

// courseProgress computes the progress of a user in courses in a fixed
// number of queries: enrollments, course rows, completions, video progress
// and the courses' topics (or the outlines given, which also say which
// topics are locked).
func (s *service) courseProgress(ctx context.Context, uid int64, courses []catalog.CourseSummary, outlines map[int64]*catalog.Outline) ([]CourseProgress, error) {
	ids := make([]int64, len(courses))
	for i, c := range courses {
		ids[i] = c.ID
	}
	ens, err := s.st.userEnrollments(ctx, s.db.R, uid, ids)
	if err != nil {
		return nil, err
	}
	acc := s.accessOf(ens)
	cps, err := s.st.courseProgress(ctx, s.db.R, uid, ids)
	if err != nil {
		return nil, err
	}
	done, err := s.st.completedTopics(ctx, s.db.R, uid, ids)
	if err != nil {
		return nil, err
	}
	topics, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var videoIDs []int64
	for _, ts := range topics {
		for _, t := range ts {
			if id, ok := videoIDOf(t.Video); ok {
				videoIDs = append(videoIDs, id)
			}
		}
	}
	vps, err := s.st.progress(ctx, s.db.R, uid, videoIDs)
	if err != nil {
		return nil, err
	}
	byVideo := make(map[int64]watchState, len(vps))
	for _, v := range vps {
		byVideo[v.VideoID] = v.state()
	}
	out := make([]CourseProgress, 0, len(courses))
	for _, c := range courses {
		cp := CourseProgress{CourseID: c.ID, Title: c.Title, Thumbnail: catalog.ImageURL(c.Thumbnail, "thumbnail"),
			Status: string(catalog.StatusLocked)}
		a := acc[c.ID]
		if a != nil {
			cp.Access = a.live
			if a.live {
				cp.ExpiresAt = utcPtr(a.expiresAt)
			} else {
				cp.ExpiredAt, cp.Revoked = utcPtr(a.expiresAt), a.revoked
			}
		}
		row, started := cps[c.ID]
		if started {
			t := row.StartedAt.UTC()
			cp.StartedAt = &t
			l := row.LastActivityAt.UTC()
			cp.LastActivityAt = &l
			cp.CompletedAt = utcPtr(row.CompletedAt)
		}
		switch {
		case started && row.CompletedAt != nil:
			cp.Status = string(catalog.StatusCompleted)
		case a != nil && a.ever && !a.live:
			cp.Status = string(catalog.StatusExpired)
		case started && (a == nil || a.live):
			cp.Status = string(catalog.StatusInProgress)
		case a != nil && a.live:
			cp.Status = string(catalog.StatusOwned)
		}
		locked := map[int64]bool{}
		if o := outlines[c.ID]; o != nil {
			for _, l := range o.Lectures {
				for _, t := range l.Topics {
					locked[t.ID] = t.Locked
				}
			}
		}
		var lastIdx = -1
		for i, t := range topics[c.ID] {
			tp := TopicProgress{ID: t.ID, LectureID: t.LectureID, Title: t.Title, Kind: t.Kind, Mission: t.Mission,
				Duration: t.Duration, Status: topicNotStarted, URL: s.TopicURL(c.ID, t.ID)}
			if vid, ok := videoIDOf(t.Video); ok {
				if st, ok := byVideo[vid]; ok {
					pr := progressOut(vid, st)
					tp.WatchedRatio, tp.ResumePosition = &pr.WatchedRatio, &pr.ResumePosition
					cp.LearningSeconds += pr.LearningSeconds
					if pr.WatchedSeconds > 0 {
						tp.Status = topicInProgress
					}
				}
			}
			if _, ok := done[t.ID]; ok {
				tp.Status = topicDone
				cp.CompletedTopics++
			} else if locked[t.ID] {
				tp.Status = topicLockedState
			}
			if started && row.LastTopicID != nil && *row.LastTopicID == t.ID {
				lastIdx = i
			}
			cp.Topics = append(cp.Topics, tp)
		}
		cp.TotalTopics = len(cp.Topics)
		if cp.TotalTopics > 0 {
			cp.Percent = cp.CompletedTopics * 100 / cp.TotalTopics
		}
		if next := nextTopic(cp.Topics, lastIdx); next != nil {
			cp.NextTopicID, cp.NextTopicURL = &next.ID, next.URL
		}
		out = append(out, cp)
	}
	return out, nil
}

// nextTopic is where a learner continues: the topic last opened while
// unfinished, else the first unfinished topic after it (wrapping to the
// start), else nil (all done).
func nextTopic(ts []TopicProgress, last int) *TopicProgress {
	if len(ts) == 0 {
		return nil
	}
	if last >= 0 && ts[last].Status != topicDone {
		return &ts[last]
	}
	for k := 1; k <= len(ts); k++ {
		i := (last + k) % len(ts)
		if i < 0 {
			i += len(ts)
		}
		if ts[i].Status != topicDone {
			return &ts[i]
		}
	}
	return nil
}

// videoIDOf reads a video reference ("media:video:7").
func videoIDOf(ref string) (int64, bool) {
	var id int64
	if _, err := fmt.Sscanf(ref, "media:video:%d", &id); err != nil || id <= 0 || media.VideoRef(id) != ref {
		return 0, false
	}
	return id, true
}

// LearningStats implements accounts.StatsProvider.
func (s *service) LearningStats(ctx context.Context, uid int64) (accounts.LearningStats, error) {
	var st accounts.LearningStats
	total, err := s.st.learningTotal(ctx, s.db.R, uid)
	if err != nil {
		return st, err
	}
	st.TotalLearningSeconds = total / 1000
	rows, err := s.st.userEnrollments(ctx, s.db.R, uid, nil)
	if err != nil {
		return st, err
	}
	for _, a := range s.accessOf(rows) {
		if a.live {
			st.EnrolledCourses++
		}
	}
	prog, err := s.st.courseProgress(ctx, s.db.R, uid, nil)
	if err != nil {
		return st, err
	}
	var completed []int64
	for id, cp := range prog {
		if cp.CompletedAt != nil {
			completed = append(completed, id)
		}
	}
	sums, err := s.syllabus.CourseSummaries(ctx, completed)
	for _, c := range sums {
		st.Credits += c.Credits
	}
	return st, err
}

// LiveCourseIDs implements Enrollments.
func (s *service) LiveCourseIDs(ctx context.Context, uid int64) ([]int64, error) {
	rows, err := s.st.userEnrollments(ctx, s.db.R, uid, nil)
	if err != nil {
		return nil, err
	}
	acc := s.accessOf(rows)
	out := []int64{}
	for _, r := range rows { // newest grant first
		if a := acc[r.CourseID]; a != nil && a.live {
			out = append(out, r.CourseID)
			a.live = false // once
		}
	}
	return out, nil
}

// WatchedSeconds implements Consumption: the unique watched time of the
// videos the courses' live topics play (a video used twice counts once).
func (s *service) WatchedSeconds(ctx context.Context, uid int64, courseIDs []int64) (int64, error) {
	if uid == 0 || len(courseIDs) == 0 {
		return 0, nil
	}
	refs, err := s.syllabus.TopicRefs(ctx, courseIDs)
	if err != nil {
		return 0, err
	}
	seen := map[int64]bool{}
	ids := []int64{}
	for _, ts := range refs {
		for _, t := range ts {
			if id, ok := videoIDOf(t.Video); ok && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	rows, err := s.st.progress(ctx, s.db.R, uid, ids)
	if err != nil {
		return 0, err
	}
	var ms int64
	for _, r := range rows {
		ms += r.WatchedMS
	}
	return ms / 1000, nil
}
