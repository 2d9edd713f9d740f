package dashboard

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/rollup"
)

// Range limits.
const (
	defaultRangeDays = 30
	maxRangeDays     = 366
	// recentPayments and learnerRows bound the dashboards' lists; the CSV
	// exports give more.
	recentPayments = 10
	learnerRows    = 50
	exportRows     = 5000
	topVideos      = 20
)

// Range is the days a dashboard covers, both included, in the dashboards'
// time zone.
type Range struct {
	From string `json:"from" format:"date" example:"2026-11-08"`
	To   string `json:"to" format:"date" example:"2026-12-07"`
	Days int    `json:"days"`
}

// RangeQuery is how a caller asks for a range: from and to, or the last
// days (30 by default).
type RangeQuery struct {
	From string `query:"from" doc:"First day (YYYY-MM-DD), in the dashboards' time zone." example:"2026-11-08"`
	To   string `query:"to" doc:"Last day (YYYY-MM-DD); today by default." example:"2026-12-07"`
	Days int    `query:"days" minimum:"1" maximum:"366" doc:"The last days up to today, when from is not given (1–366; 30 by default)."`
}

// resolve checks q and turns it into a Range ending no later than today.
func (s *service) resolve(q RangeQuery) (Range, error) {
	today := s.today()
	bad := func(field, reason string) (Range, error) {
		return Range{}, apperr.InvalidFields(errBadRange.Code, apperr.FieldError{Location: "query." + field, Message: reason})
	}
	to := today
	if q.To != "" {
		if !isDay(q.To) {
			return bad("to", "not a date (YYYY-MM-DD)")
		}
		to = min(q.To, today)
	}
	var from string
	switch {
	case q.From != "":
		if !isDay(q.From) {
			return bad("from", "not a date (YYYY-MM-DD)")
		}
		from = q.From
	case q.Days != 0:
		if q.Days < 1 || q.Days > maxRangeDays {
			return bad("days", "between 1 and 366")
		}
		from = dayAdd(to, -(q.Days - 1))
	default:
		from = dayAdd(to, -(defaultRangeDays - 1))
	}
	if from > to {
		return bad("from", "after the last day")
	}
	days := daysBetween(from, to) + 1
	if days > maxRangeDays {
		return bad("from", "a range spans at most 366 days")
	}
	return Range{From: from, To: to, Days: days}, nil
}

func isDay(s string) bool {
	t, err := time.Parse(rollup.DayLayout, s)
	return err == nil && t.Format(rollup.DayLayout) == s
}

func daysBetween(from, to string) int {
	a, _ := time.Parse(rollup.DayLayout, from)
	b, _ := time.Parse(rollup.DayLayout, to)
	return int(b.Sub(a).Hours() / 24)
}

// Report is the admin dashboard (the whole platform) or a tutor's (their
// courses only: no platform-wide user counts, revenue from their courses'
// shares).
type Report struct {
	Range      Range      `json:"range"`
	RolledUpAt *time.Time `json:"rolled_up_at" doc:"When the numbers were last gathered (every minute); null before the first time. Active users now and today are live."`
	// Users are platform-wide: the admin dashboard's alone.
	Users          *UserFigures          `json:"users,omitempty"`
	Totals         Totals                `json:"totals"`
	Daily          []DayFigures          `json:"daily" doc:"One entry per day of the range, oldest first."`
	Courses        []CourseFigures       `json:"courses"`
	Missions       []MissionFigures      `json:"missions"`
	Videos         []VideoFigures        `json:"videos" doc:"The most watched videos (at most 20)."`
	Assistant      AssistantFigures      `json:"assistant"`
	RecentPayments []commerce.PaymentRow `json:"recent_payments"`
	// Learners is a tutor's progress table of their learners.
	Learners []LearnerFigures `json:"learners,omitempty"`
}

// UserFigures are the platform's users.
type UserFigures struct {
	ActiveNow     int64 `json:"active_now" doc:"Signed-in users seen in the last 5 minutes."`
	ActiveToday   int64 `json:"active_today" doc:"Signed-in users seen today."`
	MonthlyActive int64 `json:"monthly_active" doc:"Users seen in the 30 days ending the range's last day."`
	Signups       int64 `json:"signups" doc:"Accounts created in the range."`
	Students      int64 `json:"students"`
	Tutors        int64 `json:"tutors"`
	Admins        int64 `json:"admins"`
}

