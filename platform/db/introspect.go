package db

import (
	"context"
	"sort"
	"strings"
)

// Column is a column as the database reports it.
type Column struct {
	Name     string
	Type     string // as declared (SQLite) or the data type (Postgres), lower case
	Nullable bool
}

// Schema lists the application's tables and their columns (sorted by name),
// leaving out the database's own tables. Tests use it to check that both
// dialects end up with the same schema.
func (d *DB) Schema(ctx context.Context) (map[string][]Column, error) {
	out := map[string][]Column{}
	if d.IsPostgres() {
		rows, err := d.R.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'YES'
			FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, column_name`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var table string
			var c Column
			if err := rows.Scan(&table, &c.Name, &c.Type, &c.Nullable); err != nil {
				return nil, err
			}
			c.Type = strings.ToLower(c.Type)
			out[table] = append(out[table], c)
		}
		return out, rows.Err()
	}
	// pragma_table_list tells ordinary tables from virtual (FTS5) tables and
	// their shadow tables, which are indexes in all but name.
	var tables []string
	if err := d.R.NewSelect().TableExpr("pragma_table_list").Column("name").
		Where("type = 'table'").Where("schema = 'main'").Where("name NOT LIKE 'sqlite_%'").Scan(ctx, &tables); err != nil {
		return nil, err
	}
	for _, t := range tables {
		// An INTEGER PRIMARY KEY is the rowid: never NULL, whatever notnull says.
		rows, err := d.R.QueryContext(ctx, `SELECT name, lower(type),
			"notnull" = 0 AND NOT (pk > 0 AND lower(type) = 'integer') FROM pragma_table_info(?)`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c Column
			if err := rows.Scan(&c.Name, &c.Type, &c.Nullable); err != nil {
				rows.Close()
				return nil, err
			}
			out[t] = append(out[t], c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		sort.Slice(out[t], func(i, j int) bool { return out[t][i].Name < out[t][j].Name })
	}
	return out, nil
}

// TableExists reports whether the application table exists.
func (d *DB) TableExists(ctx context.Context, name string) (bool, error) {
	var n int
	var err error
	if d.IsPostgres() {
		err = d.R.NewSelect().ColumnExpr("count(*)").TableExpr("information_schema.tables").
			Where("table_schema = current_schema()").Where("table_name = ?", name).Scan(ctx, &n)
	} else {
		err = d.R.NewSelect().ColumnExpr("count(*)").TableExpr("sqlite_master").
			Where("type = 'table'").Where("name = ?", name).Scan(ctx, &n)
	}
	return n > 0, err
}
