package learning

import (
	"context"
	"slices"
	"time"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/rollup"
)

// The dashboards' numbers (Analytics, api.go). Every count is one aggregate
// query (store_analytics.go); videos map to their topics and courses with
// one catalog call for the courses anyone opened (TopicRefs: the live
// topics of live courses).
//
// Decisions:
//   - Enrollments count grant rows by the day they were created, revoked
//     or expired ones included (learning.enrollments, learning.enrolled);
//     learning.with_access counts only users with a grant live now.
//   - Deleted users stay counted: their history is the platform's history.
//   - A video used by topics of several courses counts, for each of them,
//     all its watching (the watch log names the video, not the course). Only
//     live topics of live courses carry per-topic points; course-level counts
//     keep completions of topics deleted since.
//   - Watching time is the counted time (counted_ms: plausible, at most the
//     wall-clock time) in whole seconds, rounded down per point; learning.
//     watchers counts users with some counted time that day.

// Daily implements rollup.Source.
func (s *service) Daily(ctx context.Context, w rollup.Window) ([]rollup.Point, error) {
	var out []rollup.Point
	add := func(metric string, rows []dayCount, perCourse bool) {
		for _, r := range rows {
			if r.N == 0 {
				continue
			}
			p := rollup.Point{Metric: metric, Day: r.Day, Value: r.N}
			if perCourse {
				p.Course = r.CourseID
			}
			out = append(out, p)
		}
	}
	enr, err := s.st.dailyEnrollments(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	add("learning.enrollments", enr, true)
	cc, err := s.st.dailyCourseCompletions(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	add("learning.completions", cc, true)
	tc, err := s.st.dailyTopicCompletions(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	add("learning.topics_done", tc, true)
	watched, err := s.st.dailyVideoWatching(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	if len(watched) > 0 {
		byVideo, err := s.videoTopics(ctx)
		if err != nil {
			return nil, err
		}
		type dayCourse struct {
			day    string
			course int64
		}
		sums := map[dayCourse]int64{}
		for _, v := range watched {
			// The platform's total (course 0) counts each video once, even
			// one that plays in several courses.
			sums[dayCourse{v.Day, 0}] += v.MS
			if v.MS/1000 > 0 {
				out = append(out, rollup.Point{Metric: "learning.video_watch_seconds", Day: v.Day, Item: v.VideoID,
					Value: v.MS / 1000})
			}
			seen := map[int64]bool{}
			for _, t := range byVideo[v.VideoID] {
				if !seen[t.CourseID] {
					seen[t.CourseID] = true
					sums[dayCourse{v.Day, t.CourseID}] += v.MS
				}
			}
		}
		for k, ms := range sums {
			if ms/1000 > 0 {
				out = append(out, rollup.Point{Metric: "learning.watch_seconds", Day: k.day, Course: k.course, Value: ms / 1000})
			}
		}
	}
	wa, err := s.st.dailyWatchers(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	add("learning.watchers", wa, false)
	sortPoints(out)
	return out, nil
}

// Snapshot implements rollup.Source.
func (s *service) Snapshot(ctx context.Context) ([]rollup.Point, error) {
	now := s.clock.Now()
	var out []rollup.Point
	point := func(metric string, course, item, v int64) {
		if v != 0 {
			out = append(out, rollup.Point{Metric: metric, Course: course, Item: item, Value: v})
		}
	}
	enr, err := s.st.enrolledPerCourse(ctx, s.db.R, now)
	if err != nil {
		return nil, err
	}
	for _, r := range enr {
		point("learning.enrolled", r.CourseID, 0, r.Ever)
		point("learning.with_access", r.CourseID, 0, r.Live)
	}
	prog, err := s.st.progressPerCourse(ctx, s.db.R)
	if err != nil {
		return nil, err
	}
	for _, r := range prog {
		point("learning.started", r.CourseID, 0, r.Started)
		point("learning.completed", r.CourseID, 0, r.Completed)
	}
	done, err := s.st.topicCompletionsPerTopic(ctx, s.db.R)
	if err != nil {
		return nil, err
	}
	stopped, err := s.st.stoppedPerTopic(ctx, s.db.R, now.Add(-StoppedAfter))
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(prog)+len(done))
	for _, r := range prog {
		ids = append(ids, r.CourseID)
	}
	for _, r := range done {
		ids = append(ids, r.CourseID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	refs, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	type topicKey struct{ topic, course int64 }
	live := map[topicKey]bool{} // the live topics, with their course
	videoOf := map[int64][]catalog.TopicRef{}
	var videoIDs []int64
	for _, ts := range refs {
		for _, t := range ts {
			live[topicKey{t.ID, t.CourseID}] = true
			if vid, ok := videoIDOf(t.Video); ok {
				if len(videoOf[vid]) == 0 {
					videoIDs = append(videoIDs, vid)
				}
				videoOf[vid] = append(videoOf[vid], t)
			}
		}
	}
	for _, r := range done {
		if live[topicKey{r.Item, r.CourseID}] {
			point("learning.topic_done", r.CourseID, r.Item, r.N)
		}
	}
	for _, r := range stopped {
		if live[topicKey{r.Item, r.CourseID}] {
			point("learning.topic_stopped", r.CourseID, r.Item, r.N)
		}
	}
	slices.Sort(videoIDs)
	vids, err := s.st.videoProgressPerVideo(ctx, s.db.R, videoIDs)
	if err != nil {
		return nil, err
	}
	for _, v := range vids {
		for _, t := range videoOf[v.VideoID] {
			point("learning.video_viewers", t.CourseID, t.ID, v.Viewers)
			point("learning.video_seconds", t.CourseID, t.ID, v.MS/1000)
			point("learning.video_completed", t.CourseID, t.ID, v.Completed)
		}
	}
	sortPoints(out)
	return out, nil
}

// videoTopics maps videos to the live topics playing them, in the courses
// anyone opened, with one catalog call.
func (s *service) videoTopics(ctx context.Context) (map[int64][]catalog.TopicRef, error) {
	ids, err := s.st.startedCourseIDs(ctx, s.db.R)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	refs, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64][]catalog.TopicRef{}
	for _, ts := range refs {
		for _, t := range ts {
			if vid, ok := videoIDOf(t.Video); ok {
				out[vid] = append(out[vid], t)
			}
		}
	}
	return out, nil
}

// LearningDays implements Analytics: the user's counted watching time per
// day, in whole seconds (days under a second are left out).
func (s *service) LearningDays(ctx context.Context, userID int64, w rollup.Window) ([]rollup.Point, error) {
	rows, err := s.st.userDailyWatching(ctx, s.db.R, userID, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	out := []rollup.Point{}
	for _, r := range rows {
		if r.MS/1000 > 0 {
			out = append(out, rollup.Point{Metric: "learning.my_seconds", Day: r.Day, Value: r.MS / 1000})
		}
	}
	sortPoints(out)
	return out, nil
}

// Learners implements Analytics: every learner granted access to, or
// having opened, one of courseIDs, one row per learner and course. Topics
// count as in MyCourses (the live topics of the course, from the catalog),
// learning time is the watching time of the course's videos. The most
// recently active first; learners who never opened the course last, the
// latest granted first. Courses deleted since are left out; a deleted user
// keeps their row, with the nickname the directory still gives (or none).
func (s *service) Learners(ctx context.Context, courseIDs []int64, limit int) ([]LearnerRow, error) {
	out := []LearnerRow{}
	if len(courseIDs) == 0 || limit <= 0 {
		return out, nil
	}
	now := s.clock.Now()
	found, err := s.syllabus.CourseSummaries(ctx, courseIDs)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	refs, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	// The most recently active first: the latest progress rows, then (when
	// they are fewer than limit) learners granted access who never opened
	// the course, the latest granted first. Bounded by limit, not by the
	// courses' learners.
	cps, err := s.st.recentProgress(ctx, s.db.R, ids, limit)
	if err != nil {
		return nil, err
	}
	active := make([]int64, 0, len(cps))
	for _, cp := range cps {
		active = append(active, cp.UserID)
	}
	ens, err := s.st.courseLearners(ctx, s.db.R, ids, now, active, 0)
	if err != nil {
		return nil, err
	}
	if len(cps) < limit {
		more, err := s.st.courseLearners(ctx, s.db.R, ids, now, nil, limit+len(cps))
		if err != nil {
			return nil, err
		}
		ens = append(ens, more...)
	}
	type learner struct {
		row     LearnerRow
		granted time.Time
	}
	rows := map[learnerKey]*learner{}
	get := func(uid, cid int64) *learner {
		k := learnerKey{uid, cid}
		if rows[k] == nil {
			rows[k] = &learner{row: LearnerRow{UserID: uid, CourseID: cid}}
		}
		return rows[k]
	}
	for _, e := range ens {
		l := get(e.UserID, e.CourseID)
		l.row.Access, l.granted = e.Live > 0, e.GrantedAt
	}
	for _, cp := range cps {
		l := get(cp.UserID, cp.CourseID)
		t := cp.LastActivityAt.UTC()
		l.row.LastActivityAt = &t
		l.row.CompletedAt = utcPtr(cp.CompletedAt)
	}
	list := make([]*learner, 0, len(rows))
	for _, l := range rows {
		list = append(list, l)
	}
	slices.SortFunc(list, func(a, b *learner) int {
		at, bt := a.row.LastActivityAt, b.row.LastActivityAt
		switch {
		case at != nil && bt != nil && !at.Equal(*bt):
			return bt.Compare(*at)
		case at != nil && bt == nil:
			return -1
		case at == nil && bt != nil:
			return 1
		case !a.granted.Equal(b.granted):
			return b.granted.Compare(a.granted)
		case a.row.UserID != b.row.UserID:
			return cmpInt(a.row.UserID, b.row.UserID)
		}
		return cmpInt(a.row.CourseID, b.row.CourseID)
	})
	if len(list) > limit {
		list = list[:limit]
	}
	var userIDs, topicIDs, videoIDs []int64
	videoCourses := map[int64][]int64{}
	for _, l := range list {
		userIDs = append(userIDs, l.row.UserID)
	}
	slices.Sort(userIDs)
	userIDs = slices.Compact(userIDs)
	for _, cid := range ids {
		for _, t := range refs[cid] {
			topicIDs = append(topicIDs, t.ID)
			if vid, ok := videoIDOf(t.Video); ok {
				if len(videoCourses[vid]) == 0 {
					videoIDs = append(videoIDs, vid)
				}
				if !slices.Contains(videoCourses[vid], cid) {
					videoCourses[vid] = append(videoCourses[vid], cid)
				}
			}
		}
	}
	done, err := s.st.learnerTopics(ctx, s.db.R, userIDs, topicIDs)
	if err != nil {
		return nil, err
	}
	doneOf := map[learnerKey]int{}
	for _, d := range done {
		doneOf[learnerKey{d.UserID, d.CourseID}] = int(d.N)
	}
	watched, err := s.st.usersVideoTime(ctx, s.db.R, userIDs, videoIDs)
	if err != nil {
		return nil, err
	}
	msOf := map[learnerKey]int64{}
	for _, v := range watched {
		for _, cid := range videoCourses[v.VideoID] {
			msOf[learnerKey{v.UserID, cid}] += v.MS
		}
	}
	users, err := s.users.UsersByIDs(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	for _, l := range list {
		r := l.row
		k := learnerKey{r.UserID, r.CourseID}
		r.Nickname = users[r.UserID].Nickname
		r.TotalTopics = len(refs[r.CourseID])
		r.CompletedTopics = doneOf[k]
		if r.TotalTopics > 0 {
			r.Percent = r.CompletedTopics * 100 / r.TotalTopics
		}
		r.LearningSeconds = msOf[k] / 1000
		out = append(out, r)
	}
	return out, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortPoints orders points by metric, day, course and item (a stable
// output for the dashboards and tests).
func sortPoints(ps []rollup.Point) {
	slices.SortFunc(ps, func(a, b rollup.Point) int {
		switch {
		case a.Metric != b.Metric:
			if a.Metric < b.Metric {
				return -1
			}
			return 1
		case a.Day != b.Day:
			if a.Day < b.Day {
				return -1
			}
			return 1
		case a.Course != b.Course:
			return cmpInt(a.Course, b.Course)
		}
		return cmpInt(a.Item, b.Item)
	})
}
