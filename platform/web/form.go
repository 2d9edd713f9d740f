package web

import (
	"errors"
	"strings"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/i18n"
)

// Form is a submitted HTML form being shown again: the values to put back
// (never passwords: the "field" partial does not echo them, and handlers
// should not Set them) and one localized error per field. Render it with the
// layout's "field" partial:
//
//	{{template "field" (dict "Form" .Page.Form "Name" "email" "Label" (t "x.email") "Type" "email" "Autocomplete" "email" "Required" true)}}
//
// A nil *Form is an empty form.
type Form struct {
	fields  []string // display order, for Autofocus
	focus   string   // the field to focus when none has an error
	values  map[string]string
	errors  map[string]string
	Message string // an error about the whole form, shown above it
}

// NewForm returns an empty form with the field names in display order.
func NewForm(fields ...string) *Form {
	return &Form{fields: fields, values: map[string]string{}, errors: map[string]string{}}
}

// Set records a value to show again.
func (f *Form) Set(name, value string) *Form {
	f.values[name] = value
	return f
}

// Value is the value of a field ("" if none).
func (f *Form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.values[name]
}

// Err is the error message of a field ("" if none).
func (f *Form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.errors[name]
}

// Fail adds an error message to a field (several messages are joined).
func (f *Form) Fail(name, message string) {
	if cur := f.errors[name]; cur != "" {
		if strings.Contains(cur, message) {
			return
		}
		message = cur + " " + message
	}
	f.errors[name] = message
}

// Replace sets the error message of a field, dropping any it had.
func (f *Form) Replace(name, message string) { f.errors[name] = message }

// Invalid reports whether the form has any error.
func (f *Form) Invalid() bool { return f != nil && (len(f.errors) > 0 || f.Message != "") }

// FieldErrors is the number of fields with an error.
func (f *Form) FieldErrors() int {
	if f == nil {
		return 0
	}
	return len(f.errors)
}

// Focus names the field to focus when no field has an error (e.g. the
// password after a failed sign-in, the e-mail being filled in already).
func (f *Form) Focus(name string) *Form {
	f.focus = name
	return f
}

// Autofocus reports whether name is the first field (in display order) with
// an error, or else the Focus field: that field gets the autofocus
// attribute, so keyboard and screen-reader users land on what to fix.
func (f *Form) Autofocus(name string) bool {
	if f == nil {
		return false
	}
	if len(f.errors) == 0 {
		return f.focus != "" && f.focus == name
	}
	for _, n := range f.fields {
		if f.errors[n] != "" {
			return n == name
		}
	}
	return false
}

// AddError copies the field errors of err (an *apperr.Error with Fields)
// into the form: the location "body.email" goes to the field "email", each
// message id is translated with tr. Errors for a location that is not one
// of the form's fields become the form's Message. It reports whether err
// carried field errors.
func (f *Form) AddError(err error, tr func(id string) string) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return false
	}
	known := map[string]bool{}
	for _, n := range f.fields {
		known[n] = true
	}
	for _, fe := range ae.Fields {
		name := fe.Location
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		msg := tr(fe.Message)
		if known[name] {
			f.Fail(name, msg)
		} else if !strings.Contains(f.Message, msg) {
			f.Message = strings.TrimSpace(f.Message + " " + msg)
		}
	}
	return true
}

// kst is Korea Standard Time (no daylight saving), the zone dates are shown in.
var kst = time.FixedZone("KST", 9*60*60)

func formatTime(lang string, v any, clock bool) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	t = t.In(kst)
	layout := "2006년 1월 2일"
	if i18n.Normalize(lang) == i18n.EN {
		layout = "Jan 2, 2006"
		if clock {
			layout += ","
		}
	}
	if clock {
		layout += " 15:04"
	}
	return t.Format(layout)
}
