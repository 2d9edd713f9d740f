package grader

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The sql grader runs in the child (see child.go). Each test gets a fresh
// in-memory SQLite database: the assignment's schema runs, then the test's
// setup (both the author's), then the learner's statements under an
// authorizer that lets them read and nothing else — no writes, ATTACH,
// PRAGMA, schema changes or transactions — and under SQLite's own limits
// (string length, expression depth, no attached database, a heap cap). The
// rows of the last statement are compared with the expected rows. The
// grading's deadline interrupts a query that runs too long (a recursive
// CTE without end).

// sqlMaxRows bounds the rows read of one query.
const sqlMaxRows = 10000

// sqlLimits are SQLite's run-time limits on the learner's connection.
var sqlLimits = []struct{ id, value int }{
	{sqlite3.SQLITE_LIMIT_LENGTH, 1 << 20},
	{sqlite3.SQLITE_LIMIT_SQL_LENGTH, 256 << 10},
	{sqlite3.SQLITE_LIMIT_COLUMN, 500},
	{sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 200},
	{sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 100},
	{sqlite3.SQLITE_LIMIT_VDBE_OP, 100000},
	{sqlite3.SQLITE_LIMIT_FUNCTION_ARG, 32},
	{sqlite3.SQLITE_LIMIT_ATTACHED, 0},
	{sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000},
	{sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100},
	{sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH, 10},
}

