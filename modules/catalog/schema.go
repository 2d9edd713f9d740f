package catalog

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The OpenAPI document says what the validators accept, from the same Go
// declarations (Categories, SkillLevels, Statuses, Missions, SlugPattern,
// the registered kinds and graders): a value outside a list, or a slug
// that breaks the rule, is refused by the schema as by the service, and the
// document cannot drift from the code. Struct tags cannot name Go values,
// so the schemas are completed here, once the operations are registered;
// huma validates requests against these same schema objects.

var (
	courseInputTypes = []reflect.Type{reflect.TypeFor[CourseInput](), reflect.TypeFor[CoursePatch]()}
	curriculumTypes  = []reflect.Type{reflect.TypeFor[curriculumBody](), reflect.TypeFor[CurriculumPatch]()}
	// Responses carry validated values: their schemas list them too.
	summaryTypes = []reflect.Type{reflect.TypeFor[CourseSummary](), reflect.TypeFor[CourseDetail](),
		reflect.TypeFor[CurriculumSummary](), reflect.TypeFor[CurriculumDetail](), reflect.TypeFor[RoadmapItem]()}
)

// roadmapStatuses are a learner's statuses on the roadmap.
var roadmapStatuses = []string{string(StatusLocked), string(StatusOwned), string(StatusInProgress),
	string(StatusCompleted), string(StatusExpired)}

// optionalSlugPattern is SlugPattern or the empty string, which a request
// may give for "derive it" (or, in a change, "keep it").
var optionalSlugPattern = "^(" + strings.TrimSuffix(strings.TrimPrefix(SlugPattern, "^"), "$") + ")?$"

// completeSchemas puts the catalog's enumerations and rules into the
// schemas of its operations.
func completeSchemas(api huma.API, kinds *Kinds) {
	all := append(append(append([]reflect.Type{}, courseInputTypes...), curriculumTypes...), summaryTypes...)
	constrain(api, all, "category", enumOf(Categories))
	constrain(api, all, "skill_level", enumOf(SkillLevels))
	constrain(api, append(append([]reflect.Type{}, courseInputTypes...), curriculumTypes...), "status", enumOf(Statuses))
	constrain(api, summaryTypes[:4], "status", enumOf(Statuses))
	constrain(api, summaryTypes[4:], "status", enumOf(roadmapStatuses))
	constrain(api, []reflect.Type{reflect.TypeFor[TopicInput](), reflect.TypeFor[Topic]()}, "mission", enumOf(Missions))
	constrain(api, []reflect.Type{reflect.TypeFor[TopicInput](), reflect.TypeFor[Topic]()}, "type", enumOf(kinds.Names()))
	constrain(api, []reflect.Type{reflect.TypeFor[AssignmentInput]()}, "grader", enumOf(kinds.Graders()))
	slugRule := func(s *huma.Schema) {
		s.Pattern, s.PatternDescription = optionalSlugPattern, "a slug: lower-case letters and digits in hyphen-separated words"
		s.MaxLength = ptr(MaxSlugLength)
		s.Description = "Lower-case letters and digits in hyphen-separated words; unique (courses and curriculums " +
			"among all, lectures in their course, topics in their lecture). Optional: when absent or empty it is derived " +
			"from the title (Hangul romanised), and a change that leaves it out keeps the current one."
	}
	inputs := append(append(append([]reflect.Type{}, courseInputTypes...), curriculumTypes...),
		reflect.TypeFor[LectureInput](), reflect.TypeFor[TopicInput]())
	constrain(api, inputs, "slug", slugRule)
	constrain(api, courseInputTypes, "prerequisites", func(s *huma.Schema) {
		slugRule(s)
		s.Pattern, s.Description = SlugPattern, "" // a prerequisite names a course: never empty
	})
	bounds := func(max int64) func(*huma.Schema) {
		return func(s *huma.Schema) { s.Minimum, s.Maximum = ptr(float64(0)), ptr(float64(max)) }
	}
	courseAndCurriculum := append(append([]reflect.Type{}, courseInputTypes...), curriculumTypes...)
	constrain(api, courseAndCurriculum, "price", bounds(maxPrice))
	constrain(api, courseAndCurriculum, "access_days", bounds(maxAccessDays)) // 0: the default
	constrain(api, courseInputTypes, "credits", bounds(maxCredits))
	constrain(api, courseInputTypes, "estimated_hours", bounds(maxHours))
	// A course's certificate rule, in requests and responses alike (one
	// schema): its percents (0: the default) and its missions.
	certificate := []reflect.Type{reflect.TypeFor[CertificateRule]()}
	constrain(api, certificate, "min_progress", bounds(maxPercent))
	constrain(api, certificate, "min_score", bounds(maxPercent))
	constrain(api, certificate, "missions", enumOf(CertificateMissions))
	for _, t := range append(append([]reflect.Type{}, courseInputTypes...), curriculumTypes...) {
		deprecate(api, t, courseRenames)
	}
	deprecate(api, reflect.TypeFor[TopicInput](), topicRenames)
	for _, op := range []*huma.Operation{api.OpenAPI().Paths["/api/courses"].Get, api.OpenAPI().Paths["/api/curriculums"].Get} {
		param(op, "category", enumOf(append(Categories, "")))
		param(op, "skill_level", enumOf(append(SkillLevels, "")))
	}
}

func ptr[T any](v T) *T { return &v }

// enumOf sets a schema's allowed values.
func enumOf(values []string) func(*huma.Schema) {
	return func(s *huma.Schema) {
		s.Enum = make([]any, len(values))
		for i, v := range values {
			s.Enum[i] = v
		}
	}
}

// constrain applies set to property prop (to its items, for an array) of
// the registered schemas of types that have it.
func constrain(api huma.API, types []reflect.Type, prop string, set func(*huma.Schema)) {
	for _, t := range types {
		parent := api.OpenAPI().Components.Schemas.Schema(t, false, "")
		s, ok := parent.Properties[prop]
		if !ok {
			panic(fmt.Sprintf("catalog: schema %s has no property %q", t.Name(), prop))
		}
		if s.Type == huma.TypeArray {
			s = s.Items
		}
		set(s)
		parent.PrecomputeMessages()
	}
}

// deprecate lists the old names of renamed fields in t's schema: the same
// schema as the new name's, marked deprecated, so that requests using them
// pass validation (unknown fields are refused) and readers know to move on.
func deprecate(api huma.API, t reflect.Type, renames []renamed) {
	parent := api.OpenAPI().Components.Schemas.Schema(t, false, "")
	for _, r := range renames {
		cur, ok := parent.Properties[r.new]
		if !ok {
			panic(fmt.Sprintf("catalog: schema %s has no property %q", t.Name(), r.new))
		}
		old := *cur
		old.Deprecated = true
		old.Description = fmt.Sprintf("Deprecated: the former name of %s. Giving both with different values is refused.", r.new)
		parent.Properties[r.old] = &old
	}
	parent.PrecomputeMessages()
}

// param applies set to the schema of an operation's query parameter.
func param(op *huma.Operation, name string, set func(*huma.Schema)) {
	for _, p := range op.Parameters {
		if p.Name == name && p.In == "query" {
			set(p.Schema)
			p.Schema.PrecomputeMessages()
			return
		}
	}
	panic(fmt.Sprintf("catalog: %s %s has no query parameter %q", op.Method, op.Path, name))
}
