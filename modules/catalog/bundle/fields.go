package bundle

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/weaverse/weaverse/modules/catalog"
)

// The bundle format is the catalog's input types (catalog.CourseInput and
// friends) written as YAML, plus a few bundle-only keys. Both the decoder
// and the JSON Schema are derived from the Go types through fieldsOf, so a
// field added to catalog.TopicInput is accepted by `content validate` and
// described by the schema without touching this package. What the Go types
// cannot say lives in the small tables below.

// fieldKind says how a YAML key fills a Go field.
type fieldKind int

const (
	plainField fieldKind = iota // decoded from YAML as is
	fileField                   // "<field>_file": a Markdown file whose text fills the field
	refField                    // a bundle file reference: checked to exist, normalised to a root-relative path
)

// field is one YAML key of a mapping decoded into a struct.
type field struct {
	key   string // the YAML key
	name  string // the JSON name of the Go field it fills: a segment of the validator's paths
	index int    // the Go field's index in its struct
	kind  fieldKind
	typ   reflect.Type
	doc   string
}

var (
	curriculumType = reflect.TypeFor[catalog.CurriculumInput]()
	courseType     = reflect.TypeFor[catalog.CourseInput]()
	topicType      = reflect.TypeFor[catalog.TopicInput]()
	assignmentType = reflect.TypeFor[catalog.AssignmentInput]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	certRuleType   = reflect.TypeFor[catalog.CertificateRule]()
)

// fileAlternatives lists the text fields (by JSON name) that a bundle may
// give as a Markdown file instead: key "<name>_file", a path relative to the
// YAML file. Long Markdown reads and diffs better as its own file.
var fileAlternatives = map[reflect.Type][]string{
	curriculumType: {"description"},
	courseType:     {"description"},
	topicType:      {"body", "notes"},
	assignmentType: {"prompt"},
}

// references lists the string fields that name a file of the bundle (media
// the importer copies). The loader checks the file exists and rewrites the
// value to a path relative to the bundle root's parent.
var references = map[reflect.Type][]string{
	courseType: {"thumbnail", "intro_video"},
	topicType:  {"video", "captions"},
}

// fileSuffix is the suffix of a file alternative's key.
const fileSuffix = "_file"

// fieldsOf returns the YAML keys of a struct type, in declaration order
// (each file alternative right after its field). Fields tagged yaml:"-"
// (such as ids, which only tree updates through the API carry) are not
// part of the format.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		key := tagName(sf.Tag.Get("yaml"))
		name := tagName(sf.Tag.Get("json"))
		if key == "-" || (key == "" && name == "-") {
			continue
		}
		if name == "" || name == "-" {
			name = strings.ToLower(sf.Name)
		}
		if key == "" {
			key = name
		}
		f := field{key: key, name: name, index: i, typ: sf.Type, doc: sf.Tag.Get("doc")}
		if contains(references[t], name) && sf.Type.Kind() == reflect.String {
			f.kind = refField
		}
		out = append(out, f)
		if contains(fileAlternatives[t], name) && sf.Type.Kind() == reflect.String {
			out = append(out, field{key: key + fileSuffix, name: name, index: i, kind: fileField, typ: sf.Type})
		}
	}
	fieldCache.Store(t, out)
	return out
}

var fieldCache sync.Map // reflect.Type → []field

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
