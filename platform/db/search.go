package db

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Text search: substring matching that ignores case and works for Korean,
// backed by an index on both dialects, with the same results on both.
//
//   - SQLite: an external-content FTS5 table "<table>_fts" with the trigram
//     tokenizer, kept in sync by triggers. Terms of three characters or more
//     use it; shorter ones ("기초") fall back to LIKE on the columns.
//   - Postgres: a pg_trgm GIN index per column, used by
//     col1 ILIKE '%term%' OR col2 ILIKE '%term%' (a bitmap OR of the indexes).
//     Requires the pg_trgm extension (trusted since PostgreSQL 13: the
//     database owner may create it; the migration does).
//
// A term matches within one column on both dialects, never across two.
// Case is folded by Unicode rules on Postgres and in SQLite's trigram index
// (terms of three characters or more); SQLite's LIKE fallback for shorter
// terms folds ASCII only (Hangul has no case, so Korean is unaffected).
//
// Word-based full-text search (to_tsvector) is not used: it cannot split
// Korean words from their particles ("자바스크립트를"), so substring search
// over trigrams is what finds what a Korean learner types.
//
// Migrations create the index with the template method
// {{.TextSearch "catalog_courses" "title" "description"}} and drop it with
// {{.DropTextSearch "catalog_courses"}}; queries use WhereTextSearch with the
// same table and columns. The table needs an integer "id" primary key.

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func checkIdents(names ...string) {
	for _, n := range names {
		if !identRE.MatchString(n) {
			panic(fmt.Sprintf("db: %q is not a plain lower-case identifier", n))
		}
	}
}

// TextSearchSQL returns the statements that create the text index of table
// over cols for the dialect.
func TextSearchSQL(dialect, table string, cols ...string) string {
	checkIdents(append([]string{table}, cols...)...)
	if dialect == Postgres {
		var b strings.Builder
		b.WriteString("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\n")
		for _, c := range cols {
			fmt.Fprintf(&b, "CREATE INDEX %[1]s_%[2]s_trgm_idx ON %[1]s USING GIN (%[2]s public.gin_trgm_ops);\n", table, c)
		}
		return b.String()
	}
	fts := table + "_fts"
	colList := strings.Join(cols, ", ")
	newVals := "new." + strings.Join(cols, ", new.")
	oldVals := "old." + strings.Join(cols, ", old.")
	return fmt.Sprintf(`CREATE VIRTUAL TABLE %[1]s USING fts5(%[2]s, content='%[3]s', content_rowid='id', tokenize='trigram');
INSERT INTO %[1]s(%[1]s) VALUES ('rebuild');
CREATE TRIGGER %[3]s_fts_ai AFTER INSERT ON %[3]s BEGIN
  INSERT INTO %[1]s(rowid, %[2]s) VALUES (new.id, %[4]s);
END;
CREATE TRIGGER %[3]s_fts_ad AFTER DELETE ON %[3]s BEGIN
  INSERT INTO %[1]s(%[1]s, rowid, %[2]s) VALUES ('delete', old.id, %[5]s);
END;
CREATE TRIGGER %[3]s_fts_au AFTER UPDATE ON %[3]s BEGIN
  INSERT INTO %[1]s(%[1]s, rowid, %[2]s) VALUES ('delete', old.id, %[5]s);
  INSERT INTO %[1]s(rowid, %[2]s) VALUES (new.id, %[4]s);
END;`, fts, colList, table, newVals, oldVals)
}

// DropTextSearchSQL returns the statements that remove the text index of
// table over cols.
func DropTextSearchSQL(dialect, table string, cols ...string) string {
	checkIdents(append([]string{table}, cols...)...)
	if dialect == Postgres {
		var b strings.Builder
		for _, c := range cols {
			fmt.Fprintf(&b, "DROP INDEX IF EXISTS %s_%s_trgm_idx;\n", table, c)
		}
		return b.String()
	}
	return fmt.Sprintf("DROP TRIGGER IF EXISTS %[1]s_fts_ai;\nDROP TRIGGER IF EXISTS %[1]s_fts_ad;\n"+
		"DROP TRIGGER IF EXISTS %[1]s_fts_au;\nDROP TABLE IF EXISTS %[1]s_fts;", table)
}

// WhereTextSearch keeps the rows of table (aliased alias in q, or the table
// name when alias is "") whose cols contain term, ignoring case. An empty term
// matches everything.
func (d *DB) WhereTextSearch(q *bun.SelectQuery, table, alias string, cols []string, term string) *bun.SelectQuery {
	checkIdents(append([]string{table}, cols...)...)
	term = strings.TrimSpace(term)
	if term == "" {
		return q
	}
	if alias == "" {
		alias = table
	}
	checkIdents(alias)
	pattern := ContainsPattern(term)
	if d.IsPostgres() {
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			for _, c := range cols {
				q = q.WhereOr(alias+"."+c+` ILIKE ? ESCAPE '\'`, pattern)
			}
			return q
		})
	}
	if utf8.RuneCountInString(term) >= 3 {
		// A phrase query: the term matches as one substring.
		phrase := `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
		return q.Where(fmt.Sprintf("%s.id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH ?)", alias, table, table), phrase)
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, c := range cols {
			q = q.WhereOr(alias+"."+c+` LIKE ? ESCAPE '\'`, pattern)
		}
		return q
	})
}
