package learning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/testkit"
)

func eventPath(uid, video int64) string {
	return fmt.Sprintf("/api/user/%d/video/%d/event-occur/", uid, video)
}
func batchPath(uid, video int64) string {
	return fmt.Sprintf("/api/user/%d/video/%d/events/", uid, video)
}
func watchPath(uid, video int64, rest string) string {
	return fmt.Sprintf("/api/user/%d/video/%d/%s", uid, video, rest)
}

// count is the number of rows of a table matching where.
func count(t testing.TB, ta *apptest.T, table, where string, args ...any) int {
	t.Helper()
	n, err := ta.App.DB.R.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	testkit.Must(t, err)
	return int(n)
}

func enroll(t *testing.T, ta *apptest.T, w world, u user) {
	t.Helper()
	ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
		map[string]any{"email": emailOf(ta, u), "reason": "테스트"}, as(w.tutor)...).Status(201)
}

func emailOf(ta *apptest.T, u user) string {
	var me struct{ Email string }
	ta.Request(http.MethodGet, "/api/me/", nil, as(u)...).Status(200).JSON(&me)
	return me.Email
}

// player sends one learner's events.
type player struct {
	t     *testing.T
	ta    *apptest.T
	u     user
	video int64
}

func (p player) send(typ string, pos float64, extra ...any) learning.Progress {
	p.t.Helper()
	body := map[string]any{"event_type": typ, "current_time": pos}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	var out struct{ Progress learning.Progress }
	p.ta.Request(http.MethodPost, eventPath(p.u.ID, p.video), body, as(p.u)...).Status(201).JSON(&out)
	return out.Progress
}

// watch plays from..to in heartbeats of 10 s of wall-clock time each.
func (p player) watch(from, to float64) learning.Progress {
	p.t.Helper()
	pr := p.send("play", from)
	for pos := from + 10; pos <= to; pos += 10 {
		p.ta.Clock.Advance(10 * time.Second)
		pr = p.send("timeupdate", pos)
	}
	return pr
}

func progressOf(t *testing.T, ta *apptest.T, viewer user, uid, video int64) learning.Progress {
	t.Helper()
	var pr learning.Progress
	ta.Request(http.MethodGet, watchPath(uid, video, "progress/"), nil, as(viewer)...).Status(200).JSON(&pr)
	return pr
}