// sqlDeniedFunctions are functions no query may call, should the build
// have them.
var sqlDeniedFunctions = []string{"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "sqlite_dbpage"}

var authActionNames = map[sqlite.AuthorizerActionCode]string{
	sqlite.AuthCreateIndex: "CREATE INDEX", sqlite.AuthCreateTable: "CREATE TABLE", sqlite.AuthCreateTempIndex: "CREATE INDEX",
	sqlite.AuthCreateTempTable: "CREATE TABLE", sqlite.AuthCreateTempTrigger: "CREATE TRIGGER", sqlite.AuthCreateTempView: "CREATE VIEW",
	sqlite.AuthCreateTrigger: "CREATE TRIGGER", sqlite.AuthCreateView: "CREATE VIEW", sqlite.AuthDelete: "DELETE",
	sqlite.AuthDropIndex: "DROP INDEX", sqlite.AuthDropTable: "DROP TABLE", sqlite.AuthDropTempIndex: "DROP INDEX",
	sqlite.AuthDropTempTable: "DROP TABLE", sqlite.AuthDropTempTrigger: "DROP TRIGGER", sqlite.AuthDropTempView: "DROP VIEW",
	sqlite.AuthDropTrigger: "DROP TRIGGER", sqlite.AuthDropView: "DROP VIEW", sqlite.AuthInsert: "INSERT",
	sqlite.AuthPragma: "PRAGMA", sqlite.AuthTransaction: "BEGIN/COMMIT", sqlite.AuthUpdate: "UPDATE",
	sqlite.AuthAttach: "ATTACH", sqlite.AuthDetach: "DETACH", sqlite.AuthAlterTable: "ALTER TABLE",
	sqlite.AuthReindex: "REINDEX", sqlite.AuthAnalyze: "ANALYZE", sqlite.AuthCreateVTable: "CREATE VIRTUAL TABLE",
	sqlite.AuthDropVTable: "DROP VIRTUAL TABLE", sqlite.AuthSavepoint: "SAVEPOINT",
}

func gradeSQL(ctx context.Context, t Task, code string, lim Limits) Result {
	stmts := splitSQL(code)
	switch {
	case len(stmts) == 0:
		return stopped(t, nil, VerdictCompileError, msg("grader.sql.empty"))
	case len(stmts) > lim.Statements:
		return stopped(t, nil, VerdictRefused, msg("grader.sql.statements", "n", len(stmts), "max", lim.Statements))
	}
	return eachTest(t, func(tc Test) (TestResult, string, Msg) { return runSQLTest(ctx, t, tc, stmts) })
}

func runSQLTest(ctx context.Context, t Task, tc Test, stmts []string) (tr TestResult, verdict string, m Msg) {
	tr = TestResult{Name: tc.Name, Hidden: tc.Hidden}
	stop := func(v string, m Msg) (TestResult, string, Msg) {
		tr.say(m)
		return tr, v, m
	}
	startFailed := func(err error) Msg { return msg("grader.sql.start", "error", clip(err.Error())) }
	connector, err := sqlite.NewConnector(":memory:")
	if err != nil {
		return stop(VerdictUnavailable, startFailed(err))
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return stop(timeOr(ctx, VerdictUnavailable), timeOrMessage(ctx, startFailed(err)))
	}
	defer conn.Close()
	// Temporary tables and sorts stay in memory (the child may not write
	// files), under the child's address-space limit: past it SQLite's
	// allocations fail and the query ends with "out of memory". (SQLite's
	// own hard_heap_limit does nothing here: modernc builds SQLite without
	// memory statistics.)
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store=MEMORY"); err != nil {
		return stop(timeOr(ctx, VerdictUnavailable), timeOrMessage(ctx, startFailed(err)))
	}
	for _, part := range []struct{ what, sql string }{{"schema", t.Schema}, {"setup", tc.Setup}} {
		if strings.TrimSpace(part.sql) == "" {
			continue
		}
		if _, err := conn.ExecContext(ctx, part.sql); err != nil {
			if ctx.Err() != nil {
				return stop(VerdictTimeLimit, timeLimitMsg)
			}
			return stop(VerdictUnavailable, msg("grader.sql.assignment", "part", part.what, "error", clip(err.Error())))
		}
	}
	for _, l := range sqlLimits {
		if _, err := sqlite.Limit(conn, l.id, l.value); err != nil {
			return stop(VerdictUnavailable, startFailed(err))
		}
	}
	var denied string
	err = conn.Raw(func(dc any) error {
		ar, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("the SQLite driver has no authorizer (%T)", dc)
		}
		return ar.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
			switch action {
			case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthRecursive:
				return sqlite.AuthorizerOK
			case sqlite.AuthFunction:
				if !slices.Contains(sqlDeniedFunctions, strings.ToLower(arg2)) {
					return sqlite.AuthorizerOK
				}
				if denied == "" {
					denied = arg2 + "()"
				}
				return sqlite.AuthorizerDeny
			}
			if denied == "" {
				denied = authActionNames[action]
				if action == sqlite.AuthInsert && strings.HasPrefix(strings.ToLower(arg1), "sqlite_") {
					// SQLite asks first to write the schema table:
					// CREATE, ALTER or DROP.
					denied = sqlSchemaChange
				}
				if denied == "" {
					denied = fmt.Sprintf("#%d", action)
				}
			}
			return sqlite.AuthorizerDeny
		})
	})
	if err != nil {
		return stop(VerdictUnavailable, startFailed(err))
	}

	var got [][]any
	for _, stmt := range stmts {
		rows, err := readRows(ctx, conn, stmt)
		if err != nil {
			switch {
			case denied == sqlSchemaChange:
				return stop(VerdictRefused, msg("grader.sql.refused_schema"))
			case denied != "":
				return stop(VerdictRefused, msg("grader.sql.refused", "what", denied))
			case ctx.Err() != nil || sqliteCode(err) == sqlite3.SQLITE_INTERRUPT:
				return stop(VerdictTimeLimit, timeLimitMsg)
			case sqliteCode(err) == sqlite3.SQLITE_NOMEM:
				return stop(VerdictMemoryLimit, memoryLimitMsg)
			case errors.Is(err, errTooManyRows):
				return stop(VerdictOutputLimit, msg("grader.sql.too_many_rows", "max", sqlMaxRows))
			case isSQLSyntaxError(err):
				return stop(VerdictCompileError, msg("grader.sql.error", "error", sqlMessage(err)))
			}
			tr.say(msg("grader.sql.error", "error", sqlMessage(err)))
			return tr, VerdictOK, Msg{}
		}
		got = rows
	}
	want, ok := expectedRows(tc.Expect)
	if !ok {
		return stop(VerdictUnavailable, msg("grader.sql.bad_expect"))
	}
	if m, ok := compareRows(want, got, t.Ordered); !ok {
		tr.say(m)
		return tr, VerdictOK, Msg{}
	}
	tr.Passed = true
	return tr, VerdictOK, Msg{}
}

// sqlSchemaChange marks a denied change of the schema (CREATE, ALTER,
// DROP), which SQLite asks as an INSERT into its schema table.
const sqlSchemaChange = "schema"

var errTooManyRows = errors.New("too many rows")

