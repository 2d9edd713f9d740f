package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// The API once named three fields differently from the contract (API.md and
// the seed's ERD): a course's or curriculum's short_description was
// "summary", a topic's type "kind" and its is_premium "premium". Requests
// may still use the old names, which the OpenAPI document lists as
// deprecated; responses use the contract's names only. A request giving a
// field under both names with different values is refused (422) rather
// than one of them silently winning. Bundles (course.yaml) keep their YAML
// keys, which are not JSON.

// renamed is a JSON field the contract renamed: its old name is still read.
type renamed struct{ old, new string }

// The renamed fields, by the input types that have them.
var (
	courseRenames = []renamed{{"summary", "short_description"}}
	topicRenames  = []renamed{{"kind", "type"}, {"premium", "is_premium"}}
)

// unalias decodes the JSON object b into dst (a pointer to a type that does
// not itself implement json.Unmarshaler) after moving every old name of
// renames to its new name. It returns the new names that b gave under both
// names with different values; the new name's value is kept for them.
// Unknown fields are refused, as the API's schema and the studio's outline
// editor refuse them.
func unalias(b []byte, dst any, renames []renamed) (conflicts []string, err error) {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil, nil
	}
	if mentions(b, renames) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, err
		}
		moved := false
		for _, r := range renames {
			// Field names match case-insensitively, as encoding/json and
			// the API's validation match them.
			for k, v := range obj {
				if !strings.EqualFold(k, r.old) {
					continue
				}
				delete(obj, k)
				moved = true
				if cur, ok := lookupFold(obj, r.new); ok {
					if !sameJSON(cur, v) {
						conflicts = append(conflicts, r.new)
					}
					continue
				}
				obj[r.new] = v
			}
		}
		if moved {
			if b, err = json.Marshal(obj); err != nil {
				return nil, err
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// The offset counts from this object, not from the document the
		// caller decodes: say it is unknown rather than point elsewhere.
		te.Offset = -1
	}
	return conflicts, err
}

// mentions reports whether b may hold an old name: a cheap test that spares
// requests using the contract's names a second parse.
func mentions(b []byte, renames []renamed) bool {
	lower := bytes.ToLower(b)
	for _, r := range renames {
		if bytes.Contains(lower, []byte(`"`+r.old+`"`)) {
			return true
		}
	}
	return false
}

func lookupFold(obj map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// sameJSON reports whether two JSON values are equal as values.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// aliasErrors reports the fields given under both names, at loc + name.
func aliasErrors(v *validator, loc string, conflicts []string) {
	for _, name := range conflicts {
		v.add(loc+name, "catalog.alias_conflict", nil)
	}
}

// decodeRenamed is unalias for an UnmarshalJSON method: the fields given
// under both names are added to conflicts, for the validator to report.
func decodeRenamed(b []byte, dst any, renames []renamed, conflicts *[]string) error {
	c, err := unalias(b, dst, renames)
	*conflicts = append(*conflicts, c...)
	return err
}

// UnmarshalJSON reads a course, old field names included (see unalias).
func (c *CourseInput) UnmarshalJSON(b []byte) error {
	type plain CourseInput
	return decodeRenamed(b, (*plain)(c), courseRenames, &c.aliasConflicts)
}

// UnmarshalJSON reads a topic, old field names included (see unalias).
func (t *TopicInput) UnmarshalJSON(b []byte) error {
	type plain TopicInput
	return decodeRenamed(b, (*plain)(t), topicRenames, &t.aliasConflicts)
}

// UnmarshalJSON reads a course patch, old field names included.
func (p *CoursePatch) UnmarshalJSON(b []byte) error {
	type plain CoursePatch
	return decodeRenamed(b, (*plain)(p), courseRenames, &p.aliasConflicts)
}

// UnmarshalJSON reads a curriculum patch, old field names included.
func (p *CurriculumPatch) UnmarshalJSON(b []byte) error {
	type plain CurriculumPatch
	return decodeRenamed(b, (*plain)(p), courseRenames, &p.aliasConflicts)
}

// UnmarshalJSON reads a curriculum with its courses, old field names
// included. CurriculumInput has no method of its own: embedded here, it
// would be promoted and course_ids would never be read.
func (c *curriculumBody) UnmarshalJSON(b []byte) error {
	type plain curriculumBody
	return decodeRenamed(b, (*plain)(c), courseRenames, &c.aliasConflicts)
}