func TestWatchIsPerLearner(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a, b := newUser(t, ta, "alice", "student"), newUser(t, ta, "bob", "student")
		admin := newUser(t, ta, "root", "admin")
		enroll(t, ta, w, a)
		enroll(t, ta, w, b)
		pa, pb := player{t, ta, a, w.video}, player{t, ta, b, w.video}
		pa.watch(0, 30)
		pb.watch(100, 120)
		if pr := progressOf(t, ta, a, a.ID, w.video); pr.WatchedSeconds != 30 || pr.ResumePosition != 30 {
			t.Errorf("alice's progress: %+v", pr)
		}
		if pr := progressOf(t, ta, b, b.ID, w.video); pr.WatchedSeconds != 20 || pr.ResumePosition != 120 {
			t.Errorf("bob's progress: %+v", pr)
		}
		var hist struct {
			Count   int
			Results []learning.Event
		}
		ta.Request(http.MethodGet, watchPath(a.ID, w.video, "history/"), nil, as(a)...).Status(200).JSON(&hist)
		if hist.Count != 4 || len(hist.Results) != 4 {
			t.Errorf("alice's history: %+v", hist)
		}
		// Bob's path is not alice's: 403, and nothing stored.
		before := count(t, ta, "learning_watch_events", "1=1")
		for _, path := range []string{eventPath(b.ID, w.video), batchPath(b.ID, w.video)} {
			body := any(map[string]any{"event_type": "play", "current_time": 0})
			if strings.HasSuffix(path, "events/") {
				body = map[string]any{"events": []any{body}}
			}
			ta.Request(http.MethodPost, path, body, as(a)...).Problem(403, "learning.not_yours")
			// Nor may an admin record for anyone.
			ta.Request(http.MethodPost, path, body, as(admin)...).Problem(403, "learning.not_yours")
		}
		for _, rest := range []string{"history/", "progress/"} {
			ta.Request(http.MethodGet, watchPath(b.ID, w.video, rest), nil, as(a)...).Problem(403, "learning.not_yours")
		}
		if after := count(t, ta, "learning_watch_events", "1=1"); after != before {
			t.Errorf("events %d → %d after refused requests", before, after)
		}
		if n := count(t, ta, "learning_watch_events", "user_id = ?", b.ID); n != 3 {
			t.Errorf("bob has %d events, want 3", n)
		}
		// Admins read anyone's.
		if pr := progressOf(t, ta, admin, b.ID, w.video); pr.WatchedSeconds != 20 {
			t.Errorf("bob's progress as the admin sees it: %+v", pr)
		}
		ta.Request(http.MethodGet, watchPath(b.ID, w.video, "history/"), nil, as(admin)...).Status(200).JSON(&hist)
		if hist.Count != 3 {
			t.Errorf("bob's history as the admin sees it: %+v", hist)
		}

		// One event: admins only; a correction replays the fold.
		item := func(id int64) string { return watchPath(a.ID, w.video, fmt.Sprintf("history/%d/", id)) }
		ta.Request(http.MethodGet, watchPath(a.ID, w.video, "history/"), nil, as(a)...).Status(200).JSON(&hist)
		last := hist.Results[len(hist.Results)-1] // timeupdate at 30
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			var body any
			if m == http.MethodPut || m == http.MethodPatch {
				body = map[string]any{"event_type": "timeupdate", "current_time": 25, "playback_rate": 1}
			}
			ta.Request(m, item(last.ID), body, as(a)...).Status(403)
			ta.Request(m, item(last.ID), body, as(w.tutor)...).Status(403)
		}
		var e learning.Event
		ta.Request(http.MethodGet, item(last.ID), nil, as(admin)...).Status(200).JSON(&e)
		if e.ID != last.ID || e.CurrentTime != 30 || e.CountedSeconds != 10 {
			t.Errorf("the event: %+v", e)
		}
		ta.Request(http.MethodGet, item(999999), nil, as(admin)...).Status(404)
		ta.Request(http.MethodGet, watchPath(b.ID, w.video, fmt.Sprintf("history/%d/", last.ID)), nil, as(admin)...).Status(404)
		// 30 → 25: the last stretch is 5 s.
		ta.Request(http.MethodPatch, item(last.ID), map[string]any{"current_time": 25}, as(admin)...).Status(200).JSON(&e)
		if e.CurrentTime != 25 || e.CountedSeconds != 5 {
			t.Errorf("patched: %+v", e)
		}
		if pr := progressOf(t, ta, a, a.ID, w.video); pr.WatchedSeconds != 25 || pr.ResumePosition != 25 {
			t.Errorf("after the patch: %+v", pr)
		}
		ta.Request(http.MethodPut, item(last.ID), map[string]any{"event_type": "pause", "current_time": 28, "playback_rate": 1},
			as(admin)...).Status(200).JSON(&e)
		if e.EventType != "pause" || e.CountedSeconds != 8 {
			t.Errorf("replaced: %+v", e)
		}
		// Outside the video: refused, naming the field.
		pr := ta.Request(http.MethodPatch, item(last.ID), map[string]any{"current_time": 9999}, as(admin)...).Problem(422, "")
		if !strings.Contains(fmt.Sprint(pr), "current_time") {
			t.Errorf("422 without the field: %v", pr)
		}
		ta.Request(http.MethodDelete, item(last.ID), nil, as(admin)...).Status(204)
		if pr := progressOf(t, ta, a, a.ID, w.video); pr.WatchedSeconds != 20 {
			t.Errorf("after the delete: %+v", pr)
		}
		ta.Request(http.MethodGet, item(last.ID), nil, as(admin)...).Status(404)
	})
}

