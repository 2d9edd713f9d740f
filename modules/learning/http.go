package learning

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

var tags = []string{"Learning"}

// private marks a response with personal data: no cache may keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

// VideoPath names a user's watching of a video (exported: huma fills the
// fields of embedded structs only when their type is exported).
type VideoPath struct {
	UserID  int64 `path:"user_id" minimum:"1" doc:"The user whose watching it is: the caller (admins may read anyone's)."`
	VideoID int64 `path:"video_id" minimum:"1"`
}

type eventInput struct {
	VideoPath
	Body EventInput
}

type eventOutput struct {
	Body struct {
		Event    Event    `json:"event"`
		Progress Progress `json:"progress"`
	}
}

type batchInput struct {
	VideoPath
	Body struct {
		Events []EventInput `json:"events" minItems:"1" maxItems:"500" doc:"In the order the player saw them, each with client_time."`
	}
}

type batchOutput struct {
	Body struct {
		Events   []Event  `json:"events"`
		Progress Progress `json:"progress"`
	}
}

type historyInput struct {
	VideoPath
	httpx.PageParams
}

type historyOutput struct{ Body httpx.Page[Event] }

// HistoryItem names one event of a watch log.
type HistoryItem struct {
	VideoPath
	EventID int64 `path:"event_id" minimum:"1"`
}

type historyPutInput struct {
	HistoryItem
	Body struct {
		EventType    string     `json:"event_type" enum:"play,pause,seek,timeupdate,ratechange,ended,leave"`
		CurrentTime  float64    `json:"current_time" minimum:"0" maximum:"360000"`
		PlaybackRate float64    `json:"playback_rate" minimum:"0.0625" maximum:"16"`
		OccurredAt   *time.Time `json:"occurred_at,omitempty" doc:"On the server's clock (unchanged when absent)."`
	}
}

type historyPatchInput struct {
	HistoryItem
	Body EventPatch
}

type historyItemOutput struct{ Body Event }

type progressOutput struct{ Body Progress }

type myCoursesOutput struct {
	Body struct {
		Results []CourseProgress `json:"results"`
	}
}

type courseIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type courseProgressOutput struct{ Body *CourseProgress }

type topicReadInput struct {
	ID      int64 `path:"id" minimum:"1"`
	TopicID int64 `path:"topic_id" minimum:"1"`
}

type enrollmentsInput struct {
	ID int64 `path:"id" minimum:"1"`
	httpx.PageParams
}

type enrollmentsOutput struct{ Body httpx.Page[Enrollment] }

type grantInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body ManualGrant
}

type enrollmentOutput struct{ Body Enrollment }

type revokeInput struct {
	ID           int64 `path:"id" minimum:"1"`
	EnrollmentID int64 `path:"enrollment_id" minimum:"1"`
	Body         struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why (kept with the enrollment)."`
	}
}