// Totals are the range's sums.
type Totals struct {
	Revenue      int64 `json:"revenue" doc:"KRW paid in the range (a tutor: their courses' share)."`
	Refunded     int64 `json:"refunded" doc:"KRW refunded in the range."`
	NetRevenue   int64 `json:"net_revenue"`
	Orders       int64 `json:"orders" doc:"Orders paid (a tutor: items sold granting their courses)."`
	Refunds      int64 `json:"refunds" doc:"Orders refunded (admins only)."`
	Enrollments  int64 `json:"enrollments"`
	Completions  int64 `json:"completions"`
	WatchSeconds int64 `json:"watch_seconds"`
	Submissions  int64 `json:"submissions"`
	Passes       int64 `json:"passes"`
	Questions    int64 `json:"questions"`
	Certificates int64 `json:"certificates"`
}

// DayFigures are one day's numbers.
type DayFigures struct {
	Day          string `json:"day" format:"date"`
	ActiveUsers  int64  `json:"active_users"`
	Signups      int64  `json:"signups"`
	Revenue      int64  `json:"revenue"`
	Refunded     int64  `json:"refunded"`
	Orders       int64  `json:"orders"`
	Refunds      int64  `json:"refunds"`
	Enrollments  int64  `json:"enrollments"`
	Completions  int64  `json:"completions"`
	WatchSeconds int64  `json:"watch_seconds"`
	Watchers     int64  `json:"watchers"`
	Submissions  int64  `json:"submissions"`
	Passes       int64  `json:"passes"`
	Questions    int64  `json:"questions"`
	Certificates int64  `json:"certificates"`
}

// CourseFigures are a course's learners now and its numbers in the range.
type CourseFigures struct {
	CourseID       int64  `json:"course_id"`
	Title          string `json:"title"`
	Status         string `json:"status"`
	Enrolled       int64  `json:"enrolled" doc:"Learners ever given access."`
	WithAccess     int64  `json:"with_access" doc:"Learners with access now."`
	Started        int64  `json:"started"`
	Completed      int64  `json:"completed"`
	CompletionRate int    `json:"completion_rate" doc:"Completed / enrolled, percent."`
	Certified      int64  `json:"certified" doc:"Valid certificates now."`
	// In the range:
	Enrollments  int64 `json:"enrollments"`
	Completions  int64 `json:"completions"`
	WatchSeconds int64 `json:"watch_seconds"`
	Sales        int64 `json:"sales"`
	Revenue      int64 `json:"revenue" doc:"The course's share of the range's payments less its share of the range's refunds, KRW."`
	// Funnel is each topic, in outline order, with the learners who
	// completed it and those who stopped there.
	Funnel []TopicFigures `json:"funnel"`
	// DropOff is the topic where most learners stopped (absent: nobody did).
	DropOff *TopicFigures `json:"drop_off,omitempty"`
}

