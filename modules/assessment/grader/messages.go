package grader

import (
	"strings"
	"text/template"
)

// Msg is a message for the learner (or, in the studio, the author) as a
// code and its arguments: the assessment module renders it in the
// reader's language from its locales (modules/assessment/locales/
// grader.*.toml, go-i18n templates: "{{.selector}}"). Text that cannot be
// a code (a JavaScript exception, an SQLite error, what a program printed)
// is an argument. The grader also writes each message in English
// (englishMessages, the same text as grader.en.toml) for logs and for
// readers without the locales.
type Msg struct {
	Code string         `json:"code"`
	Args map[string]any `json:"args,omitempty"`
}

// newMsg is the message code with args.
func newMsg(code string, args map[string]any) Msg { return Msg{Code: code, Args: args} }

// msg is the message code with arguments given as name, value pairs.
func msg(code string, kv ...any) Msg {
	var args map[string]any
	for i := 0; i+1 < len(kv); i += 2 {
		if args == nil {
			args = map[string]any{}
		}
		args[kv[i].(string)] = kv[i+1]
	}
	return Msg{Code: code, Args: args}
}

// English is the message in English (the code itself when it has none).
func (m Msg) English() string {
	if m.Code == "" {
		return ""
	}
	text, ok := englishMessages[m.Code]
	if !ok {
		return m.Code
	}
	t, err := template.New("").Option("missingkey=zero").Parse(text)
	if err != nil {
		return m.Code
	}
	var b strings.Builder
	if err := t.Execute(&b, m.Args); err != nil {
		return m.Code
	}
	return strings.ReplaceAll(b.String(), "<no value>", "")
}

// Messages lists every message code a grader may return.
func Messages() []string {
	out := make([]string, 0, len(englishMessages))
	for c := range englishMessages {
		out = append(out, c)
	}
	return out
}

// englishMessages are the graders' messages in English; grader.en.toml
// holds the same texts (a test keeps them equal) and grader.ko.toml the
// Korean ones.
var englishMessages = map[string]string{
	// Any grader.
	"grader.time_limit":    "Time limit exceeded: the code ran too long (an endless loop?).",
	"grader.cpu_limit":     "Time limit exceeded: the code used too much CPU time.",
	"grader.memory_limit":  "Memory limit exceeded: the code used too much memory.",
	"grader.output_limit":  "Output limit exceeded: the code printed more than {{.max}} bytes.",
	"grader.results_limit": "Output limit exceeded: the code's results are too large.",
	"grader.stack_limit":   "Runtime error: too deep a recursion exhausted the stack.",
	"grader.code_too_long": "The code is too long ({{.size}} bytes): at most {{.max}}.",
	"grader.no_grader":     "This server has no {{.grader}} grader.",
	"grader.no_sandbox":    "Grading is unavailable on this server: it needs Linux process limits.",
	// html
	"grader.html.unreadable":   "The document could not be read: {{.error}}",
	"grader.html.bad_selector": "The test's selector \"{{.selector}}\" is not valid CSS: {{.error}}",
	"grader.html.count":        "expected {{.want}} elements matching \"{{.selector}}\", found {{.got}}",
	"grader.html.min_count":    "expected at least {{.want}} elements matching \"{{.selector}}\", found {{.got}}",
	"grader.html.none":         "no element matches \"{{.selector}}\"",
	"grader.html.text":         "the text of \"{{.selector}}\" is \"{{.got}}\"; it should contain \"{{.want}}\"",
	"grader.html.attr_missing": "element {{.n}} matching \"{{.selector}}\" has no {{.attr}} attribute",
	"grader.html.attr_empty":   "element {{.n}} matching \"{{.selector}}\" has an empty {{.attr}} attribute",
	"grader.html.attr_value":   "element {{.n}} matching \"{{.selector}}\" has {{.attr}}=\"{{.got}}\", expected \"{{.want}}\"",
	"grader.html.css_missing":  "no style gives \"{{.selector}}\" {{.property}}: {{.value}}",
	"grader.html.css_none":     "no style gives \"{{.selector}}\" a {{.property}}",
	"grader.html.css_value":    "\"{{.selector}}\" gets {{.property}}: {{.got}}; expected {{.property}}: {{.value}}",
	// javascript
	"grader.js.no_function":      "The assignment names no function to call (\"{{.function}}\").",
	"grader.js.syntax":           "{{.error}}",
	"grader.js.engine":           "The JavaScript engine failed on this code: {{.error}}",
	"grader.js.exception":        "{{.error}}",
	"grader.js.recursion":        "RangeError: Maximum call stack size exceeded (too deep a recursion?)",
	"grader.js.missing_function": "No function named {{.function}} is defined.",
	"grader.js.not_function":     "{{.function}} is not a function (it is {{.type}}).",
	"grader.js.rejected":         "The returned Promise was rejected: {{.error}}",
	"grader.js.unsettled":        "The returned Promise never settled (there are no timers or network here).",
	"grader.js.too_large":        "The returned value is too large ({{.size}} bytes; at most {{.max}}).",
	"grader.js.expected":         "expected {{.want}}, got {{.got}}",
	// sql
	"grader.sql.empty":          "The query is empty.",
	"grader.sql.statements":     "Too many statements ({{.n}}): at most {{.max}}.",
	"grader.sql.start":          "The database could not start: {{.error}}",
	"grader.sql.assignment":     "The assignment's {{.part}} failed: {{.error}}",
	"grader.sql.refused":        "Only queries that read (SELECT) may run here: {{.what}} is not allowed.",
	"grader.sql.refused_schema": "Only queries that read (SELECT) may run here: changing the schema (CREATE, ALTER, DROP) is not allowed.",
	"grader.sql.too_many_rows":  "The query returned more than {{.max}} rows.",
	"grader.sql.error":          "SQL error: {{.error}}",
	"grader.sql.bad_expect":     "The assignment's expected rows are not a list of rows.",
	"grader.sql.columns":        "expected {{.want}} columns, got {{.got}}: {{.row}}",
	"grader.sql.row":            "row {{.n}}: expected {{.want}}, got {{.got}}",
	"grader.sql.missing_row":    "expected {{.want}} rows, got {{.got}}: missing {{.row}}",
	"grader.sql.unexpected_row": "expected {{.want}} rows, got {{.got}}: unexpected {{.row}}",
	// external
	"grader.external.unavailable": "The code-execution service is unavailable right now; try again later.",
	"grader.external.output":      "expected output \"{{.want}}\", got \"{{.got}}\"",
	"grader.external.compile":     "Compilation error: {{.error}}",
	"grader.external.runtime":     "{{.status}}{{if .error}}: {{.error}}{{end}}",
}
