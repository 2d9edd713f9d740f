package testkit

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/platform/authz"
)

// MatrixRow is one route of the golden authorization matrix: the expected
// status for each caller. Every caller of the run must have an expectation,
// so adding a caller (or a route) forces a decision for every cell.
type MatrixRow struct {
	Method string
	Path   string
	Body   any
	Want   map[string]int // caller name → status
}

// RunMatrix sends every row as every caller and reports all mismatches at
// once, as a table.
func RunMatrix(t *testing.T, c *Client, callers map[string]*authz.Principal, rows []MatrixRow) {
	t.Helper()
	names := make([]string, 0, len(callers))
	for n := range callers {
		names = append(names, n)
	}
	sort.Strings(names)
	var bad []string
	for _, row := range rows {
		for _, name := range names {
			want, ok := row.Want[name]
			if !ok {
				bad = append(bad, fmt.Sprintf("%s %s: no expectation for caller %q", row.Method, row.Path, name))
				continue
			}
			resp := c.As(callers[name]).Request(row.Method, row.Path, row.Body)
			if resp.StatusCode != want {
				bad = append(bad, fmt.Sprintf("%s %s as %s: got %d, want %d", row.Method, row.Path, name, resp.StatusCode, want))
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("authorization matrix: %d mismatches:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
}

// Expect builds a Want map: Expect(200, "admin", "tutor").And(403, "student")…
type Expect map[string]int

// All returns expectations of status for every given caller name.
func All(status int, names ...string) Expect {
	e := Expect{}
	for _, n := range names {
		e[n] = status
	}
	return e
}

// And adds expectations.
func (e Expect) And(status int, names ...string) Expect {
	for _, n := range names {
		e[n] = status
	}
	return e
}
