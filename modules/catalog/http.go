package catalog

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

var tags = []string{"Catalog"}

type courseListInput struct {
	httpx.PageParams
	Search     string `query:"search" maxLength:"100" doc:"Words of the title or descriptions, a tag, or a category's name (Korean or English), ignoring case. Without an ordering the best matches come first: in the title, then the short description, then by tag or category, then in the description."`
	Category   string `query:"category" doc:"One of the categories (see CourseInput)."`
	SkillLevel string `query:"skill_level"`
	PriceLevel string `query:"price_level" enum:"free,paid," doc:"free: price 0; paid: price above 0."`
	MinPrice   int64  `query:"min_price" minimum:"0" doc:"KRW."`
	MaxPrice   int64  `query:"max_price" minimum:"0" doc:"KRW (0: no maximum)."`
	Curriculum string `query:"curriculum" maxLength:"64" doc:"A curriculum id or slug."`
	Ordering   string `query:"ordering" enum:"created_at,-created_at,price,-price,title,-title,position,"`
	Mine       bool   `query:"mine" doc:"The caller's own courses, drafts included."`
}

type courseListOutput struct{ Body httpx.Page[CourseSummary] }
type courseOutput struct {
	ETag string `header:"ETag" doc:"The course's version, for If-Match on PUT and PATCH."`
	Body *CourseDetail
}

// out is the response of a course (its ETag with it).
func courseOut(d *CourseDetail, err error) (*courseOutput, error) {
	if err != nil {
		return nil, err
	}
	return &courseOutput{ETag: ETag(d.ID, d.Version), Body: d}, nil
}

type checklistOutput struct {
	Body struct {
		Version  int64           `json:"version"`
		Ready    bool            `json:"ready" doc:"Whether the course may be published."`
		Problems []ChecklistItem `json:"problems"`
	}
}
type courseIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}
type courseCreateInput struct{ Body CourseInput }
type courseReplaceInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" doc:"The ETag of the version edited: a course saved since is not overwritten (412)."`
	Body    CourseInput
}
type coursePatchInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" doc:"The ETag of the version edited: a course saved since is not overwritten (412)."`
	Body    CoursePatch
}

type curriculumListInput struct {
	httpx.PageParams
	Search     string `query:"search" maxLength:"100"`
	Category   string `query:"category"`
	SkillLevel string `query:"skill_level"`
	Ordering   string `query:"ordering" enum:"created_at,-created_at,price,-price,title,"`
}
type curriculumListOutput struct{ Body httpx.Page[CurriculumSummary] }
type curriculumOutput struct{ Body *CurriculumDetail }
type curriculumRefInput struct {
	Ref string `path:"id" maxLength:"64" doc:"The curriculum's id (or slug)."`
}
type curriculumBody struct {
	CurriculumInput
	CourseIDs []int64 `json:"course_ids,omitempty" doc:"The curriculum's courses, in roadmap order (none when absent)."`
}
type curriculumCreateInput struct{ Body curriculumBody }
type curriculumReplaceInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body curriculumBody
}
type curriculumPatchInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body CurriculumPatch
}
type roadmapInput struct {
	Curriculum string `query:"curriculum" maxLength:"64" doc:"A curriculum id or slug (default: the featured one)."`
}
type roadmapOutput struct{ Body *Roadmap }

// publishDoc says what publishing a course needs.
const publishDoc = "Drafts may be incomplete; a change that publishes a course is refused (422 catalog.not_ready) " +
	"while content is missing or a video topic has no processed video (see the checklist). Send If-Match with " +
	"the ETag of the version edited: a course saved since is not overwritten (412 catalog.stale)."

