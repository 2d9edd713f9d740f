package db_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"testing"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

func TestJSONColumn(t *testing.T) {
	type payload struct {
		A string `json:"a"`
		N int    `json:"n"`
	}
	cases := []struct {
		name string
		in   driver.Valuer
		want string
	}{
		{"nil slice", db.JSON[[]string]{}, "[]"},
		{"slice", db.JSON[[]string]{V: []string{"x", "y"}}, `["x","y"]`},
		{"nil map", db.JSON[map[string]int]{}, "{}"},
		{"struct", db.JSON[payload]{V: payload{A: "가", N: 2}}, `{"a":"가","n":2}`},
		{"raw", db.JSON[json.RawMessage]{V: json.RawMessage(`{"k":1}`)}, `{"k":1}`},
		{"int", db.JSON[int]{V: 3}, "3"},
	}
	for _, c := range cases {
		v, err := c.in.Value()
		if err != nil || v != c.want {
			t.Errorf("%s: Value() = %v, %v; want %s", c.name, v, err, c.want)
		}
	}
	var p db.JSON[payload]
	for _, src := range []any{`{"a":"b","n":1}`, []byte(`{"a":"b","n":1}`)} {
		if err := p.Scan(src); err != nil || p.V != (payload{A: "b", N: 1}) {
			t.Errorf("Scan(%T) = %+v, %v", src, p.V, err)
		}
	}
	if err := p.Scan(nil); err != nil || p.V != (payload{}) {
		t.Errorf("Scan(nil) = %+v, %v; want the zero value", p.V, err)
	}
	if err := p.Scan(42); err == nil {
		t.Error("Scan(int) accepted")
	}
	if err := p.Scan(`{"a":`); err == nil {
		t.Error("Scan(malformed) accepted")
	}
}

// A JSON column round-trips through a real table on both dialects.
func TestJSONColumnRoundTrip(t *testing.T) {
	type row struct {
		bun.BaseModel `bun:"table:json_probe"`
		ID            int64                    `bun:"id,pk"`
		Tags          db.JSON[[]string]        `bun:"tags,notnull"`
		Doc           db.JSON[map[string]any]  `bun:"doc,notnull"`
		Raw           db.JSON[json.RawMessage] `bun:"raw,notnull"`
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		ctx := context.Background()
		js := "TEXT"
		if d.IsPostgres() {
			js = "JSONB"
		}
		_, err := d.W.ExecContext(ctx, "CREATE TABLE json_probe (id BIGINT PRIMARY KEY, tags "+js+" NOT NULL, doc "+js+" NOT NULL, raw "+js+" NOT NULL)")
		testkit.Must(t, err)
		in := &row{ID: 1, Doc: db.JSON[map[string]any]{V: map[string]any{"k": "값"}}, Raw: db.JSON[json.RawMessage]{V: json.RawMessage(`{"video":"media:video:1"}`)}}
		_, err = d.W.NewInsert().Model(in).Exec(ctx)
		testkit.Must(t, err)
		var out row
		testkit.Must(t, d.R.NewSelect().Model(&out).Where("id = 1").Scan(ctx))
		if out.Tags.V == nil || len(out.Tags.V) != 0 {
			t.Errorf("nil tags read back as %#v, want an empty slice", out.Tags.V)
		}
		if out.Doc.V["k"] != "값" {
			t.Errorf("doc = %#v", out.Doc.V)
		}
		var video struct{ Video string }
		if err := json.Unmarshal(out.Raw.V, &video); err != nil || video.Video != "media:video:1" {
			t.Errorf("raw = %s (%v)", out.Raw.V, err)
		}
	})
}