func TestWatchCountsUniquePlausibleSeconds(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		enroll(t, ta, w, a)
		p := player{t, ta, a, w.video}
		events := func() int { return count(t, ta, "learning_watch_events", "user_id = ?", a.ID) }

		// 0–30, seek to 60, to 90: 60 unique seconds.
		p.watch(0, 30)
		p.send("seek", 60)
		pr := p.watch(60, 90)
		if pr.WatchedSeconds != 60 || pr.LearningSeconds != 60 {
			t.Fatalf("0–30 + 60–90: %+v", pr)
		}
		// Watching 0–30 again adds learning time, not watched time.
		p.send("seek", 0)
		if pr = p.watch(0, 30); pr.WatchedSeconds != 60 || pr.LearningSeconds != 90 {
			t.Fatalf("re-watched: %+v", pr)
		}
		// A heartbeat claiming 300 s after 10 s of wall-clock: not counted.
		ta.Clock.Advance(10 * time.Second)
		var out struct {
			Event    learning.Event
			Progress learning.Progress
		}
		ta.Request(http.MethodPost, eventPath(a.ID, w.video), map[string]any{"event_type": "timeupdate", "current_time": 330},
			as(a)...).Status(201).JSON(&out)
		if out.Event.CountedSeconds != 0 || out.Progress.WatchedSeconds != 60 || out.Progress.ResumePosition != 330 {
			t.Fatalf("a 300 s claim: %+v", out)
		}

		// A position outside the video (600 s): 422 naming the field, nothing stored.
		n := events()
		prob := ta.Request(http.MethodPost, eventPath(a.ID, w.video), map[string]any{"event_type": "timeupdate", "current_time": 700},
			as(a)...).Problem(422, "")
		if !strings.Contains(fmt.Sprint(prob), "body.current_time") {
			t.Errorf("422 without the field: %v", prob)
		}
		// A batch with one bad event stores nothing.
		prob = ta.Request(http.MethodPost, batchPath(a.ID, w.video), map[string]any{"events": []map[string]any{
			{"event_type": "play", "current_time": 0}, {"event_type": "timeupdate", "current_time": 10},
			{"event_type": "timeupdate", "current_time": 601.5}}}, as(a)...).Problem(422, "")
		if !strings.Contains(fmt.Sprint(prob), "body.events[2].current_time") {
			t.Errorf("422 without the field: %v", prob)
		}
		ta.Request(http.MethodPost, batchPath(a.ID, w.video), map[string]any{"events": []map[string]any{
			{"event_type": "nope", "current_time": 0}}}, as(a)...).Status(422)
		ta.Request(http.MethodPost, batchPath(a.ID, w.video), map[string]any{"events": []map[string]any{}}, as(a)...).Status(422)
		if got := events(); got != n {
			t.Fatalf("refused requests stored %d events", got-n)
		}

		// A batch whose client times claim 120 s of watching 30 s after
		// the last report: not counted beyond what 30 s allow.
		p.send("pause", 330)
		ta.Clock.Advance(30 * time.Second)
		ct := ta.Clock.Now().Add(-time.Hour) // the player's own clock is off
		at := func(s int) string { return ct.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
		var bo struct {
			Events   []learning.Event
			Progress learning.Progress
		}
		ta.Request(http.MethodPost, batchPath(a.ID, w.video), map[string]any{"events": []map[string]any{
			{"event_type": "seek", "current_time": 400, "client_time": at(0)},
			{"event_type": "play", "current_time": 400, "client_time": at(0)},
			{"event_type": "timeupdate", "current_time": 460, "client_time": at(60)},
			{"event_type": "timeupdate", "current_time": 520, "client_time": at(120)}}}, as(a)...).Status(201).JSON(&bo)
		var counted float64
		for _, e := range bo.Events {
			counted += e.CountedSeconds
		}
		if counted > 30*1.25+1.5 || bo.Progress.WatchedSeconds > 60+30*1.25+1.5 {
			t.Fatalf("a batch claiming 120 s in 30 s counted %v: %+v", counted, bo.Progress)
		}
		if len(bo.Events) != 4 || events() != n+5 {
			t.Fatalf("the batch stored %d events", events()-n-1)
		}
		// An honest batch of 30 s after 30 s counts.
		ta.Clock.Advance(30 * time.Second)
		ct = ta.Clock.Now()
		ta.Request(http.MethodPost, batchPath(a.ID, w.video), map[string]any{"events": []map[string]any{
			{"event_type": "seek", "current_time": 200, "client_time": ct.Add(-30 * time.Second).Format(time.RFC3339)},
			{"event_type": "play", "current_time": 200, "client_time": ct.Add(-30 * time.Second).Format(time.RFC3339)},
			{"event_type": "timeupdate", "current_time": 215, "client_time": ct.Add(-15 * time.Second).Format(time.RFC3339)},
			{"event_type": "pause", "current_time": 230, "client_time": ct.Format(time.RFC3339)}}}, as(a)...).Status(201).JSON(&bo)
		if bo.Progress.WatchedSeconds < 60+counted+30 {
			t.Fatalf("an honest batch: %+v (before: 60 + %v)", bo.Progress, counted)
		}

		// Playback rate 2: 20 s of video in 10 s count.
		p.send("seek", 500)
		p.send("play", 500, "playback_rate", 2)
		before := progressOf(t, ta, a, a.ID, w.video).WatchedSeconds
		ta.Clock.Advance(10 * time.Second)
		if pr = p.send("timeupdate", 520, "playback_rate", 2); pr.WatchedSeconds != before+20 {
			t.Fatalf("rate 2: %v → %+v", before, pr)
		}
		// At rate 1, 20 s in 10 s do not.
		p.send("ratechange", 520, "playback_rate", 1)
		ta.Clock.Advance(10 * time.Second)
		if pr = p.send("timeupdate", 540, "playback_rate", 1); pr.WatchedSeconds != before+20 {
			t.Fatalf("rate 1, twice the speed: %+v", pr)
		}
	})
}

// observe subscribes to the learning module's events before the app's job
// runner starts (apptest does not start it): each publication leaves a
// delivery job in river_job, which deliveries reads.
func observe(cfg *config.Config, o *app.Options) {
	o.Routes = func(a *app.App) {
		events.Subscribe(a.Events, "test.topics", func(context.Context, bun.Tx, events.Delivery[learning.TopicCompleted]) error { return nil })
		events.Subscribe(a.Events, "test.courses", func(context.Context, bun.Tx, events.Delivery[learning.CourseCompleted]) error { return nil })
	}
}