func (m *Module) routes(api huma.API) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{httpx.Authenticated(api)}

	huma.Register(api, huma.Operation{
		OperationID: "list-courses", Method: http.MethodGet, Path: "/api/courses", Summary: "List published courses", Tags: tags,
	}, func(ctx context.Context, in *courseListInput) (*courseListOutput, error) {
		f := courseFilter{Search: in.Search, Category: in.Category, SkillLevel: in.SkillLevel, PriceLevel: in.PriceLevel,
			Curriculum: in.Curriculum, Ordering: in.Ordering, Mine: in.Mine, Limit: in.Limit(), Offset: in.Offset()}
		if in.MinPrice > 0 {
			f.MinPrice = &in.MinPrice
		}
		if in.MaxPrice > 0 {
			f.MaxPrice = &in.MaxPrice
		}
		items, count, err := s.ListCourses(ctx, authz.PrincipalFrom(ctx), f)
		if err != nil {
			return nil, err
		}
		return &courseListOutput{httpx.NewPage(ctx, in.PageParams, count, items)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "create-course", Method: http.MethodPost, Path: "/api/courses", Summary: "Create a course with its outline",
		Tags: tags, Security: bearer, DefaultStatus: http.StatusCreated, Errors: []int{401, 403, 409, 422},
		Middlewares: huma.Middlewares{httpx.Require(api, m.authz, "catalog.course", "create")},
		Description: "Lectures, topics, quiz questions (five choices, one correct) and assignments in one transaction.",
	}, func(ctx context.Context, in *courseCreateInput) (*courseOutput, error) {
		return courseOut(s.CreateCourse(ctx, authz.PrincipalFrom(ctx), in.Body))
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-course", Method: http.MethodGet, Path: "/api/courses/{id}", Summary: "A course with its outline",
		Tags: tags, Errors: []int{404},
		Description: "Premium topics' content only for entitled callers; answers and hidden tests only for the author and admins.",
	}, func(ctx context.Context, in *courseIDInput) (*courseOutput, error) {
		return courseOut(s.Course(ctx, authz.PrincipalFrom(ctx), in.ID))
	})
	huma.Register(api, huma.Operation{
		OperationID: "replace-course", Method: http.MethodPut, Path: "/api/courses/{id}", Summary: "Replace a course and its outline",
		Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404, 409, 412, 422},
		Description: "Lectures and topics named by id (or by slug) keep their ids, so media, progress and submissions survive; the others are soft-deleted. " + publishDoc,
	}, func(ctx context.Context, in *courseReplaceInput) (*courseOutput, error) {
		return courseOut(s.ReplaceCourse(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body, IfMatch(in.IfMatch, in.ID)))
	})
	huma.Register(api, huma.Operation{
		OperationID: "patch-course", Method: http.MethodPatch, Path: "/api/courses/{id}", Summary: "Change part of a course",
		Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404, 409, 412, 422},
		Description: "Only the fields sent change; `lectures`, when sent, replaces the outline as PUT does. " + publishDoc,
	}, func(ctx context.Context, in *coursePatchInput) (*courseOutput, error) {
		return courseOut(s.PatchCourse(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body, IfMatch(in.IfMatch, in.ID)))
	})
	huma.Register(api, huma.Operation{
		OperationID: "course-checklist", Method: http.MethodGet, Path: "/api/courses/{id}/checklist", Summary: "What keeps a course from being published",
		Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404},
		Description: "For those who may edit the course: content not written yet and video topics without a processed video.",
	}, func(ctx context.Context, in *courseIDInput) (*checklistOutput, error) {
		p := authz.PrincipalFrom(ctx)
		d, err := s.CourseToEdit(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		items, err := s.Checklist(ctx, d)
		if err != nil {
			return nil, err
		}
		for i := range items {
			items[i].Message = m.trCtx(ctx, items[i].Code)
		}
		out := &checklistOutput{}
		out.Body.Version, out.Body.Ready, out.Body.Problems = d.Version, len(items) == 0, items
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "delete-course", Method: http.MethodDelete, Path: "/api/courses/{id}", Summary: "Delete a course (soft)",
		Tags: tags, Security: bearer, Middlewares: authed, DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404},
	}, func(ctx context.Context, in *courseIDInput) (*struct{}, error) {
		return nil, s.DeleteCourse(ctx, authz.PrincipalFrom(ctx), in.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-curriculums", Method: http.MethodGet, Path: "/api/curriculums", Summary: "List published curriculums", Tags: tags,
	}, func(ctx context.Context, in *curriculumListInput) (*curriculumListOutput, error) {
		items, count, err := s.ListCurriculums(ctx, curriculumFilter{Search: in.Search, Category: in.Category,
			SkillLevel: in.SkillLevel, Ordering: in.Ordering, Limit: in.Limit(), Offset: in.Offset()})
		if err != nil {
			return nil, err
		}
		return &curriculumListOutput{httpx.NewPage(ctx, in.PageParams, count, items)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "create-curriculum", Method: http.MethodPost, Path: "/api/curriculums", Summary: "Create a curriculum",
		Tags: tags, Security: bearer, DefaultStatus: http.StatusCreated, Errors: []int{401, 403, 409, 422},
		Middlewares: huma.Middlewares{httpx.Require(api, m.authz, "catalog.curriculum", "create")},
	}, func(ctx context.Context, in *curriculumCreateInput) (*curriculumOutput, error) {
		d, err := s.SaveCurriculum(ctx, authz.PrincipalFrom(ctx), 0, in.Body.CurriculumInput, in.Body.CourseIDs)
		return &curriculumOutput{d}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-curriculum", Method: http.MethodGet, Path: "/api/curriculums/{id}", Summary: "A curriculum with its courses",
		Tags: tags, Errors: []int{404},
	}, func(ctx context.Context, in *curriculumRefInput) (*curriculumOutput, error) {
		d, err := s.Curriculum(ctx, authz.PrincipalFrom(ctx), in.Ref)
		return &curriculumOutput{d}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "replace-curriculum", Method: http.MethodPut, Path: "/api/curriculums/{id}", Summary: "Replace a curriculum",
		Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404, 409, 422},
	}, func(ctx context.Context, in *curriculumReplaceInput) (*curriculumOutput, error) {
		d, err := s.SaveCurriculum(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body.CurriculumInput, in.Body.CourseIDs)
		return &curriculumOutput{d}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "patch-curriculum", Method: http.MethodPatch, Path: "/api/curriculums/{id}", Summary: "Change part of a curriculum",
		Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404, 409, 422},
	}, func(ctx context.Context, in *curriculumPatchInput) (*curriculumOutput, error) {
		d, err := s.PatchCurriculum(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body)
		return &curriculumOutput{d}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "delete-curriculum", Method: http.MethodDelete, Path: "/api/curriculums/{id}", Summary: "Delete a curriculum (soft)",
		Tags: tags, Security: bearer, Middlewares: authed, DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404},
	}, func(ctx context.Context, in *courseIDInput) (*struct{}, error) {
		return nil, s.DeleteCurriculum(ctx, authz.PrincipalFrom(ctx), in.ID)
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-roadmap", Method: http.MethodGet, Path: "/api/roadmap", Summary: "The curriculum's courses in order, with my status",
		Tags: tags, Errors: []int{404},
		Description: "Each course carries the caller's status (locked, owned, in_progress, completed, expired) when signed in.",
	}, func(ctx context.Context, in *roadmapInput) (*roadmapOutput, error) {
		r, err := s.Roadmap(ctx, authz.PrincipalFrom(ctx), in.Curriculum)
		return &roadmapOutput{r}, err
	})

	completeSchemas(api, m.svc.kinds)
}