// TopicFigures are a topic in its course's funnel.
type TopicFigures struct {
	TopicID   int64  `json:"topic_id"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Completed int64  `json:"completed"`
	Stopped   int64  `json:"stopped" doc:"Learners whose last opened topic this is, idle 14 days, course unfinished."`
	Reached   int    `json:"reached" doc:"Completed / learners who started the course, percent."`
}

// MissionFigures are a mission's pass rate.
type MissionFigures struct {
	CourseID    int64   `json:"course_id"`
	CourseTitle string  `json:"course_title"`
	TopicID     int64   `json:"topic_id"`
	Title       string  `json:"title"`
	Mission     string  `json:"mission" enum:"none,midterm,final"`
	Attempted   int64   `json:"attempted" doc:"Learners who submitted."`
	Passed      int64   `json:"passed" doc:"Learners who passed."`
	PassRate    int     `json:"pass_rate" doc:"Passed / attempted, percent."`
	AverageBest float64 `json:"average_best" doc:"The mean of the learners' best scores."`
}

// VideoFigures are a video's engagement.
type VideoFigures struct {
	CourseID       int64  `json:"course_id"`
	CourseTitle    string `json:"course_title"`
	TopicID        int64  `json:"topic_id"`
	Title          string `json:"title"`
	Seconds        int    `json:"duration_seconds"`
	Viewers        int64  `json:"viewers"`
	WatchSeconds   int64  `json:"watch_seconds"`
	Completed      int64  `json:"completed"`
	CompletionRate int    `json:"completion_rate" doc:"Completed / viewers, percent."`
	// Rewatch is the watching time per viewer over the video's length,
	// percent: above 100 learners watch parts of it again.
	Rewatch int `json:"rewatch"`
}

// AssistantFigures are the assistant's use in the range.
type AssistantFigures struct {
	Questions     int64 `json:"questions"`
	Tokens        int64 `json:"tokens"`
	Conversations int64 `json:"conversations" doc:"All conversations so far."`
}

// LearnerFigures is one row of a tutor's learners table.
type LearnerFigures struct {
	learning.LearnerRow
	CourseTitle string `json:"course_title"`
	LearnersURL string `json:"learners_url" doc:"The course's learners page (grants, revocations)."`
}

// scope is whose numbers a report holds: every course (admins) or some.
type scope struct {
	all     bool
	courses []int64
}

// AdminReport is the platform's dashboard.
func (s *service) AdminReport(ctx context.Context, p *authz.Principal, q RangeQuery) (*Report, error) {
	if err := s.authz.Check(p, objPlatform, actView); err != nil {
		return nil, err
	}
	return s.report(ctx, scope{all: true}, q)
}

// TutorReport is the dashboard of p's own courses.
func (s *service) TutorReport(ctx context.Context, p *authz.Principal, q RangeQuery) (*Report, error) {
	if err := s.authz.Check(p, objTeaching, actView); err != nil {
		return nil, err
	}
	ids, err := s.syllabus.AuthoredCourseIDs(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []int64{}
	}
	return s.report(ctx, scope{courses: ids}, q)
}

func (s *service) report(ctx context.Context, sc scope, q RangeQuery) (*Report, error) {
	rg, err := s.resolve(q)
	if err != nil {
		return nil, err
	}
	var filter []int64
	if !sc.all {
		filter = sc.courses
	}
	rows, err := s.st.points(ctx, s.db.R, rg.From, rg.To, filter)
	if err != nil {
		return nil, err
	}
	r := &Report{Range: rg, Daily: make([]DayFigures, 0, rg.Days), Courses: []CourseFigures{},
		Missions: []MissionFigures{}, Videos: []VideoFigures{}}
	state, err := s.st.rollupState(ctx, s.db.R, rollupName)
	if err != nil {
		return nil, err
	}
	if state != nil {
		at := state.RanAt
		r.RolledUpAt = &at
	}
	f := newFold(rg, sc.all)
	for _, id := range sc.courses { // a tutor's courses, even without numbers yet
		f.course(id)
	}
	for _, p := range rows {
		f.addSnapshotOrCourse(p)
	}
	if err := s.describe(ctx, f); err != nil {
		return nil, err
	}
	if !sc.all && len(f.videos) > 0 {
		// The platform's per-video points (course 0) for the tutor's videos.
		vids, err := s.st.videoPoints(ctx, s.db.R, rg.From, rg.To, slices.Collect(maps.Keys(f.videos)))
		if err != nil {
			return nil, err
		}
		rows = append(rows, vids...)
	}
	for _, p := range rows {
		f.addDaily(p)
	}
	f.finish(r)
	if sc.all {
		if r.Users, err = s.users(ctx, f, rg); err != nil {
			return nil, err
		}
	}
	var payFilter []int64
	if !sc.all {
		payFilter = nonEmpty(sc.courses)
	}
	if r.RecentPayments, err = s.commerce.RecentPayments(ctx, recentPayments, payFilter, time.Time{}); err != nil {
		return nil, err
	}
	if r.RecentPayments == nil {
		r.RecentPayments = []commerce.PaymentRow{}
	}
	if !sc.all {
		if r.Learners, err = s.learners(ctx, sc.courses, learnerRows, f.titles); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// users are the live presence counts and the rolled-up ones.
func (s *service) users(ctx context.Context, f *fold, rg Range) (*UserFigures, error) {
	u := &UserFigures{Signups: f.totals.signups, Students: f.snap["accounts.students"],
		Tutors: f.snap["accounts.tutors"], Admins: f.snap["accounts.admins"], MonthlyActive: f.mau[rg.To]}
	var err error
	if u.ActiveNow, err = s.st.activeSince(ctx, s.db.R, s.clock.Now().Add(-ActiveWindow)); err != nil {
		return nil, err
	}
	today := s.today()
	live, err := s.st.activeOn(ctx, s.db.R, today, today)
	if err != nil {
		return nil, err
	}
	u.ActiveToday = live[today]
	if rg.To == today {
		// Today's row in the daily series is live too, and the month's
		// count includes today's newcomers at least.
		for i := range f.days {
			if f.days[i].Day == today {
				f.days[i].ActiveUsers = u.ActiveToday
			}
		}
		u.MonthlyActive = max(u.MonthlyActive, u.ActiveToday)
	}
	return u, nil
}

// learners is a tutor's progress table, with course titles and links.
func (s *service) learners(ctx context.Context, courses []int64, limit int, titles map[int64]string) ([]LearnerFigures, error) {
	out := []LearnerFigures{}
	if len(courses) == 0 {
		return out, nil
	}
	rows, err := s.learning.Learners(ctx, courses, limit)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out = append(out, LearnerFigures{LearnerRow: r, CourseTitle: titles[r.CourseID],
			LearnersURL: "/studio/courses/" + itoa(r.CourseID) + "/learners"})
	}
	return out, nil
}

// describe gives the fold's courses and topics their titles, kinds and
// outline order (two reads, whatever their number).
func (s *service) describe(ctx context.Context, f *fold) error {
	ids := make([]int64, 0, len(f.courses))
	for id := range f.courses {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil
	}
	sums, err := s.syllabus.CourseSummaries(ctx, ids)
	if err != nil {
		return err
	}
	refs, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return err
	}
	f.describe(sums, refs)
	return nil
}

// fold sums points into a report.
type fold struct {
	rg      Range
	all     bool
	days    []DayFigures
	dayIdx  map[string]int
	totals  struct{ signups int64 }
	snap    map[string]int64 // platform-wide snapshot values
	mau     map[string]int64
	courses map[int64]*courseAcc
	titles  map[int64]string
	// videos are a tutor's courses' videos (media ids).
	videos map[int64]bool
	// asked are the assistant's figures.
	assistant AssistantFigures
}

type courseAcc struct {
	fig     CourseFigures
	topics  map[int64]*topicAcc
	order   []int64 // topic ids in outline order
	missing bool    // not a live course any more
}

type topicAcc struct {
	ref                                    catalog.TopicRef
	done, stopped                          int64
	attempted, passed, bestSum             int64
	viewers, watchSeconds, videosCompleted int64
}

func newFold(rg Range, all bool) *fold {
	f := &fold{rg: rg, all: all, dayIdx: map[string]int{}, snap: map[string]int64{}, mau: map[string]int64{},
		courses: map[int64]*courseAcc{}, titles: map[int64]string{}, videos: map[int64]bool{}}
	for d := rg.From; d <= rg.To; d = dayAdd(d, 1) {
		f.dayIdx[d] = len(f.days)
		f.days = append(f.days, DayFigures{Day: d})
	}
	return f
}

func (f *fold) course(id int64) *courseAcc {
	c := f.courses[id]
	if c == nil {
		c = &courseAcc{fig: CourseFigures{CourseID: id, Funnel: []TopicFigures{}}, topics: map[int64]*topicAcc{}}
		f.courses[id] = c
	}
	return c
}

func (c *courseAcc) topic(id int64) *topicAcc {
	t := c.topics[id]
	if t == nil {
		t = &topicAcc{}
		c.topics[id] = t
	}
	return t
}

// addSnapshotOrCourse folds a snapshot point in (daily ones wait for
// describe, which knows a tutor's videos).
func (f *fold) addSnapshotOrCourse(p pointRow) {
	if p.Day == "" {
		f.addSnapshot(p)
	}
}

// addDaily folds a daily point in. Platform totals come from the
// platform-wide points (course 0) for admins, from the courses' shares for
// tutors.
func (f *fold) addDaily(p pointRow) {
	if p.Day == "" {
		return
	}
	if p.Metric == metricMAU {
		f.mau[p.Day] = p.Value
		return
	}
	i, ok := f.dayIdx[p.Day]
	if !ok {
		return
	}
	d := &f.days[i]
	v := p.Value
	switch p.Metric {
	case metricDAU:
		d.ActiveUsers += v
	case "accounts.signups":
		d.Signups += v
		f.totals.signups += v
	case "commerce.revenue":
		if f.all {
			d.Revenue += v
		}
	case "commerce.refunded":
		if f.all {
			d.Refunded += v
		}
	case "commerce.orders":
		if f.all {
			d.Orders += v
		}
	case "commerce.refunds":
		if f.all {
			d.Refunds += v
		}
	case "commerce.course_revenue":
		f.course(p.CourseID).fig.Revenue += v
		if !f.all {
			d.Revenue += v
		}
	case "commerce.course_refunded":
		f.course(p.CourseID).fig.Revenue -= v
		if !f.all {
			d.Refunded += v
		}
	case "commerce.course_sales":
		f.course(p.CourseID).fig.Sales += v
		if !f.all {
			d.Orders += v
		}
	case "learning.enrollments":
		d.Enrollments += v
		f.course(p.CourseID).fig.Enrollments += v
	case "learning.completions":
		d.Completions += v
		f.course(p.CourseID).fig.Completions += v
	case "learning.watch_seconds":
		// The platform's total counts a video shared by courses once, and
		// so does a tutor's (learning.video_watch_seconds of their videos).
		if p.CourseID == 0 {
			if f.all {
				d.WatchSeconds += v
			}
			return
		}
		f.course(p.CourseID).fig.WatchSeconds += v
	case "learning.watchers":
		d.Watchers += v
	case "learning.video_watch_seconds":
		// A tutor's watching time: their videos', each once (finish).
		if f.videos[p.ItemID] {
			d.WatchSeconds += v
		}
	case "assessment.submissions":
		d.Submissions += v
	case "assessment.passes":
		d.Passes += v
	case "assistant.questions":
		d.Questions += v
		f.assistant.Questions += v
	case "assistant.tokens":
		f.assistant.Tokens += v
	case "certificates.issued":
		d.Certificates += v
	}
}

func (f *fold) addSnapshot(p pointRow) {
	if p.CourseID == 0 {
		f.snap[p.Metric] += p.Value
		if p.Metric == "assistant.conversations" {
			f.assistant.Conversations += p.Value
		}
		return
	}
	c := f.course(p.CourseID)
	v := p.Value
	switch p.Metric {
	case "learning.enrolled":
		c.fig.Enrolled += v
	case "learning.with_access":
		c.fig.WithAccess += v
	case "learning.started":
		c.fig.Started += v
	case "learning.completed":
		c.fig.Completed += v
	case "certificates.valid":
		c.fig.Certified += v
	case "learning.topic_done":
		c.topic(p.ItemID).done += v
	case "learning.topic_stopped":
		c.topic(p.ItemID).stopped += v
	case "learning.video_viewers":
		c.topic(p.ItemID).viewers += v
	case "learning.video_seconds":
		c.topic(p.ItemID).watchSeconds += v
	case "learning.video_completed":
		c.topic(p.ItemID).videosCompleted += v
	case "assessment.attempted":
		c.topic(p.ItemID).attempted += v
	case "assessment.passed":
		c.topic(p.ItemID).passed += v
	case "assessment.best_sum":
		c.topic(p.ItemID).bestSum += v
	}
}

// describe fills titles and outline order; courses no longer live keep
// their numbers under "#id" (a deleted course's learners still happened).
func (f *fold) describe(sums map[int64]catalog.CourseSummary, refs map[int64][]catalog.TopicRef) {
	for id, c := range f.courses {
		sum, ok := sums[id]
		if !ok {
			c.missing = true
			c.fig.Title = "#" + itoa(id)
			continue
		}
		c.fig.Title, c.fig.Status = sum.Title, sum.Status
		for _, ref := range refs[id] {
			c.topic(ref.ID).ref = ref
			c.order = append(c.order, ref.ID)
			if id, ok := videoID(ref.Video); ok && !f.all {
				f.videos[id] = true
			}
		}
	}
	for id, c := range f.courses {
		f.titles[id] = c.fig.Title
	}
}

// finish writes the fold into r.
func (f *fold) finish(r *Report) {
	r.Daily = f.days
	for _, d := range f.days {
		t := &r.Totals
		t.Revenue += d.Revenue
		t.Refunded += d.Refunded
		t.Orders += d.Orders
		t.Refunds += d.Refunds
		t.Enrollments += d.Enrollments
		t.Completions += d.Completions
		t.WatchSeconds += d.WatchSeconds
		t.Submissions += d.Submissions
		t.Passes += d.Passes
		t.Questions += d.Questions
		t.Certificates += d.Certificates
	}
	r.Totals.NetRevenue = r.Totals.Revenue - r.Totals.Refunded
	r.Assistant = f.assistant
	accs := make([]*courseAcc, 0, len(f.courses))
	for _, c := range f.courses {
		accs = append(accs, c)
	}
	// The most followed courses first; missions in outline order within.
	slices.SortFunc(accs, func(a, b *courseAcc) int {
		return cmp.Or(cmp.Compare(b.fig.Enrolled, a.fig.Enrolled), cmp.Compare(a.fig.CourseID, b.fig.CourseID))
	})
	for _, c := range accs {
		if c.missing && c.fig.Enrolled == 0 && c.fig.Revenue == 0 && c.fig.Enrollments == 0 {
			continue
		}
		fig := c.fig
		fig.CompletionRate = percent(fig.Completed, fig.Enrolled)
		for _, tid := range c.order {
			t := c.topics[tid]
			tf := TopicFigures{TopicID: tid, Title: t.ref.Title, Kind: t.ref.Kind, Completed: t.done, Stopped: t.stopped,
				Reached: percent(t.done, fig.Started)}
			fig.Funnel = append(fig.Funnel, tf)
			if t.stopped > 0 && (fig.DropOff == nil || t.stopped > fig.DropOff.Stopped) {
				d := tf
				fig.DropOff = &d
			}
			if t.ref.Kind == "quiz" || t.ref.Kind == "assignment" {
				mission := t.ref.Mission
				if mission == "" {
					mission = "none"
				}
				mf := MissionFigures{CourseID: c.fig.CourseID, CourseTitle: c.fig.Title, TopicID: tid,
					Title: t.ref.Title, Mission: mission, Attempted: t.attempted, Passed: t.passed,
					PassRate: percent(t.passed, t.attempted)}
				if t.attempted > 0 {
					mf.AverageBest = float64(t.bestSum*10/t.attempted) / 10
				}
				r.Missions = append(r.Missions, mf)
			}
			if t.ref.Kind == "video" && t.viewers > 0 {
				vf := VideoFigures{CourseID: c.fig.CourseID, CourseTitle: c.fig.Title, TopicID: tid, Title: t.ref.Title,
					Seconds: t.ref.Duration, Viewers: t.viewers, WatchSeconds: t.watchSeconds,
					Completed: t.videosCompleted, CompletionRate: percent(t.videosCompleted, t.viewers)}
				if t.ref.Duration > 0 {
					vf.Rewatch = int(t.watchSeconds * 100 / (t.viewers * int64(t.ref.Duration)))
				}
				r.Videos = append(r.Videos, vf)
			}
		}
		r.Courses = append(r.Courses, fig)
	}
	slices.SortFunc(r.Videos, func(a, b VideoFigures) int {
		return cmp.Or(cmp.Compare(b.WatchSeconds, a.WatchSeconds), cmp.Compare(a.TopicID, b.TopicID))
	})
	if len(r.Videos) > topVideos {
		r.Videos = r.Videos[:topVideos]
	}
}

// videoID is the media id of a video reference ("media:video:7").
func videoID(ref string) (int64, bool) {
	rest, ok := strings.CutPrefix(ref, "media:video:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// percent is n/of in whole percent (0 when of is 0).
func percent(n, of int64) int {
	if of <= 0 {
		return 0
	}
	return int(n * 100 / of)
}
