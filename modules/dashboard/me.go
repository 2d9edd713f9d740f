package dashboard

import (
	"context"
	"time"

	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/certificates"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/rollup"
)

// learnerWeeks are the weeks of a learner's learning-time chart.
const learnerWeeks = 12

// MyDashboard is a learner's own dashboard.
type MyDashboard struct {
	Courses []MyCourse `json:"courses" doc:"The learner's courses, the most recently studied first."`
	// ResumeCourseID is the course to continue first: the most recent one
	// still to finish (null: none).
	ResumeCourseID *int64 `json:"resume_course_id"`
	// Weeks is the watching time per week (Monday to Sunday), oldest first.
	Weeks        []WeekFigures                  `json:"weeks"`
	WeekSeconds  int64                          `json:"week_seconds" doc:"This week's watching time."`
	TotalSeconds int64                          `json:"total_seconds" doc:"Watching time over the weeks shown."`
	Certificates []certificates.HeldCertificate `json:"certificates"`
}

// MyCourse is one course with where the learner stands in its missions.
type MyCourse struct {
	learning.CourseProgress
	Missions []MyMission `json:"missions"`
}

// MyMission is the learner's standing in a quiz or an assignment.
type MyMission struct {
	assessment.MissionStatus
	Title string `json:"title"`
	URL   string `json:"url"`
}

// WeekFigures is one week's watching time.
type WeekFigures struct {
	Week    string `json:"week" format:"date" doc:"The week's Monday."`
	Seconds int64  `json:"seconds"`
}

// Mine is p's own dashboard.
func (s *service) Mine(ctx context.Context, p *authz.Principal) (*MyDashboard, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	if err := s.authz.Check(p, objLearning, actView, authz.Self); err != nil {
		return nil, err
	}
	courses, err := s.learning.MyCourses(ctx, p)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(courses))
	for _, c := range courses {
		ids = append(ids, c.CourseID)
	}
	d := &MyDashboard{Courses: make([]MyCourse, 0, len(courses))}
	missions, refs := map[int64][]assessment.MissionStatus{}, map[int64][]catalog.TopicRef{}
	if len(ids) > 0 {
		if missions, err = s.missions.CoursesMissions(ctx, p.UserID, ids); err != nil {
			return nil, err
		}
		if refs, err = s.syllabus.TopicRefs(ctx, ids); err != nil {
			return nil, err
		}
	}
	for _, c := range courses {
		titles := map[int64]string{}
		for _, r := range refs[c.CourseID] {
			titles[r.ID] = r.Title
		}
		mc := MyCourse{CourseProgress: c, Missions: []MyMission{}}
		for _, ms := range missions[c.CourseID] {
			mc.Missions = append(mc.Missions, MyMission{MissionStatus: ms, Title: titles[ms.TopicID],
				URL: s.missions.MissionURL(ms.TopicID)})
		}
		d.Courses = append(d.Courses, mc)
		if d.ResumeCourseID == nil && c.Access && c.Status != string(catalog.StatusCompleted) && c.LastActivityAt != nil {
			id := c.CourseID
			d.ResumeCourseID = &id
		}
	}
	if d.Weeks, err = s.weeks(ctx, p.UserID); err != nil {
		return nil, err
	}
	for _, w := range d.Weeks {
		d.TotalSeconds += w.Seconds
	}
	d.WeekSeconds = d.Weeks[len(d.Weeks)-1].Seconds
	if d.Certificates, err = s.certificates.Held(ctx, p.UserID); err != nil {
		return nil, err
	}
	if d.Certificates == nil {
		d.Certificates = []certificates.HeldCertificate{}
	}
	return d, nil
}

// weeks is the learner's watching time per week, the last learnerWeeks.
func (s *service) weeks(ctx context.Context, userID int64) ([]WeekFigures, error) {
	now := s.clock.Now()
	off := s.offset(now)
	local := now.In(time.FixedZone("", off))
	monday := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location()).
		AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
	first := monday.AddDate(0, 0, -7*(learnerWeeks-1))
	pts, err := s.learning.LearningDays(ctx, userID, rollup.Window{From: first, To: now.Add(time.Second), Offset: off})
	if err != nil {
		return nil, err
	}
	weeks := make([]WeekFigures, learnerWeeks)
	for i := range weeks {
		weeks[i].Week = first.AddDate(0, 0, 7*i).Format(rollup.DayLayout)
	}
	for _, p := range pts {
		t, err := time.ParseInLocation(rollup.DayLayout, p.Day, first.Location())
		if err != nil || t.Before(first) {
			continue
		}
		if i := int(t.Sub(first).Hours()/24) / 7; i < learnerWeeks {
			weeks[i].Seconds += p.Value
		}
	}
	return weeks, nil
}
