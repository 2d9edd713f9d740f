package app

import (
	"context"

	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/modules/catalog"
)

// sandboxGrader adapts the sandboxed graders (modules/assessment/grader)
// to what the assessment module asks of a grader.
type sandboxGrader struct{ svc *grader.Service }

func (g sandboxGrader) Available(name string) bool { return g.svc.Has(name) }

func (g sandboxGrader) Grade(ctx context.Context, key *catalog.AssignmentKey, code string) (assessment.Outcome, error) {
	res, err := g.svc.Grade(ctx, grader.TaskFrom(key), code)
	if err != nil {
		return assessment.Outcome{}, err
	}
	out := assessment.Outcome{Score: res.Score, Verdict: res.Verdict, Message: res.Message, Code: res.Code, Args: res.Args,
		Tests: make([]assessment.TestOutcome, len(res.Tests))}
	for i, t := range res.Tests {
		out.Tests[i] = assessment.TestOutcome{Name: t.Name, Hidden: t.Hidden, Passed: t.Passed, Message: t.Message,
			Code: t.Code, Args: t.Args}
		if !t.Passed {
			out.Tests[i].Output = t.Output
		}
	}
	return out, nil
}