type xapiInput struct {
	Since     time.Time `query:"since" doc:"Only statements of events placed after this time."`
	Ascending bool      `query:"ascending" doc:"Oldest first (default: newest first)."`
	Cursor    int64     `query:"cursor" minimum:"0" doc:"Where the previous page ended (from more)."`
	Limit     int       `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type xapiOutput struct{ Body StatementResult }

func (m *Module) routes(api huma.API) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{private, httpx.Authenticated(api)}
	const base = "/api/user/{user_id}/video/{video_id}"

	huma.Register(api, huma.Operation{
		OperationID: "record-watch-event", Method: http.MethodPost, Path: base + "/event-occur",
		Summary: "Record a player event (heartbeat)", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusCreated, Errors: []int{401, 403, 404, 409, 422},
		Description: "Only the user themself records their watching, whatever their role (another user's path: 403, nothing stored). " +
			"A position outside the video is refused (422). A stretch longer than the wall-clock time since the last event " +
			"allows at the playback rate (25% and 1.5 s tolerance) is stored but not counted.",
	}, func(ctx context.Context, in *eventInput) (*eventOutput, error) {
		evs, pr, err := s.Record(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID, []EventInput{in.Body}, false)
		if err != nil {
			return nil, err
		}
		out := &eventOutput{}
		out.Body.Event, out.Body.Progress = evs[0], pr
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "record-watch-events", Method: http.MethodPost, Path: base + "/events",
		Summary: "Record a batch of player events", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusCreated, Errors: []int{401, 403, 404, 409, 422},
		Description: "For players that buffer: all events are stored, or none when one is invalid. Client times only space " +
			"the events; the server's clock places the last one now, and none before the previous report.",
	}, func(ctx context.Context, in *batchInput) (*batchOutput, error) {
		evs, pr, err := s.Record(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID, in.Body.Events, true)
		if err != nil {
			return nil, err
		}
		out := &batchOutput{}
		out.Body.Events, out.Body.Progress = evs, pr
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "watch-history", Method: http.MethodGet, Path: base + "/history",
		Summary: "A user's events in a video", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 403},
	}, func(ctx context.Context, in *historyInput) (*historyOutput, error) {
		evs, n, err := s.History(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID, in.Limit(), in.Offset())
		if err != nil {
			return nil, err
		}
		return &historyOutput{httpx.NewPage(ctx, in.PageParams, n, evs)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-watch-event", Method: http.MethodGet, Path: base + "/history/{event_id}",
		Summary: "One event (admins)", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404},
	}, func(ctx context.Context, in *HistoryItem) (*historyItemOutput, error) {
		e, err := s.HistoryEvent(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID, in.EventID)
		return &historyItemOutput{e}, err
	})
	correct := func(ctx context.Context, in HistoryItem, patch *EventPatch) (*historyItemOutput, error) {
		e, err := s.CorrectEvent(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID, in.EventID, patch)
		if err != nil {
			return nil, err
		}
		return &historyItemOutput{*e}, nil
	}
	const correctDoc = "The user's progress in the video is folded again from the corrected log; topics already completed stay completed."
	huma.Register(api, huma.Operation{
		OperationID: "replace-watch-event", Method: http.MethodPut, Path: base + "/history/{event_id}",
		Summary: "Correct an event (admins)", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 403, 404, 422}, Description: correctDoc,
	}, func(ctx context.Context, in *historyPutInput) (*historyItemOutput, error) {
		b := in.Body
		return correct(ctx, in.HistoryItem, &EventPatch{EventType: &b.EventType, CurrentTime: &b.CurrentTime,
			PlaybackRate: &b.PlaybackRate, OccurredAt: b.OccurredAt})
	})
	huma.Register(api, huma.Operation{
		OperationID: "patch-watch-event", Method: http.MethodPatch, Path: base + "/history/{event_id}",
		Summary: "Correct part of an event (admins)", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 403, 404, 422}, Description: correctDoc,
	}, func(ctx context.Context, in *historyPatchInput) (*historyItemOutput, error) {
		return correct(ctx, in.HistoryItem, &in.Body)
	})
	huma.Register(api, huma.Operation{
		OperationID: "delete-watch-event", Method: http.MethodDelete, Path: base + "/history/{event_id}",
		Summary: "Delete an event (admins)", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404}, Description: correctDoc,
	}, func(ctx context.Context, in *HistoryItem) (*struct{}, error) {
		_, err := s.CorrectEvent(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID, in.EventID, nil)
		return nil, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "watch-progress", Method: http.MethodGet, Path: base + "/progress",
		Summary: "A user's progress in a video", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 403, 404},
	}, func(ctx context.Context, in *VideoPath) (*progressOutput, error) {
		pr, err := s.VideoProgress(ctx, authz.PrincipalFrom(ctx), in.UserID, in.VideoID)
		return &progressOutput{pr}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "my-courses", Method: http.MethodGet, Path: "/api/me/courses",
		Summary: "My courses with progress and access", Tags: tags, Security: bearer, Middlewares: authed,
		Errors:      []int{401},
		Description: "Every course I was enrolled in or started, most recent first; expired access keeps its history.",
	}, func(ctx context.Context, _ *struct{}) (*myCoursesOutput, error) {
		list, err := s.MyCourses(ctx, authz.PrincipalFrom(ctx))
		if err != nil {
			return nil, err
		}
		out := &myCoursesOutput{}
		out.Body.Results = list
		if out.Body.Results == nil {
			out.Body.Results = []CourseProgress{}
		}
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "my-course-progress", Method: http.MethodGet, Path: "/api/me/courses/{id}/progress",
		Summary: "My progress in a course, topic by topic", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 404},
	}, func(ctx context.Context, in *courseIDInput) (*courseProgressOutput, error) {
		cp, err := s.Progress(ctx, authz.PrincipalFrom(ctx), in.ID)
		return &courseProgressOutput{cp}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "enroll-free", Method: http.MethodPost, Path: "/api/me/courses/{id}/enroll",
		Summary: "Enroll in a free course", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusNoContent, Errors: []int{401, 404, 409},
		Description: "Published courses priced 0 only (409 otherwise); enrolling again changes nothing.",
	}, func(ctx context.Context, in *courseIDInput) (*struct{}, error) {
		return nil, s.EnrollFree(ctx, authz.PrincipalFrom(ctx), in.ID)
	})
	huma.Register(api, huma.Operation{
		OperationID: "mark-topic-read", Method: http.MethodPost, Path: "/api/me/courses/{id}/topics/{topic_id}/read",
		Summary: "Mark an article topic read", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404, 409},
		Description: "Article topics I may view (403 when locked); other kinds complete by their own rule (409).",
	}, func(ctx context.Context, in *topicReadInput) (*struct{}, error) {
		return nil, s.MarkRead(ctx, authz.PrincipalFrom(ctx), in.ID, in.TopicID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-enrollments", Method: http.MethodGet, Path: "/api/courses/{id}/enrollments",
		Summary: "A course's enrollments (its tutor, admins)", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 404},
	}, func(ctx context.Context, in *enrollmentsInput) (*enrollmentsOutput, error) {
		list, n, err := s.CourseEnrollments(ctx, authz.PrincipalFrom(ctx), in.ID, in.Limit(), in.Offset())
		if err != nil {
			return nil, err
		}
		return &enrollmentsOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "grant-enrollment", Method: http.MethodPost, Path: "/api/courses/{id}/enrollments",
		Summary: "Grant a learner access (its tutor, admins)", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusCreated, Errors: []int{401, 404, 422},
		Description: "By user_id or email, with a reason; granting again renews the hand-made grant.",
	}, func(ctx context.Context, in *grantInput) (*enrollmentOutput, error) {
		e, err := s.GrantByHand(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body)
		return &enrollmentOutput{e}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "revoke-enrollment", Method: http.MethodPost, Path: "/api/courses/{id}/enrollments/{enrollment_id}/revoke",
		Summary: "Revoke an enrollment (its tutor, admins)", Tags: tags, Security: bearer, Middlewares: authed,
		Errors:      []int{401, 404, 422},
		Description: "With a reason. History, progress and certificates stay; revoking again changes nothing.",
	}, func(ctx context.Context, in *revokeInput) (*enrollmentOutput, error) {
		e, err := s.RevokeByHand(ctx, authz.PrincipalFrom(ctx), in.ID, in.EnrollmentID, in.Body.Reason)
		return &enrollmentOutput{e}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "my-xapi-statements", Method: http.MethodGet, Path: "/api/me/xapi/statements",
		Summary: "My watch log as xAPI statements", Tags: tags, Security: bearer, Middlewares: authed,
		Errors:      []int{401},
		Description: "xAPI 1.0.3 statements (video profile verbs: played, paused, seeked, completed, terminated, interacted), newest first.",
	}, func(ctx context.Context, in *xapiInput) (*xapiOutput, error) {
		q := StatementQuery{Cursor: in.Cursor, Ascending: in.Ascending, Limit: in.Limit}
		if !in.Since.IsZero() {
			q.Since = &in.Since
		}
		res, next, err := s.Statements(ctx, authz.PrincipalFrom(ctx), q)
		if next != nil {
			v := url.Values{"cursor": {strconv.FormatInt(next.Cursor, 10)}, "limit": {strconv.Itoa(next.Limit)}}
			if next.Ascending {
				v.Set("ascending", "true")
			}
			if next.Since != nil {
				v.Set("since", next.Since.UTC().Format(time.RFC3339Nano))
			}
			res.More = "/api/me/xapi/statements?" + v.Encode()
		}
		return &xapiOutput{res}, err
	})
}
