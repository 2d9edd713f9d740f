package web

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/weaverse/weaverse/platform/apperr"
)

func TestErrorPlacement(t *testing.T) {
	pl := ErrorPlacement{Nested: []string{"lectures"},
		Item: func(list string, n int) string {
			if list == "args" {
				return ""
			}
			return fmt.Sprintf("%s #%d", list, n)
		},
		Summary: func(field string, n int) string { return fmt.Sprintf("%d problems in %s", n, field) },
	}
	tr := func(id string) string { return "T(" + id + ")" }
	f := NewForm("title", "tags", "lectures")
	issues, ok := pl.Place(f, apperr.InvalidFields("request.validation",
		apperr.FieldError{Location: "body.title", Message: "required"},
		apperr.FieldError{Location: "body.tags[3]", Message: "too_long"},
		apperr.FieldError{Location: "body.tags[5]", Message: "too_long"},
		apperr.FieldError{Location: "body.lectures", Message: "no_lectures"},
		apperr.FieldError{Location: "body.lectures[0].topics[1].title", Message: "required"},
		apperr.FieldError{Location: "body.lectures[2].topics[0].assignment.tests[1].args[0]", Message: "bad"},
		apperr.FieldError{Location: "body.thumbnail", Message: "media"},
		apperr.FieldError{Location: "body.title.x", Message: "odd"},
	), tr)
	if !ok {
		t.Fatal("field errors not placed")
	}
	if got := f.Err("title"); got != "T(required)" {
		t.Errorf("title: %q", got)
	}
	if got := f.Err("tags"); got != "T(too_long)" { // list items fold onto their field, once
		t.Errorf("tags: %q", got)
	}
	if got := f.Err("lectures"); got != "3 problems in lectures" {
		t.Errorf("lectures: %q", got)
	}
	if got := f.Message; got != "thumbnail: T(media) title.x: T(odd)" {
		t.Errorf("message: %q", got)
	}
	want := []Issue{
		{Where: "lectures", Location: "lectures", Message: "T(no_lectures)"},
		{Where: "lectures #1 › topics #2 › title", Location: "lectures[0].topics[1].title", Message: "T(required)"},
		{Where: "lectures #3 › topics #1 › assignment › tests #2 › args[0]",
			Location: "lectures[2].topics[0].assignment.tests[1].args[0]", Message: "T(bad)"},
	}
	if !reflect.DeepEqual(issues, want) {
		t.Errorf("issues:\n%+v\nwant\n%+v", issues, want)
	}
	if !f.Autofocus("title") {
		t.Error("the first field with an error is not focused")
	}

	// Errors without field errors are left to the caller.
	for _, err := range []error{nil, errors.New("boom"), apperr.New(apperr.Conflict, "x", "x")} {
		g := NewForm("title")
		if issues, ok := pl.Place(g, err, tr); ok || issues != nil || g.Invalid() {
			t.Errorf("Place(%v) = %v, %v; form invalid %v", err, issues, ok, g.Invalid())
		}
	}

	// Without Item, nested locations are shown as written.
	g := NewForm("lectures")
	issues, _ = ErrorPlacement{Nested: []string{"lectures"}, Summary: pl.Summary}.Place(g,
		apperr.InvalidFields("v", apperr.FieldError{Location: "body.lectures[0].slug", Message: "dup"}), tr)
	if len(issues) != 1 || issues[0].Where != "lectures[0] › slug" {
		t.Errorf("issues %+v", issues)
	}
}
