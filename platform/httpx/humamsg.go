package httpx

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/weaverse/weaverse/platform/i18n"
)

// huma's own validation writes English messages ("expected length <= 200").
// They are put in the request's language here, where problems are built,
// by their kind: each message huma can write is matched against its format
// (huma's validation.Msg* values, and the few texts huma writes inline),
// and the format's arguments become the named parameters of a message
// "problem.field.<kind>" in the catalogs. A message no format matches (a
// JSON syntax error's text) keeps huma's English for English, and becomes
// a generic sentence in Korean.

// humaFormat is one message huma writes.
type humaFormat struct {
	format *string  // huma's format (fmt verbs), read when first used
	kind   string   // the catalog message is "problem.field." + kind
	params []string // names of the format's verbs, in order
}

func lit(s string) *string { return &s }

// humaFormats are the messages huma writes into a problem's errors[].
// TestHumaMessagesTranslated reads huma's sources and fails when huma
// writes one that is not here.
var humaFormats = []humaFormat{
	// package validation
	{&validation.MsgUnexpectedProperty, "unexpected_property", nil},
	{&validation.MsgExpectedRFC3339DateTime, "date_time", nil},
	{&validation.MsgExpectedRFC1123DateTime, "date_time_rfc1123", nil},
	{&validation.MsgExpectedRFC3339Date, "date", nil},
	{&validation.MsgExpectedRFC3339Time, "time", nil},
	{&validation.MsgExpectedRFC5322Email, "email", []string{"Reason"}},
	{&validation.MsgExpectedRFC5890Hostname, "hostname", nil},
	{&validation.MsgExpectedRFC2673IPv4, "ipv4", nil},
	{&validation.MsgExpectedRFC2373IPv6, "ipv6", nil},
	{&validation.MsgExpectedRFCIPAddr, "ip", nil},
	{&validation.MsgExpectedRFC3986URI, "uri", []string{"Reason"}},
	{&validation.MsgExpectedRFC4122UUID, "uuid", []string{"Reason"}},
	{&validation.MsgExpectedRFC6570URITemplate, "uri_template", nil},
	{&validation.MsgExpectedRFC6901JSONPointer, "json_pointer", nil},
	{&validation.MsgExpectedRFC6901RelativeJSONPointer, "relative_json_pointer", nil},
	{&validation.MsgExpectedRegexp, "regex", []string{"Reason"}},
	{&validation.MsgExpectedMatchAtLeastOneSchema, "any_of", nil},
	{&validation.MsgExpectedMatchExactlyOneSchema, "one_of_none", nil},
	{&validation.MsgExpectedNotMatchSchema, "not", nil},
	{&validation.MsgExpectedPropertyNameInObject, "discriminator", nil},
	{&validation.MsgExpectedBoolean, "boolean", nil},
	{&validation.MsgExpectedDuration, "duration", []string{"Reason"}},
	{&validation.MsgExpectedNumber, "number", nil},
	{&validation.MsgExpectedInteger, "integer", nil},
	{&validation.MsgExpectedString, "string", nil},
	{&validation.MsgExpectedBase64String, "base64", nil},
	{&validation.MsgExpectedArray, "array", nil},
	{&validation.MsgExpectedObject, "object", nil},
	{&validation.MsgExpectedArrayItemsUnique, "unique_items", nil},
	{&validation.MsgExpectedOneOf, "enum", []string{"Values"}},
	{&validation.MsgExpectedMinimumNumber, "minimum", []string{"Limit"}},
	{&validation.MsgExpectedExclusiveMinimumNumber, "exclusive_minimum", []string{"Limit"}},
	{&validation.MsgExpectedMaximumNumber, "maximum", []string{"Limit"}},
	{&validation.MsgExpectedExclusiveMaximumNumber, "exclusive_maximum", []string{"Limit"}},
	{&validation.MsgExpectedNumberBeMultipleOf, "multiple_of", []string{"Limit"}},
	{&validation.MsgExpectedMinLength, "min_length", []string{"Limit"}},
	{&validation.MsgExpectedMaxLength, "max_length", []string{"Limit"}},
	{&validation.MsgExpectedBePattern, "pattern_described", []string{"Description"}},
	{&validation.MsgExpectedMatchPattern, "pattern", []string{"Pattern"}},
	{&validation.MsgExpectedMinItems, "min_items", []string{"Limit"}},
	{&validation.MsgExpectedMaxItems, "max_items", []string{"Limit"}},
	{&validation.MsgExpectedMinProperties, "min_properties", []string{"Limit"}},
	{&validation.MsgExpectedMaxProperties, "max_properties", []string{"Limit"}},
	{&validation.MsgExpectedRequiredProperty, "required_property", []string{"Name"}},
	{&validation.MsgExpectedDependentRequiredProperty, "dependent_required", []string{"Name", "When"}},

	// written inline by huma's validator
	{lit("expected value to match exactly one schema but matched multiple"), "one_of_many", nil},
	{lit("write only property is non-zero"), "write_only", nil},

	// parameters (query, path, header, cookie)
	{lit("unknown query parameter"), "unknown_parameter", nil},
	{lit("required %s parameter is missing"), "required_parameter", []string{"In"}},
	{lit("expected at most one value, but received multiple values"), "single_value", nil},
	{lit("invalid integer"), "integer", nil},
	{lit("invalid float"), "number", nil},
	{lit("invalid floating value"), "number", nil},
	{lit("invalid boolean"), "boolean", nil},
	{lit("invalid date/time for format %s"), "date_time_format", []string{"Format"}},
	{lit("invalid url.URL value"), "uri", nil},
	{lit("invalid value: %s"), "invalid", []string{"Reason"}},
	{lit("unsupported type"), "invalid", nil},
	{lit("unparsable value"), "invalid", nil},

	// bodies and multipart forms
	{lit("request body is required"), "body_required", nil},
	{lit("cannot read multipart form: %s"), "multipart", []string{"Reason"}},
	{lit("File required"), "file_required", nil},
	{lit("At least one file is required"), "file_required", nil},
	{lit("Multiple files received but only one was expected"), "one_file", nil},
	{lit("Failed to open file"), "file_unreadable", nil},
	{lit("Failed to infer file media type"), "file_type_unknown", nil},
	{lit("Invalid mime type: got %v, expected %v"), "file_type", []string{"Got", "Expected"}},
}

