package web

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/weaverse/weaverse/platform/apperr"
)

// Issue is an error inside a field that holds a document, such as a course
// outline edited as JSON: the form lists these above itself, each with its
// place in words ("강의 1 › 토픽 2 › title") and as a path
// ("lectures[0].topics[1].title").
type Issue struct {
	Where    string
	Location string
	Message  string
}

// ErrorPlacement places the field errors of a service's error on a form
// more finely than Form.AddError, for forms whose fields hold lists and
// documents:
//   - an error on a list item ("body.tags[3]") goes to the list's field
//     ("tags");
//   - an error on one of the Nested fields or inside one
//     ("body.lectures[0].topics[1].title") becomes an Issue, and the field
//     itself shows Summary;
//   - an error at a location the form has no field for goes to the form's
//     message, prefixed with that location, so the author knows what to fix.
//
// The rest is AddError's: the first segment of a location ("body.") names
// where the value was sent, and messages are translated.
type ErrorPlacement struct {
	// Nested names the fields that hold a document ("lectures").
	Nested []string
	// Item words an indexed segment of a nested location for people:
	// ("topics", 2) → "토픽 2". It returns "" to keep the segment as written.
	Item func(list string, n int) string
	// Summary is the error a nested field shows, given its number of issues.
	Summary func(field string, issues int) string
}

// indexedRE matches a path segment that indexes a list: "topics[1]".
var indexedRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$`)

// Place puts err's field errors on f and returns the issues inside nested
// fields, in order. ok is false, and nothing is placed, when err carries no
// field errors: the caller handles it otherwise.
func (pl ErrorPlacement) Place(f *Form, err error, tr func(id string) string) (issues []Issue, ok bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return nil, false
	}
	counts := map[string]int{}
	rest := make([]apperr.FieldError, 0, len(ae.Fields))
	for _, fe := range ae.Fields {
		in, path, _ := strings.Cut(fe.Location, ".")
		name := path
		if i := strings.IndexAny(path, ".["); i >= 0 {
			name = path[:i]
		}
		msg := tr(fe.Message)
		switch {
		case slices.Contains(pl.Nested, name):
			issues = append(issues, Issue{Where: pl.where(path), Location: path, Message: msg})
			counts[name]++
		case slices.Contains(f.fields, name) && (name == path || path[len(name)] == '['):
			rest = append(rest, apperr.FieldError{Location: in + "." + name, Message: msg})
		default:
			rest = append(rest, apperr.FieldError{Location: fe.Location, Message: path + ": " + msg})
		}
	}
	// The messages are translated already.
	f.AddError(apperr.InvalidFields(ae.Code, rest...), func(s string) string { return s })
	for _, name := range pl.Nested {
		if n := counts[name]; n > 0 {
			f.Replace(name, pl.Summary(name, n))
		}
	}
	return issues, true
}

// where words a nested location: "lectures[0].topics[1].title" →
// "강의 1 › 토픽 2 › title".
func (pl ErrorPlacement) where(loc string) string {
	parts := strings.Split(loc, ".")
	for i, seg := range parts {
		m := indexedRE.FindStringSubmatch(seg)
		if m == nil || pl.Item == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		if w := pl.Item(m[1], n+1); w != "" {
			parts[i] = w
		}
	}
	return strings.Join(parts, " › ")
}
