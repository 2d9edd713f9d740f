package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/weaverse/weaverse/modules/catalog"
)

// Schema returns a JSON Schema (draft 2020-12) of the bundle's YAML files,
// for editors (yaml-language-server) and the API (/api/schemas/…). It is
// generated from the catalog's input types through the same field table
// the loader decodes with, so it cannot drift from what Load accepts: one
// document whose root accepts either file, with "#/$defs/course" for
// course.yaml and "#/$defs/curriculum" for curriculum.yaml.
//
// The schema checks shape, names and enumerations; the rules that need more
// than one field (five choices with one correct, unique slugs, missions, a
// hidden test…) are the catalog validator's, which `weaverse content
// validate` runs. Topic kinds and graders are those of kinds.
func Schema(kinds *catalog.Kinds) []byte {
	b := &schemaBuilder{kinds: kinds, defs: map[string]any{}}
	root := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"title":   "Weaverse course bundle",
		"description": "A curriculum.yaml or course.yaml of a Weaverse course bundle. For one kind of file only, use " +
			"#/$defs/course or #/$defs/curriculum.",
		"oneOf": []any{b.ref(courseType, true), b.ref(curriculumType, true)},
		"$defs": b.defs,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<html>" readable in descriptions
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		panic(fmt.Sprintf("bundle: schema: %v", err)) // maps of strings and slices always encode
	}
	return buf.Bytes()
}

// required lists, by JSON name, the fields a file must give: those the
// catalog's validation rejects when empty (a test holds the two together).
// A field with a file alternative is satisfied by either key.
var required = map[reflect.Type][]string{
	curriculumType:                            {"slug", "title", "category", "skill_level"},
	courseType:                                {"slug", "title", "category", "skill_level", "lectures"},
	reflect.TypeFor[catalog.LectureInput]():   {"slug", "title", "topics"},
	topicType:                                 {"slug", "title", "type"},
	reflect.TypeFor[catalog.QuestionInput]():  {"prompt", "choices"},
	reflect.TypeFor[catalog.ChoiceInput]():    {"text"},
	assignmentType:                            {"prompt", "grader", "starter_code", "tests"},
	reflect.TypeFor[catalog.AssignmentTest](): {"name"},
	reflect.TypeFor[catalog.CSSCheck]():       {"property"},
}

// enums returns a field's allowed values, from the catalog's own lists.
func (b *schemaBuilder) enums(t reflect.Type, name string) []string {
	switch {
	case name == "category" && (t == courseType || t == curriculumType):
		return catalog.Categories
	case name == "skill_level" && (t == courseType || t == curriculumType):
		return catalog.SkillLevels
	case name == "status" && (t == courseType || t == curriculumType):
		return catalog.Statuses
	case name == "mission" && t == topicType:
		return catalog.Missions
	case name == "type" && t == topicType:
		return b.kinds.Names()
	case name == "grader" && t == assignmentType:
		return b.kinds.Graders()
	case name == "missions" && t == certRuleType:
		return catalog.CertificateMissions
	}
	return nil
}

// slugFields are the fields holding a slug, or a list of slugs.
func slugField(t reflect.Type, name string) bool {
	return name == "slug" || (t == curriculumType && name == "courses") || (t == courseType && name == "prerequisites")
}

// descriptions complete the catalog's doc tags for authors of bundles,
// keyed by "definition.field" or, for all definitions, by "field"; a doc
// tag, when present, wins.
var descriptions = map[string]string{
	"slug":                 "Lower-case letters, digits and hyphens (at most 64). Names the row: re-importing updates it.",
	"title":                "The title (at most 200 characters).",
	"short_description":    "One line shown in lists.",
	"summary":              "One line shown in lists.",
	"category":             "The catalog's category.",
	"skill_level":          "Who the content is for.",
	"status":               "draft (the default), published or archived.",
	"tags":                 "At most 20 tags of at most 30 characters.",
	"credits":              "Credits (학점) earned on completion.",
	"estimated_hours":      "Hours a learner needs.",
	"thumbnail":            "An image.",
	"intro_video":          "A video introducing the course.",
	"courses":              "The curriculum's courses, in roadmap order: folders beside curriculum.yaml, named by slug.",
	"lectures":             "The course's lectures, in order (at least one).",
	"topics":               "The lecture's topics, in order (at least one).",
	"type":                 "What the topic is: each kind has its own fields.",
	"captions":             "WebVTT captions of the video.",
	"questions":            "quiz: multiple-choice questions (at least one).",
	"choices":              "Exactly five choices, exactly one of them correct.",
	"correct":              "Whether this is the correct choice.",
	"assignment":           "assignment: the coding exercise.",
	"grader":               "What checks the learner's code.",
	"starter_code":         "The code the learner starts from.",
	"tests":                "At least one visible and one hidden test.",
	"name":                 "Unique within the assignment.",
	"count":                "html: the exact number of matches.",
	"min_count":            "html: the least number of matches.",
	"choice.text":          "The choice's text.",
	"assignment_test.text": "html: text that the first match contains (trimmed).",
	"access_days":          "Access period after purchase, in days (default 730).",
	"attr":                 "html: attributes every match has, non-empty.",
	"prompt":               "Markdown.",
	"explanation":          "Shown after grading.",
}