// humaMatcher is a humaFormat compiled.
type humaMatcher struct {
	humaFormat
	re      *regexp.Regexp
	literal int // characters outside the verbs: the more, the more specific
}

// verbRE matches a fmt verb with its flags and width.
var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// formatRegexp turns a fmt format into an anchored regexp capturing each
// verb's text.
func formatRegexp(format string) (*regexp.Regexp, int) {
	var b strings.Builder
	b.WriteString(`^`)
	literal, last := 0, 0
	for _, m := range verbRE.FindAllStringIndex(format, -1) {
		b.WriteString(regexp.QuoteMeta(format[last:m[0]]))
		literal += m[0] - last
		if format[m[1]-1] == '%' {
			b.WriteString(`%`)
			literal++
		} else {
			b.WriteString(`(.*)`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	literal += len(format) - last
	b.WriteString(`$`)
	return regexp.MustCompile(b.String()), literal
}

// humaMatchers compiles humaFormats once, most specific first: "expected
// string to be RFC 3339 date" before "expected string to be %s".
var humaMatchers = sync.OnceValue(func() []humaMatcher {
	out := make([]humaMatcher, len(humaFormats))
	for i, f := range humaFormats {
		re, n := formatRegexp(*f.format)
		out[i] = humaMatcher{humaFormat: f, re: re, literal: n}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].literal > out[j].literal })
	return out
})

// humaKind finds the kind of one of huma's messages and its parameters
// ("expected length <= 200" → "max_length", Limit: "200"). ok is false for
// a message huma wrote from some other error's text.
func humaKind(msg string) (kind string, data map[string]any, ok bool) {
	for _, m := range humaMatchers() {
		sub := m.re.FindStringSubmatch(msg)
		if sub == nil {
			continue
		}
		data = map[string]any{}
		for i, name := range m.params {
			if i+1 < len(sub) {
				data[name] = paramText(name, sub[i+1])
			}
		}
		return m.kind, data, true
	}
	return "", nil, false
}

// paramText tidies a parameter: huma prints float bounds with %v, so a
// maximum of 100000000 reads "1e+08"; numbers are written out in full,
// with thousands separators.
func paramText(name, s string) string {
	if name != "Limit" {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return i18n.GroupDigits(strconv.FormatFloat(f, 'f', -1, 64))
}

// humaMessage is one of huma's messages, about the input at loc, in lang.
func (env *reqEnv) humaMessage(lang, loc, msg string) string {
	if env.i18n == nil || msg == "" {
		return msg
	}
	kind, data, ok := humaKind(msg)
	if !ok {
		if lang == i18n.EN {
			return msg // huma's own English: a JSON syntax error's text
		}
		if loc == "body" {
			return env.i18n.T(lang, "problem.field.body_unreadable", nil)
		}
		return env.i18n.T(lang, "problem.field.invalid", nil)
	}
	if d, _ := data["Description"].(string); d != "" {
		// A pattern's description (huma.Schema.PatternDescription) is
		// English in the OpenAPI document; its owner translates it as
		// "problem.pattern.<description>".
		if id := "problem.pattern." + d; env.i18n.Has(id) {
			data["Description"] = env.i18n.T(lang, id, nil)
		}
	}
	return env.i18n.T(lang, "problem.field."+kind, data)
}
