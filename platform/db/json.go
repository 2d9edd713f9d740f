package db

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
)

// JSON stores a Go value as JSON text in a JSON column ({{.JSON}} in
// migrations: JSONB on Postgres, JSON_TEXT on SQLite). bun would otherwise
// write a Go slice as a Postgres array and could not scan SQLite's text, so
// every JSON column of every module goes through this one type:
//
//	Tags db.JSON[[]string] `bun:"tags,notnull"`
//
// A nil slice is stored as [] and a nil map as {}, never as null, so a NOT
// NULL column always holds a document of the declared shape; SQL NULL scans
// as the zero value.
type JSON[T any] struct{ V T }

// Value implements driver.Valuer.
func (j JSON[T]) Value() (driver.Value, error) {
	switch rv := reflect.ValueOf(j.V); {
	case rv.Kind() == reflect.Slice && rv.IsNil():
		return "[]", nil
	case rv.Kind() == reflect.Map && rv.IsNil():
		return "{}", nil
	}
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("db: JSON value of %T: %w", j.V, err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (j *JSON[T]) Scan(src any) error {
	var zero T
	j.V = zero
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(s), &j.V)
	case []byte:
		return json.Unmarshal(s, &j.V)
	}
	return fmt.Errorf("db: cannot scan %T as JSON", src)
}