type schemaBuilder struct {
	kinds *catalog.Kinds
	defs  map[string]any
}

// defName names a type's definition: CourseInput → course, AssignmentTest
// → assignment_test, CSSCheck → css_check.
func defName(t reflect.Type) string {
	name := []rune(strings.TrimSuffix(t.Name(), "Input"))
	var out []rune
	for i, r := range name {
		if unicode.IsUpper(r) {
			// A word starts at a capital after a small letter, or at the
			// last capital of an acronym (CSSCheck → css_check).
			if i > 0 && (unicode.IsLower(name[i-1]) || i+1 < len(name) && unicode.IsLower(name[i+1])) {
				out = append(out, '_')
			}
			r = unicode.ToLower(r)
		}
		out = append(out, r)
	}
	return string(out)
}

func (b *schemaBuilder) ref(t reflect.Type, top bool) map[string]any {
	name := defName(t)
	if _, ok := b.defs[name]; !ok {
		b.defs[name] = nil // reserve the name: types may refer to themselves
		b.defs[name] = b.object(t, top)
	}
	return map[string]any{"$ref": "#/$defs/" + name}
}

// object is the schema of a struct: its keys, no others (the loader
// refuses unknown keys), the required ones, and text given at most once.
func (b *schemaBuilder) object(t reflect.Type, top bool) map[string]any {
	props := map[string]any{}
	var req []string
	var allOf []any
	if top {
		props["schema"] = map[string]any{"const": FormatVersion, "description": "The bundle format version."}
		req = append(req, "schema")
	}
	fields := fieldsOf(t)
	for _, f := range fields {
		if f.kind == fileField {
			props[f.key] = map[string]any{
				"type": "string",
				"description": fmt.Sprintf("A Markdown file, relative to this YAML file, holding the %s (instead of %s).",
					f.name, f.name),
			}
			allOf = append(allOf, map[string]any{"not": map[string]any{"required": []string{f.name, f.key}}})
			continue
		}
		s := b.typeSchema(f.typ)
		if vals := b.enums(t, f.name); vals != nil {
			s["enum"] = vals
		}
		bounds(s, t.Field(f.index).Tag)
		if slugField(t, f.name) {
			if items, ok := s["items"].(map[string]any); ok {
				s = map[string]any{"type": "array", "items": slugSchema(items)}
			} else {
				s = slugSchema(s)
			}
		}
		doc := f.doc
		if doc == "" {
			doc = descriptions[defName(t)+"."+f.name]
		}
		if doc == "" {
			doc = descriptions[f.name]
		}
		if f.kind == refField {
			doc = strings.TrimSpace(doc + " A file of the bundle, relative to this YAML file.")
		}
		if doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}} // siblings of $ref are fine in 2020-12, but keep it plain
			}
			s["description"] = doc
		}
		props[f.key] = s
	}
	for _, name := range required[t] {
		key := keyOf(fields, name)
		if alt, ok := lookup(fields, key+fileSuffix); ok && alt.kind == fileField {
			allOf = append(allOf, map[string]any{"anyOf": []any{
				map[string]any{"required": []string{key}},
				map[string]any{"required": []string{alt.key}},
			}})
			continue
		}
		req = append(req, key)
	}
	out := map[string]any{
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if len(req) > 0 {
		out["required"] = req
	}
	if len(allOf) > 0 {
		out["allOf"] = allOf
	}
	return out
}

// keyOf is the YAML key of the field of JSON name name (the two differ
// where the API renamed a field and bundles kept their key).
func keyOf(fields []field, name string) string {
	for _, f := range fields {
		if f.name == name && f.kind != fileField {
			return f.key
		}
	}
	return name
}

// bounds copies a number's bounds from its field's minimum and maximum
// tags (those the API's schema states too).
func bounds(s map[string]any, tag reflect.StructTag) {
	for _, k := range []string{"minimum", "maximum"} {
		if n, err := strconv.Atoi(tag.Get(k)); err == nil && s["type"] == "integer" {
			s[k] = n
		}
	}
}

func slugSchema(s map[string]any) map[string]any {
	s["pattern"] = catalog.SlugPattern
	s["maxLength"] = catalog.MaxSlugLength
	return s
}

// typeSchema is the schema of a Go type as the loader decodes it.
func (b *schemaBuilder) typeSchema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Pointer:
		return b.typeSchema(t.Elem())
	case reflect.Slice:
		if t == rawMessageType {
			return map[string]any{} // any JSON value: the kind decides
		}
		if t.Elem().Kind() == reflect.Interface {
			return map[string]any{"type": "array"}
		}
		return map[string]any{"type": "array", "items": b.typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": b.typeSchema(t.Elem())}
	case reflect.Struct:
		return b.ref(t, false)
	}
	return map[string]any{} // any JSON value
}
