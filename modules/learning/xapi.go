package learning

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// The xAPI video profile (https://w3id.org/xapi/video) and ADL verbs.
const (
	xapiVersion   = "1.0.3"
	xapiVideoType = "https://w3id.org/xapi/video/activity-type/video"
	xapiVideoCat  = "https://w3id.org/xapi/video"
	xapiExtTime   = "https://w3id.org/xapi/video/extensions/time"
	xapiExtTimeTo = "https://w3id.org/xapi/video/extensions/time-to"
	xapiExtLength = "https://w3id.org/xapi/video/extensions/length"
	xapiExtSpeed  = "https://w3id.org/xapi/video/extensions/speed"
)

var xapiVerbs = map[string][2]string{
	evPlay:       {"https://w3id.org/xapi/video/verbs/played", "played"},
	evPause:      {"https://w3id.org/xapi/video/verbs/paused", "paused"},
	evSeek:       {"https://w3id.org/xapi/video/verbs/seeked", "seeked"},
	evEnded:      {"http://adlnet.gov/expapi/verbs/completed", "completed"},
	evLeave:      {"http://adlnet.gov/expapi/verbs/terminated", "terminated"},
	evTimeupdate: {"http://adlnet.gov/expapi/verbs/interacted", "interacted"},
	evRatechange: {"http://adlnet.gov/expapi/verbs/interacted", "interacted"},
}

// xapiNamespace derives stable statement ids from event ids.
var xapiNamespace = uuid.MustParse("6f1c5a8e-3d5b-4c36-9a51-0e7f2b1c9d40")

// StatementResult is an xAPI statement result.
type StatementResult struct {
	Statements []Statement `json:"statements"`
	More       string      `json:"more" doc:"The next page's URL, or empty on the last page."`
}

// Statement is an xAPI 1.0.3 statement.
type Statement struct {
	ID        string         `json:"id" format:"uuid"`
	Actor     XAgent         `json:"actor"`
	Verb      XVerb          `json:"verb"`
	Object    XActivity      `json:"object"`
	Result    *XResult       `json:"result,omitempty"`
	Context   XContext       `json:"context"`
	Timestamp time.Time      `json:"timestamp"`
	Stored    time.Time      `json:"stored"`
	Version   string         `json:"version"`
	Authority map[string]any `json:"authority,omitempty"`
}

// XAgent is the learner, by account on this platform.
type XAgent struct {
	ObjectType string   `json:"objectType"`
	Account    XAccount `json:"account"`
}

// XAccount is an agent's account.
type XAccount struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// XVerb is a verb with its display.
type XVerb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

// XActivity is the video.
type XActivity struct {
	ObjectType string      `json:"objectType"`
	ID         string      `json:"id"`
	Definition XDefinition `json:"definition"`
}

// XDefinition is an activity's type.
type XDefinition struct {
	Type string `json:"type"`
}

// XResult carries the video profile's result extensions.
type XResult struct {
	Completion *bool          `json:"completion,omitempty"`
	Extensions map[string]any `json:"extensions"`
}

// XContext carries the profile category and context extensions.
type XContext struct {
	ContextActivities map[string][]XActivityRef `json:"contextActivities"`
	Extensions        map[string]any            `json:"extensions,omitempty"`
}

// XActivityRef is an activity named by id.
type XActivityRef struct {
	ID string `json:"id"`
}

// StatementQuery selects statements.
type StatementQuery struct {
	Since     *time.Time
	Cursor    int64 // the last event of the previous page (from More)
	Ascending bool
	Limit     int
}

// Statements returns p's watch log as xAPI statements, in stored order
// (newest first unless Ascending), and the query of the next page when
// there may be one.
func (s *service) Statements(ctx context.Context, p *authz.Principal, q StatementQuery) (StatementResult, *StatementQuery, error) {
	if p == nil {
		return StatementResult{}, nil, apperr.ErrAuthRequired
	}
	if err := s.authz.Check(p, objWatch, "read", authz.Self); err != nil {
		return StatementResult{}, nil, err
	}
	q.Limit = min(max(q.Limit, 1), 500)
	rows, err := s.st.userEvents(ctx, s.db.R, p.UserID, q.Since, q.Cursor, q.Ascending, q.Limit)
	if err != nil {
		return StatementResult{}, nil, err
	}
	out := StatementResult{Statements: make([]Statement, 0, len(rows))}
	for _, r := range rows {
		out.Statements = append(out.Statements, s.statement(r))
	}
	var next *StatementQuery
	if len(rows) == q.Limit {
		n := q
		n.Cursor = rows[len(rows)-1].ID
		next = &n
	}
	return out, next, nil
}

func (s *service) statement(r watchEventRow) Statement {
	v := xapiVerbs[r.EventType]
	st := Statement{
		ID:        uuid.NewSHA1(xapiNamespace, []byte(strconv.FormatInt(r.ID, 10))).String(),
		Actor:     XAgent{ObjectType: "Agent", Account: XAccount{HomePage: s.baseURL, Name: strconv.FormatInt(r.UserID, 10)}},
		Verb:      XVerb{ID: v[0], Display: map[string]string{"en-US": v[1]}},
		Object:    XActivity{ObjectType: "Activity", ID: s.baseURL + "/videos/" + strconv.FormatInt(r.VideoID, 10), Definition: XDefinition{Type: xapiVideoType}},
		Context:   XContext{ContextActivities: map[string][]XActivityRef{"category": {{ID: xapiVideoCat}}}},
		Timestamp: r.OccurredAt.UTC(), Stored: r.OccurredAt.UTC(), Version: xapiVersion,
	}
	pos := secs(r.PositionMS)
	ext := map[string]any{}
	switch r.EventType {
	case evSeek:
		ext[xapiExtTimeTo] = pos
	default:
		ext[xapiExtTime] = pos
	}
	if r.EventType == evEnded {
		done := true
		st.Result = &XResult{Completion: &done, Extensions: ext}
	} else {
		st.Result = &XResult{Extensions: ext}
	}
	cext := map[string]any{xapiExtSpeed: strconv.FormatFloat(float64(r.RateMilli)/1000, 'f', -1, 64) + "x"}
	if r.DurationMS != nil {
		cext[xapiExtLength] = secs(*r.DurationMS)
	}
	st.Context.Extensions = cext
	return st
}