// deliveries returns the payloads of the queued deliveries of an event.
func deliveries(t *testing.T, ta *apptest.T, event string) []map[string]any {
	t.Helper()
	var args []string
	col := "CAST(args AS TEXT)"
	if ta.App.DB.R.Dialect().Name() == dialect.SQLite {
		col = "json(args)" // stored as JSONB
	}
	testkit.Must(t, ta.App.DB.R.NewSelect().Table("river_job").ColumnExpr(col).
		Where("kind = ?", "events.deliver").OrderExpr("id").Scan(context.Background(), &args))
	var out []map[string]any
	seen := map[string]bool{} // one delivery per subscriber: an event once
	for _, a := range args {
		var d struct {
			Event   string         `json:"event"`
			EventID string         `json:"event_id"`
			Payload map[string]any `json:"payload"`
		}
		testkit.Must(t, json.Unmarshal([]byte(a), &d))
		if d.Event == event && !seen[d.EventID] {
			seen[d.EventID] = true
			out = append(out, d.Payload)
		}
	}
	return out
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		enroll(t, ta, w, a)
		p := player{t, ta, a, w.video}
		// 530 of 600 s (88%): not yet.
		pr := p.watch(0, 530)
		if pr.Completed || len(deliveries(t, ta, "learning.topic_completed")) != 0 {
			t.Fatalf("88%% completed: %+v", pr)
		}
		// 540 s: 90%.
		ta.Clock.Advance(10 * time.Second)
		if pr = p.send("timeupdate", 540); !pr.Completed || pr.CompletedAt == nil {
			t.Fatalf("90%% not completed: %+v", pr)
		}
		topics := deliveries(t, ta, "learning.topic_completed")
		if len(topics) != 1 || topics[0]["topic_id"] != float64(w.videoTopic) || topics[0]["user_id"] != float64(a.ID) ||
			topics[0]["source"] != "video" {
			t.Fatalf("TopicCompleted: %v", topics)
		}
		var mine struct{ Results []learning.CourseProgress }
		ta.Request(http.MethodGet, "/api/me/courses/", nil, as(a)...).Status(200).JSON(&mine)
		if len(mine.Results) != 1 || mine.Results[0].Status != "in_progress" || mine.Results[0].Percent != 50 {
			t.Fatalf("halfway: %+v", mine.Results)
		}
		// Watching on: no second completion.
		ta.Clock.Advance(10 * time.Second)
		p.send("timeupdate", 550)
		if n := len(deliveries(t, ta, "learning.topic_completed")); n != 1 {
			t.Fatalf("%d TopicCompleted", n)
		}
		if len(deliveries(t, ta, "learning.course_completed")) != 0 {
			t.Fatal("the course completed with its article unread")
		}
		// The article read: the course completes.
		readPath := fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", w.course, w.read)
		ta.Request(http.MethodPost, readPath, nil, as(a)...).Status(204)
		ta.Request(http.MethodPost, readPath, nil, as(a)...).Status(204) // again: no change
		ta.Request(http.MethodPost, fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", w.course, w.videoTopic), nil, as(a)...).
			Problem(409, "learning.not_an_article")
		if topics = deliveries(t, ta, "learning.topic_completed"); len(topics) != 2 || topics[1]["source"] != "read" {
			t.Fatalf("TopicCompleted: %v", topics)
		}
		courses := deliveries(t, ta, "learning.course_completed")
		if len(courses) != 1 || courses[0]["course_id"] != float64(w.course) || courses[0]["user_id"] != float64(a.ID) {
			t.Fatalf("CourseCompleted: %v", courses)
		}
		ta.Request(http.MethodGet, "/api/me/courses/", nil, as(a)...).Status(200).JSON(&mine)
		if c := mine.Results[0]; c.Status != "completed" || c.Percent != 100 || c.CompletedAt == nil || c.CompletedTopics != 2 ||
			c.LearningSeconds != 550 {
			t.Fatalf("completed: %+v", c)
		}
		var cp learning.CourseProgress
		ta.Request(http.MethodGet, fmt.Sprintf("/api/me/courses/%d/progress/", w.course), nil, as(a)...).Status(200).JSON(&cp)
		if len(cp.Topics) != 2 || cp.Topics[0].Status != "completed" || cp.Topics[1].Status != "completed" || cp.NextTopicID != nil {
			t.Fatalf("course progress: %+v", cp)
		}
		var me struct {
			Stats struct {
				TotalLearningSeconds int64 `json:"total_learning_seconds"`
				Credits              int   `json:"credits"`
				EnrolledCourses      int   `json:"enrolled_courses"`
			}
		}
		ta.Request(http.MethodGet, "/api/me/", nil, as(a)...).Status(200).JSON(&me)
		// Credits are the certificates' (issued by the certificates module
		// on CourseCompleted, which this test's app, running no jobs, never
		// delivers): none yet.
		if me.Stats.TotalLearningSeconds != 550 || me.Stats.Credits != 0 || me.Stats.EnrolledCourses != 1 {
			t.Fatalf("stats: %+v", me.Stats)
		}
		if s := roadmapStatus(t, ta, w, a); s != "completed" {
			t.Errorf("roadmap status %q, want completed", s)
		}
	}, observe)
}

