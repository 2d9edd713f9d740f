package bundle

import (
	"fmt"
	"strings"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
)

// Message renders a catalog validation error in English for authors at a
// terminal. The catalog's messages are ids ("catalog.five_choices"), some
// with a parameter after a colon ("catalog.too_long:200"); the API
// translates them through the i18n catalogs, but a command-line tool run by
// a course author wants one fixed language, and the ids' parameters plus
// the error's Value say all there is to say. An id this function does not
// know (one added to the catalog later, or a grader's) is shown as is, with
// its value. kinds are the topic kinds the error was found with.
func Message(fe apperr.FieldError, kinds *catalog.Kinds) string {
	id, param, _ := strings.Cut(strings.TrimPrefix(fe.Message, "catalog."), ":")
	v := fe.Value
	switch id {
	case "required":
		return "required"
	case "too_short":
		return fmt.Sprintf("too short (at least %s characters)", param)
	case "too_long":
		return fmt.Sprintf("too long (at most %s characters)", param)
	case "too_many":
		if v != nil {
			return fmt.Sprintf("too many (at most %s, found %v)", param, v)
		}
		return fmt.Sprintf("too many (at most %s)", param)
	case "slug_invalid":
		return fmt.Sprintf("%s is not a valid slug (lower-case letters, digits and single hyphens, at most %d characters)",
			quote(v), catalog.MaxSlugLength)
	case "not_allowed":
		return fmt.Sprintf("%s is not allowed (one of: %s)", quote(v), strings.ReplaceAll(param, ",", ", "))
	case "out_of_range":
		lo, hi, _ := strings.Cut(param, "-")
		return fmt.Sprintf("%v is out of range (%s to %s)", v, lo, hi)
	case "duplicate":
		return fmt.Sprintf("%s is a duplicate (must be unique among its siblings)", quote(v))
	case "bad_characters":
		return "contains characters that are not allowed (NUL or invalid UTF-8)"
	case "self_prerequisite":
		return "a course cannot be its own prerequisite"
	case "no_lectures":
		return "a course needs at least one lecture"
	case "no_topics":
		return "a lecture needs at least one topic"
	case "no_questions":
		return "a quiz needs at least one question"
	case "mission_not_gradable":
		return fmt.Sprintf("only %s topics can be missions", strings.Join(kinds.Gradable(), " and "))
	case "duplicate_mission":
		return fmt.Sprintf("a course has at most one %s mission", quote(v))
	case "certificate_missions":
		return fmt.Sprintf("%s is not allowed (empty for every midterm and final mission, final, or none)", quote(v))
	case "payload_mismatch":
		return fmt.Sprintf("a %s topic cannot carry another kind's content (body, video, questions, assignment or payload)", quote(v))
	case "five_choices":
		return fmt.Sprintf("a question needs exactly five choices (found %v)", v)
	case "one_correct":
		return fmt.Sprintf("a question needs exactly one correct choice (found %v)", v)
	case "several_correct":
		return fmt.Sprintf("a question has %v correct choices: keep one, or mark it multiple: true", v)
	case "some_correct":
		return "a question marked multiple still needs at least one correct choice"
	case "attempts_not_limited":
		return fmt.Sprintf("only quizzes can limit attempts (max_attempts: %v)", v)
	case "js_function":
		return fmt.Sprintf("%s is not a JavaScript function name (the javascript grader calls it)", quote(v))
	case "sql_rows":
		return "expect must be the expected rows: a list of lists of column values"
	case "html_one_check":
		return fmt.Sprintf("an html test needs exactly one of count, min_count, text, attr or css (found %v)", v)
	case "css_property":
		return fmt.Sprintf("%s is not a CSS property name (color, font-size, --brand)", quote(v))
	case "no_visible_test":
		return "an assignment needs at least one visible test (hidden: false)"
	case "no_hidden_test":
		return "an assignment needs at least one hidden test (hidden: true)"
	}
	if v != nil {
		return fmt.Sprintf("%s (%v)", fe.Message, v)
	}
	return fe.Message
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