// readRows runs one statement and reads its rows (none for a statement
// that returns none).
func readRows(ctx context.Context, conn *sql.Conn, stmt string) ([][]any, error) {
	rows, err := conn.QueryContext(ctx, stmt)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := [][]any{}
	for rows.Next() {
		if len(out) == sqlMaxRows {
			return nil, errTooManyRows
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = sqlValue(v)
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// sqlTime is a date the driver read from a DATE, DATETIME or TIMESTAMP
// column: it equals an expected string naming the same instant.
type sqlTime time.Time

func (t sqlTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	layout := "2006-01-02 15:04:05"
	if tt.Hour() == 0 && tt.Minute() == 0 && tt.Second() == 0 && tt.Nanosecond() == 0 {
		layout = "2006-01-02"
	}
	return json.Marshal(tt.Format(layout))
}

// sqlValue turns a scanned value into the decoded-JSON form expected
// values have.
func sqlValue(v any) any {
	switch x := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return fmt.Sprintf("x'%X'", x)
	case time.Time:
		return sqlTime(x)
	case bool:
		if x {
			return json.Number("1")
		}
		return json.Number("0")
	}
	return v
}

// expectedRows reads a test's expected rows.
func expectedRows(expect any) ([][]any, bool) {
	v, _ := normalizeJSON(expect)
	list, ok := v.([]any)
	if !ok {
		return nil, v == nil
	}
	out := make([][]any, len(list))
	for i, r := range list {
		row, ok := r.([]any)
		if !ok {
			return nil, false
		}
		out[i] = row
	}
	return out, true
}

// sqlEqual compares a value read with an expected one: as JSON values, and
// a boolean expected as SQLite's 1 or 0, a date as the instant it names.
func sqlEqual(want, got any) bool {
	switch w := want.(type) {
	case bool:
		n, ok := got.(json.Number)
		return ok && (w && n == "1" || !w && n == "0")
	case string:
		if t, ok := got.(sqlTime); ok {
			for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00",
				"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04",
				"2006-01-02", time.RFC3339Nano} {
				if p, err := time.Parse(layout, w); err == nil {
					return p.Equal(time.Time(t))
				}
			}
			return false
		}
	}
	return jsonEqual(want, got)
}

func rowsEqual(want, got []any) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !sqlEqual(want[i], got[i]) {
			return false
		}
	}
	return true
}

func rowText(row []any) string {
	b, err := json.Marshal(row)
	if err != nil {
		return fmt.Sprint(row)
	}
	return clip(string(b))
}

// compareRows says how got differs from want (false when it does).
func compareRows(want, got [][]any, ordered bool) (Msg, bool) {
	counts := func(code string, row []any) (Msg, bool) {
		return msg(code, "want", len(want), "got", len(got), "row", rowText(row)), false
	}
	if len(got) > 0 && len(want) > 0 && len(got[0]) != len(want[0]) {
		return msg("grader.sql.columns", "want", len(want[0]), "got", len(got[0]), "row", rowText(got[0])), false
	}
	if ordered {
		for i := 0; i < min(len(want), len(got)); i++ {
			if !rowsEqual(want[i], got[i]) {
				return msg("grader.sql.row", "n", i+1, "want", rowText(want[i]), "got", rowText(got[i])), false
			}
		}
		switch {
		case len(got) < len(want):
			return counts("grader.sql.missing_row", want[len(got)])
		case len(got) > len(want):
			return counts("grader.sql.unexpected_row", got[len(want)])
		}
		return Msg{}, true
	}
	// Unordered: each expected row takes one equal row of got.
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for j, g := range got {
			if !used[j] && rowsEqual(w, g) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return counts("grader.sql.missing_row", w)
		}
	}
	for j, g := range got {
		if !used[j] {
			return counts("grader.sql.unexpected_row", g)
		}
	}
	return Msg{}, true
}

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

func isSQLSyntaxError(err error) bool {
	m := err.Error()
	return strings.Contains(m, "syntax error") || strings.Contains(m, "incomplete input") ||
		strings.Contains(m, "unrecognized token")
}

// sqlMessage is an SQLite error without the driver's decoration.
func sqlMessage(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return clip(strings.TrimPrefix(se.Error(), "SQL logic error: "))
	}
	return clip(err.Error())
}

func timeOr(ctx context.Context, v string) string {
	if ctx.Err() != nil {
		return VerdictTimeLimit
	}
	return v
}

func timeOrMessage(ctx context.Context, m Msg) Msg {
	if ctx.Err() != nil {
		return timeLimitMsg
	}
	return m
}

// splitSQL cuts code into statements at semicolons outside strings,
// quoted names and comments; statements with nothing but comments and
// spaces are dropped.
func splitSQL(s string) []string {
	var out []string
	start, i := 0, 0
	code := false // the current statement has something besides comments
	flush := func(end int) {
		if code {
			out = append(out, strings.TrimSpace(s[start:end]))
		}
		start, code = end+1, false
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closing := c
			if c == '[' {
				closing = ']'
			}
			code = true
			i++
			for i < len(s) {
				if s[i] == closing {
					if closing != ']' && i+1 < len(s) && s[i+1] == closing {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
		case c == ';':
			flush(i)
			i++
		default:
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
				code = true
			}
			i++
		}
	}
	if start < len(s) {
		flush(len(s))
	}
	return out
}