func TestResumeSurvivesRestart(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		enroll(t, ta, w, a)
		p := player{t, ta, a, w.video}
		p.watch(0, 40)
		p.send("pause", 42)
		var pb struct {
			ResumePosition float64 `json:"resume_position"`
		}
		playback := fmt.Sprintf("/api/videos/%d/playback/", w.video)
		ta.Request(http.MethodGet, playback, nil, as(a)...).Status(200).JSON(&pb)
		if pb.ResumePosition != 42 {
			t.Fatalf("resume %v, want 42", pb.ResumePosition)
		}
		// Another learner starts from 0.
		b := newUser(t, ta, "bob", "student")
		enroll(t, ta, w, b)
		ta.Request(http.MethodGet, playback, nil, as(b)...).Status(200).JSON(&pb)
		if pb.ResumePosition != 0 {
			t.Fatalf("bob resumes at %v", pb.ResumePosition)
		}
		// A new app on the same database.
		cfg := ta.App.Config
		testkit.Must(t, ta.App.Close(context.Background()))
		a2, err := app.New(context.Background(), cfg, app.Options{Logger: apptest.Logger(t), Clock: ta.Clock,
			Mailer: ta.Mailer, Authenticate: testkit.HeaderAuth()})
		testkit.Must(t, err)
		t.Cleanup(func() { _ = a2.Close(context.Background()) })
		req := httptest.NewRequest(http.MethodGet, playback, nil)
		req.Header.Set("Authorization", "Bearer "+a.Token)
		testkit.NewClient(t, a2.Fiber).Do(req).Status(200).JSON(&pb)
		if pb.ResumePosition != 42 {
			t.Fatalf("after a restart: resume %v, want 42", pb.ResumePosition)
		}
	})
}

func TestXAPIStatements(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a, b := newUser(t, ta, "alice", "student"), newUser(t, ta, "bob", "student")
		enroll(t, ta, w, a)
		enroll(t, ta, w, b)
		pa := player{t, ta, a, w.video}
		pa.watch(0, 10)
		pa.send("seek", 50)
		pa.send("pause", 50)
		ta.Clock.Advance(time.Second)
		pa.send("ended", 600)
		player{t, ta, b, w.video}.watch(0, 20)
		var res learning.StatementResult
		ta.Request(http.MethodGet, "/api/me/xapi/statements", nil, as(a)...).Status(200).JSON(&res)
		if len(res.Statements) != 5 {
			t.Fatalf("%d statements, want alice's 5", len(res.Statements))
		}
		verbs := map[string]string{}
		for _, s := range res.Statements {
			if s.Version != "1.0.3" || s.Actor.Account.Name != fmt.Sprint(a.ID) || s.Actor.ObjectType != "Agent" ||
				s.Object.Definition.Type != "https://w3id.org/xapi/video/activity-type/video" ||
				!strings.HasSuffix(s.Object.ID, fmt.Sprintf("/videos/%d", w.video)) ||
				s.Context.ContextActivities["category"][0].ID != "https://w3id.org/xapi/video" {
				t.Errorf("statement: %+v", s)
			}
			verbs[s.Verb.Display["en-US"]] = s.Verb.ID
		}
		for verb, id := range map[string]string{"played": "https://w3id.org/xapi/video/verbs/played",
			"paused": "https://w3id.org/xapi/video/verbs/paused", "seeked": "https://w3id.org/xapi/video/verbs/seeked",
			"completed": "http://adlnet.gov/expapi/verbs/completed", "interacted": "http://adlnet.gov/expapi/verbs/interacted"} {
			if verbs[verb] != id {
				t.Errorf("verb %s: %q, want %q", verb, verbs[verb], id)
			}
		}
		if s := res.Statements[0]; s.Verb.Display["en-US"] != "completed" || s.Result == nil || s.Result.Completion == nil {
			t.Errorf("newest first, completed with completion: %+v", s)
		}
		ta.Request(http.MethodGet, "/api/me/xapi/statements?limit=2", nil, as(a)...).Status(200).JSON(&res)
		if len(res.Statements) != 2 || res.More == "" {
			t.Errorf("limit 2: %d, more %q", len(res.Statements), res.More)
		}
		// Following more, oldest first too, gives every statement once.
		for _, start := range []string{"/api/me/xapi/statements?limit=2", "/api/me/xapi/statements?limit=2&ascending=true"} {
			seen, next := map[string]bool{}, start
			for pages := 0; next != "" && pages < 10; pages++ {
				var page learning.StatementResult
				ta.Request(http.MethodGet, next, nil, as(a)...).Status(200).JSON(&page)
				for _, s := range page.Statements {
					if seen[s.ID] {
						t.Errorf("%s: statement %s twice", start, s.ID)
					}
					seen[s.ID] = true
				}
				next = page.More
			}
			if len(seen) != 5 {
				t.Errorf("%s: %d statements over the pages, want 5", start, len(seen))
			}
		}
		ta.Request(http.MethodGet, "/api/me/xapi/statements", nil, as(b)...).Status(200).JSON(&res)
		if len(res.Statements) != 3 || res.Statements[0].Actor.Account.Name != fmt.Sprint(b.ID) {
			t.Errorf("bob's: %+v", res.Statements)
		}
	})
}

