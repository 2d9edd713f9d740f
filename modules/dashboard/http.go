package dashboard

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

var tags = []string{"Dashboards"}

// private marks a response with personal or business data: no cache may
// keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

type reportOutput struct{ Body *Report }

type myOutput struct{ Body *MyDashboard }

func (m *Module) routes(api huma.API) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	huma.Register(api, huma.Operation{OperationID: "get-admin-dashboard", Method: http.MethodGet,
		Path: "/api/admin/dashboard", Tags: tags, Security: bearer, Summary: "The platform's dashboard (admins)",
		Errors:      []int{401, 403, 422},
		Middlewares: huma.Middlewares{private, httpx.Require(api, m.svc.authz, objPlatform, actView)},
		Description: "Users active now (seen in the last 5 minutes) and today, monthly active users, sign-ups, " +
			"revenue and refunds by day, recent payments, enrollments, completion and drop-off per course, mission " +
			"pass rates, video engagement and the assistant's use, over a range of days (the last 30 by default; at " +
			"most 366) in the dashboards' time zone. Numbers are gathered every minute (`rolled_up_at`); active " +
			"users are live."},
		func(ctx context.Context, in *RangeQuery) (*reportOutput, error) {
			r, err := s.AdminReport(ctx, authz.PrincipalFrom(ctx), *in)
			return &reportOutput{r}, err
		})
	huma.Register(api, huma.Operation{OperationID: "get-tutor-dashboard", Method: http.MethodGet,
		Path: "/api/tutor/dashboard", Tags: tags, Security: bearer, Summary: "My courses' dashboard (tutors)",
		Errors:      []int{401, 403, 422},
		Middlewares: huma.Middlewares{private, httpx.Require(api, m.svc.authz, objTeaching, actView)},
		Description: "The admin dashboard's numbers for the caller's own courses only (revenue is their courses' " +
			"share of payments; no platform-wide user counts), and their learners' progress, the most recently " +
			"active first."},
		func(ctx context.Context, in *RangeQuery) (*reportOutput, error) {
			r, err := s.TutorReport(ctx, authz.PrincipalFrom(ctx), *in)
			return &reportOutput{r}, err
		})
	huma.Register(api, huma.Operation{OperationID: "get-my-dashboard", Method: http.MethodGet,
		Path: "/api/me/dashboard", Tags: tags, Security: bearer, Summary: "My learning dashboard",
		Errors: []int{401}, Middlewares: huma.Middlewares{private, httpx.Authenticated(api)},
		Description: "Progress per course and where to continue, midterm and final mission status and scores, " +
			"watching time per week (the last 12), certificates and when access ends."},
		func(ctx context.Context, _ *struct{}) (*myOutput, error) {
			d, err := s.Mine(ctx, authz.PrincipalFrom(ctx))
			return &myOutput{d}, err
		})
}
