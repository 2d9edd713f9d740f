package assessment

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

var tags = []string{"Missions"}

// private marks a response with personal data: no cache may keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

type topicInput struct {
	ID int64 `path:"id" minimum:"1" doc:"The quiz's or assignment's topic."`
}

type quizOutput struct{ Body *Quiz }

type attemptInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body AttemptInput
}

type attemptOutput struct{ Body *Attempt }

type assignmentOutput struct{ Body *MissionAssignment }

type submitInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body SubmissionInput
}

type submitOutput struct {
	Status int
	Body   *Submission
}

type listInput struct {
	TopicID int64 `query:"topic_id" minimum:"0" doc:"Only this topic's."`
	httpx.PageParams
}

type submissionsOutput struct{ Body httpx.Page[Submission] }

type attemptsOutput struct{ Body httpx.Page[Attempt] }

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type submissionOutput struct{ Body *Submission }

func (m *Module) routes(api huma.API) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{private, httpx.Authenticated(api)}

	huma.Register(api, huma.Operation{
		OperationID: "get-quiz", Method: http.MethodGet, Path: "/api/topics/{id}/quiz",
		Summary: "A quiz to take", Tags: tags, Middlewares: huma.Middlewares{private}, Errors: []int{401, 403, 404},
		Description: "Questions with their five choices, shuffled for the caller's next attempt (the same order until it is " +
			"submitted); never the answers. A premium quiz needs access to the course (403 `assessment.locked`; 401 for visitors).",
	}, func(ctx context.Context, in *topicInput) (*quizOutput, error) {
		q, _, err := s.Quiz(ctx, authz.PrincipalFrom(ctx), in.ID)
		return &quizOutput{q}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "submit-quiz-attempt", Method: http.MethodPost, Path: "/api/topics/{id}/quiz/attempts",
		Summary: "Answer a quiz", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusCreated, Errors: []int{401, 403, 404, 409, 422},
		Description: "Graded at once: the score, pass or fail against the quiz's pass score, and per question whether the " +
			"answer was right, with its explanation (the correct choice is not named). Unanswered questions count as wrong. " +
			"Sending the attempt number the quiz was loaded for makes a repeated submission a 409 `assessment.attempt_taken`.",
	}, func(ctx context.Context, in *attemptInput) (*attemptOutput, error) {
		a, err := s.SubmitAttempt(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body)
		return &attemptOutput{a}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-assignment", Method: http.MethodGet, Path: "/api/topics/{id}/assignment",
		Summary: "An assignment to solve", Tags: tags, Middlewares: huma.Middlewares{private}, Errors: []int{401, 403, 404},
		Description: "The prompt, language (the grader), starter code and visible tests; hidden tests are only counted.",
	}, func(ctx context.Context, in *topicInput) (*assignmentOutput, error) {
		a, _, err := s.Assignment(ctx, authz.PrincipalFrom(ctx), in.ID)
		return &assignmentOutput{a}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "submit-assignment", Method: http.MethodPost, Path: "/api/topics/{id}/assignment/submissions",
		Summary: "Submit code for grading", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusCreated, Errors: []int{401, 403, 404, 409, 422, 429, 503},
		Responses: map[string]*huma.Response{"202": {Description: "Stored; grading goes on off the request (status queued or running).",
			Content: map[string]*huma.MediaType{"application/json": {
				Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(Submission{}), true, "Submission")}}}},
		Description: "Graded by the assignment's grader in a sandboxed child process with time and memory limits. 201 with " +
			"the result when grading finished within the request; 202 with `status: queued` when it goes on off the request " +
			"(poll `GET /api/me/submissions/{id}`). Hidden tests say only whether they passed. At most " +
			"`max_code_bytes` of code, and a few submissions a minute (429 with Retry-After).",
	}, func(ctx context.Context, in *submitInput) (*submitOutput, error) {
		sub, err := s.Submit(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body)
		if err != nil {
			return nil, err
		}
		out := &submitOutput{Status: http.StatusCreated, Body: sub}
		if !sub.Done() {
			out.Status = http.StatusAccepted
		}
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "my-submissions", Method: http.MethodGet, Path: "/api/me/submissions",
		Summary: "My code submissions", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 422},
		Description: "Newest first, without their code.",
	}, func(ctx context.Context, in *listInput) (*submissionsOutput, error) {
		list, n, err := s.MySubmissions(ctx, authz.PrincipalFrom(ctx), in.TopicID, in.Limit(), in.Offset())
		if err != nil {
			return nil, err
		}
		return &submissionsOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "my-submission", Method: http.MethodGet, Path: "/api/me/submissions/{id}",
		Summary: "One of my submissions, as grading stands", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 404},
	}, func(ctx context.Context, in *idInput) (*submissionOutput, error) {
		sub, err := s.MySubmission(ctx, authz.PrincipalFrom(ctx), in.ID)
		return &submissionOutput{sub}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "my-quiz-attempts", Method: http.MethodGet, Path: "/api/me/quiz-attempts",
		Summary: "My quiz attempts", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 422},
		Description: "Newest first, with each question's result but not its explanation (see one attempt).",
	}, func(ctx context.Context, in *listInput) (*attemptsOutput, error) {
		list, n, err := s.MyAttempts(ctx, authz.PrincipalFrom(ctx), in.TopicID, in.Limit(), in.Offset())
		if err != nil {
			return nil, err
		}
		return &attemptsOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "my-quiz-attempt", Method: http.MethodGet, Path: "/api/me/quiz-attempts/{id}",
		Summary: "One of my quiz attempts, with the explanations", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 404},
	}, func(ctx context.Context, in *idInput) (*attemptOutput, error) {
		a, err := s.MyAttempt(ctx, authz.PrincipalFrom(ctx), in.ID)
		return &attemptOutput{a}, err
	})
}