func TestConcurrentHeartbeats(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		// Started as a server is: heartbeats share group commits.
		testkit.Must(t, ta.App.Start(context.Background()))
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		enroll(t, ta, w, a)
		player{t, ta, a, w.video}.send("play", 0)
		const n = 20
		statuses := make([]int, n)
		ta.Together(t, n, func(i int) *http.Request {
			b, _ := json.Marshal(map[string]any{"event_type": "timeupdate", "current_time": i})
			r := httptest.NewRequest(http.MethodPost, eventPath(a.ID, w.video), bytes.NewReader(b))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+a.Token)
			return r
		}, func(i int, resp *http.Response) { statuses[i] = resp.StatusCode })
		acked := 0
		for i, s := range statuses {
			if s == 201 {
				acked++
			} else {
				t.Errorf("heartbeat %d: %d", i, s)
			}
		}
		if got := count(t, ta, "learning_watch_events", "user_id = ?", a.ID); got != acked+1 {
			t.Errorf("%d events stored, %d acknowledged", got, acked+1)
		}
		var pr learning.Progress
		ta.Request(http.MethodGet, watchPath(a.ID, w.video, "progress/"), nil, as(a)...).Status(200).JSON(&pr)
		var ev int64
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("learning_video_progress").Column("events").
			Where("user_id = ?", a.ID).Scan(context.Background(), &ev))
		if ev != int64(acked+1) {
			t.Errorf("the progress row folded %d events, %d acknowledged", ev, acked+1)
		}
		// The first events of a learner in a video, all at once: one of
		// them makes the progress row, none fails.
		b := newUser(t, ta, "bob", "student")
		enroll(t, ta, w, b)
		ta.Together(t, n, func(i int) *http.Request {
			body, _ := json.Marshal(map[string]any{"event_type": "play", "current_time": i})
			r := httptest.NewRequest(http.MethodPost, eventPath(b.ID, w.video), bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+b.Token)
			return r
		}, func(i int, resp *http.Response) { statuses[i] = resp.StatusCode })
		for i, s := range statuses {
			if s != 201 {
				t.Errorf("bob's first heartbeat %d: %d", i, s)
			}
		}
		if got := count(t, ta, "learning_watch_events", "user_id = ?", b.ID); got != n {
			t.Errorf("%d of bob's events stored, %d acknowledged", got, n)
		}
		// Several learners' first events at once, in the same groups: each
		// gets its own row, folding its own events only.
		var many []user
		names := []string{"carol", "dave", "erin"}
		for _, name := range names {
			u := newUser(t, ta, name, "student")
			enroll(t, ta, w, u)
			many = append(many, u)
		}
		type sentEvent struct {
			user int64
			at   float64
		}
		sent := map[int64]sentEvent{}
		var mu sync.Mutex
		ta.Together(t, 3*n, func(i int) *http.Request {
			u := many[i%3]
			typ := "play"
			if i >= 3 {
				typ = "timeupdate"
			}
			body, _ := json.Marshal(map[string]any{"event_type": typ, "current_time": i / 3})
			r := httptest.NewRequest(http.MethodPost, eventPath(u.ID, w.video), bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+u.Token)
			return r
		}, func(i int, resp *http.Response) {
			var out struct{ Event learning.Event }
			if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&out) != nil {
				t.Errorf("event %d of %s: %d", i/3, names[i%3], resp.StatusCode)
				return
			}
			mu.Lock()
			sent[out.Event.ID] = sentEvent{many[i%3].ID, float64(i / 3)}
			mu.Unlock()
		})
		// Each caller was given the id of its own event.
		var stored []struct {
			ID         int64
			UserID     int64
			PositionMS int64
		}
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("learning_watch_events").Column("id", "user_id", "position_ms").
			Where("user_id IN (?)", bun.In([]int64{many[0].ID, many[1].ID, many[2].ID})).Scan(context.Background(), &stored))
		if len(stored) != len(sent) {
			t.Errorf("%d events stored, %d distinct ids answered", len(stored), len(sent))
		}
		for _, e := range stored {
			if got := sent[e.ID]; got.user != e.UserID || got.at*1000 != float64(e.PositionMS) {
				t.Errorf("event %d is user %d's at %d ms, but was answered to user %d's at %v s", e.ID, e.UserID, e.PositionMS, got.user, got.at)
			}
		}
		for i, u := range many {
			var ev int64
			testkit.Must(t, ta.App.DB.R.NewSelect().Table("learning_video_progress").Column("events").
				Where("user_id = ? AND video_id = ?", u.ID, w.video).Scan(context.Background(), &ev))
			if got := count(t, ta, "learning_watch_events", "user_id = ?", u.ID); got != n || ev != n {
				t.Errorf("%s: %d events stored, %d folded, want %d", names[i], got, ev, n)
			}
		}
		// Written together, not one by one after a failed group.
		for _, m := range ta.App.Modules() {
			if l, ok := m.(*learning.Module); ok && l.GroupFailures() != 0 {
				t.Errorf("%d group commits failed", l.GroupFailures())
			}
		}
	})
}

