package app

import (
	"context"
	"log/slog"

	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/i18n"
)

// newGrading builds the service that grades code (learners' submissions,
// and authors' "run the tests against my solution" in the studio). It runs
// each grading in a child process of this binary: the hidden `grade`
// command, see grader.ChildMain.
func newGrading(cfg *config.Config, log *slog.Logger) (*grader.Service, error) {
	g := cfg.Grading
	return grader.New(grader.Config{
		Limits:      grader.Limits{Wall: g.Timeout, Memory: g.MemoryLimit, MaxCode: g.MaxCodeBytes},
		Concurrency: g.Concurrency,
		External:    grader.External{URL: g.External.URL, Token: g.External.Token, Languages: g.External.Languages},
		Logger:      log,
	})
}

// graderRun lets the studio run an assignment's tests against code through
// the grading service (catalog.Grader.Run), each test's message in the
// request's language (the assessment module's grader.*.toml, in words).
func graderRun(svc *grader.Service, words *i18n.Bundle) func(context.Context, *catalog.AssignmentInput, string) ([]catalog.TestOutcome, error) {
	return func(ctx context.Context, a *catalog.AssignmentInput, code string) ([]catalog.TestOutcome, error) {
		t := grader.Task{Grader: a.Grader, Function: a.Function, Schema: a.Schema, Ordered: a.Ordered,
			Tests: grader.TestsFrom(a.Tests)}
		r, err := svc.Grade(ctx, t, code)
		if err != nil {
			return nil, err
		}
		out := make([]catalog.TestOutcome, len(r.Tests))
		for i, tr := range r.Tests {
			msg := tr.Message
			if tr.Code != "" && words != nil && words.Has(tr.Code) {
				msg = words.T(i18n.LangFrom(ctx), tr.Code, tr.Args)
			}
			out[i] = catalog.TestOutcome{Name: tr.Name, Passed: tr.Passed, Message: msg}
		}
		return out, nil
	}
}

// externalGrader is a language of the external grading service, offered
// to assignments as a grader of its own: each test's setup is the
// program's input, its expect the output (a string, or JSON).
func externalGrader(name string, svc *grader.Service, words *i18n.Bundle) catalog.Grader {
	return catalog.Grader{Name: name, Run: graderRun(svc, words),
		Validate: func(*catalog.AssignmentInput) []apperr.FieldError { return nil }}
}