// roadmapStatus is u's status of the world's course in the roadmap of a
// curriculum holding it (made on first use).
func roadmapStatus(t *testing.T, ta *apptest.T, w world, u user) string {
	t.Helper()
	slug := fmt.Sprintf("road-%d", w.course)
	if count(t, ta, "catalog_curriculums", "slug = ?", slug) == 0 {
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"slug": slug, "title": "로드맵", "category": "frontend",
			"skill_level": "beginner", "price": 0, "status": "published", "course_ids": []int64{w.course}}, as(w.tutor)...).Status(201)
	}
	var road struct {
		Courses []struct {
			ID     int64
			Status string
		}
	}
	ta.Request(http.MethodGet, "/api/roadmap/?curriculum="+slug, nil, as(u)...).Status(200).JSON(&road)
	for _, c := range road.Courses {
		if c.ID == w.course {
			return c.Status
		}
	}
	t.Fatalf("the course is not in the roadmap: %+v", road)
	return ""
}

// nearlyWatched enrolls n learners who watch the world's video to 530 s
// of its 600 (one heartbeat short of completing it), and lets 10 s pass.
func nearlyWatched(t *testing.T, ta *apptest.T, w world, n int) []player {
	t.Helper()
	var ps []player
	for i := range n {
		u := newUser(t, ta, fmt.Sprintf("learner%d", i), "student")
		enroll(t, ta, w, u)
		ps = append(ps, player{t, ta, u, w.video})
		ps[i].send("play", 0)
	}
	for pos := 10.0; pos <= 530; pos += 10 {
		ta.Clock.Advance(10 * time.Second)
		for _, p := range ps {
			p.send("timeupdate", pos)
		}
	}
	ta.Clock.Advance(10 * time.Second)
	return ps
}

// Learners completing videos at once on a small pool: a completion reads
// nothing outside its transaction, so the pool (shared by readers and the
// writer on Postgres) is never all transactions waiting for a reader.
func TestConcurrentCompletionsOnASmallPool(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		const n = 6
		ps := nearlyWatched(t, ta, w, n)
		statuses := make([]int, n)
		ta.Together(t, n, func(i int) *http.Request {
			r := httptest.NewRequest(http.MethodPost, eventPath(ps[i].u.ID, w.video),
				strings.NewReader(`{"event_type":"timeupdate","current_time":540}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+ps[i].u.Token)
			return r
		}, func(i int, resp *http.Response) { statuses[i] = resp.StatusCode })
		for i, s := range statuses {
			if s != 201 {
				t.Errorf("learner %d's completing heartbeat: %d", i, s)
			}
		}
		if got := count(t, ta, "learning_topic_completions", "topic_id = ?", w.videoTopic); got != n {
			t.Errorf("%d completions, want %d", got, n)
		}
	}, func(cfg *config.Config, o *app.Options) {
		cfg.Database.MaxOpenConns = 2
		cfg.HTTP.RequestTimeout = 5 * time.Second
	})
}

// A video's completing heartbeat and the article read at the same time:
// the course completes once, whichever commits second sees the other.
func TestLastTopicsCompletedTogether(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		const n = 5
		ps := nearlyWatched(t, ta, w, n)
		statuses := make([]int, 2*n)
		ta.Together(t, 2*n, func(i int) *http.Request {
			p := ps[i/2]
			r := httptest.NewRequest(http.MethodPost, eventPath(p.u.ID, w.video),
				strings.NewReader(`{"event_type":"timeupdate","current_time":540}`))
			if i%2 == 1 {
				r = httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", w.course, w.read), nil)
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+p.u.Token)
			return r
		}, func(i int, resp *http.Response) { statuses[i] = resp.StatusCode })
		for i, s := range statuses {
			if s != 201 && s != 204 {
				t.Errorf("request %d: %d", i, s)
			}
		}
		if got := count(t, ta, "learning_course_progress", "course_id = ? AND completed_at IS NOT NULL", w.course); got != n {
			t.Errorf("%d of %d learners completed the course", got, n)
		}
	}, observe)
}

// Found in review: one video used by a free preview of one course and a
// premium topic of another. Watching it through the preview completes the
// preview only: not the premium topic of a course the learner may not
// take, nor that course. A topic that starts using an already watched
// video completes on the next play.
func TestWatchCompletesOnlyViewableTopics(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta) // premium: the learner is not enrolled
		var c struct {
			ID       int64
			Lectures []struct {
				Topics []struct{ ID int64 }
			}
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "맛보기 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 10000, "status": "published",
			"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
				{"title": "미리보기", "kind": "video", "is_premium": false},
				{"title": "나중 영상", "kind": "video", "is_premium": false}}}}}, as(w.tutor)...).Status(201).JSON(&c)
		preview, later := c.Lectures[0].Topics[0].ID, c.Lectures[0].Topics[1].ID
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", w.video), map[string]any{"topic_id": preview},
			as(w.tutor)...).Status(204)
		a := newUser(t, ta, "alice", "student")
		pl := player{t, ta, a, w.video}
		pl.send("play", 0)
		var pr learning.Progress
		for i := 1; i <= 60; i++ {
			ta.Clock.Advance(10 * time.Second)
			pr = pl.send("timeupdate", float64(i*10))
		}
		if !pr.Completed {
			t.Fatalf("not completed: %+v", pr)
		}
		var mine struct{ Results []learning.CourseProgress }
		ta.Request(http.MethodGet, "/api/me/courses/", nil, as(a)...).Status(200).JSON(&mine)
		if len(mine.Results) != 1 || mine.Results[0].CourseID != c.ID {
			t.Fatalf("my courses: %+v", mine.Results)
		}
		var n int
		testkit.Must(t, ta.App.DB.R.NewRaw("SELECT COUNT(*) FROM learning_topic_completions WHERE user_id = ? AND topic_id = ?",
			a.ID, w.videoTopic).Scan(context.Background(), &n))
		if n != 0 {
			t.Fatal("the premium topic of a course the learner may not take was completed")
		}
		// The tutor attaches the same video to the other preview: the next
		// play (after the short cache) completes it too.
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", w.video), map[string]any{"topic_id": later},
			as(w.tutor)...).Status(204)
		ta.Clock.Advance(time.Minute)
		pl.send("play", 0)
		var done map[string]any
		ta.Request(http.MethodGet, fmt.Sprintf("/api/me/courses/%d/progress/", c.ID), nil, as(a)...).Status(200).JSON(&done)
		if done["completed_topics"] != float64(2) || done["status"] != "completed" {
			t.Fatalf("after the second attachment: %v", done)
		}
	})
}

// Every field of an event is stored as sent, absent ones as absent (the
// group write passes them as arrays on Postgres), and the answer carries
// what was stored.
func TestEventFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		enroll(t, ta, w, a)
		ct := ta.Clock.Now().Add(-5 * time.Second).UTC().Truncate(time.Millisecond)
		var out struct{ Events []learning.Event }
		ta.Request(http.MethodPost, batchPath(a.ID, w.video), map[string]any{"events": []map[string]any{
			{"event_type": "play", "current_time": 1.5, "duration": 600.25, "playback_rate": 1.5, "client_time": ct.Format(time.RFC3339Nano)},
			{"event_type": "pause", "current_time": 3},
		}}, as(a)...).Status(201).JSON(&out)
		var hist struct{ Results []learning.Event }
		ta.Request(http.MethodGet, watchPath(a.ID, w.video, "history/"), nil, as(a)...).Status(200).JSON(&hist)
		if len(out.Events) != 2 || len(hist.Results) != 2 {
			t.Fatalf("answered %+v, stored %+v", out.Events, hist.Results)
		}
		for i, got := range hist.Results {
			if got.ID != out.Events[i].ID || got.EventType != out.Events[i].EventType {
				t.Errorf("stored %+v, answered %+v", got, out.Events[i])
			}
		}
		first, second := hist.Results[0], hist.Results[1]
		if first.EventType != "play" || first.CurrentTime != 1.5 || first.Duration == nil || *first.Duration != 600.25 ||
			first.PlaybackRate != 1.5 || first.ClientTime == nil || !first.ClientTime.Equal(ct) {
			t.Errorf("first event: %+v", first)
		}
		if second.EventType != "pause" || second.CurrentTime != 3 || second.Duration != nil || second.ClientTime != nil ||
			second.PlaybackRate != 1.5 {
			t.Errorf("second event (no duration, client time or rate: the rate in force): %+v", second)
		}
		pr := progressOf(t, ta, a, a.ID, w.video)
		if pr.ResumePosition != 3 || pr.LastWatchedAt != nil || pr.Completed || pr.WatchedSeconds != 0 {
			t.Errorf("progress after a play and a pause: %+v", pr)
		}
		pr = player{t, ta, a, w.video}.watch(3, 23)
		if pr.ResumePosition != 23 || pr.LastWatchedAt == nil || pr.WatchedSeconds != 20 || pr.Completed {
			t.Errorf("progress after watching 3–23 s: %+v", pr)
		}
		stored, _ := json.Marshal(progressOf(t, ta, a, a.ID, w.video))
		if answered, _ := json.Marshal(pr); string(stored) != string(answered) {
			t.Errorf("stored progress %s, answered %s", stored, answered)
		}
	})
}
