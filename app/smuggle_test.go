package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

// A body a handler did not read must not be run as the next request on the
// same connection (request smuggling through an unread body).
func TestSmuggle(t *testing.T) {
	t.Parallel()
	for _, chunked := range []bool{false, true} {
		ta := apptest.New(t, db.SQLite)
		base := testkit.Listen(t, ta.App.Fiber)
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		inner := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
		body := strings.Repeat(" ", 8192) + inner
		var req string
		if chunked {
			req = fmt.Sprintf("POST /api/courses/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(`{"a":1}`), `{"a":1}`)
		} else {
			req = fmt.Sprintf("POST /api/courses/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}
		conn.Write([]byte(req))
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		b, _ := io.ReadAll(conn)
		// The padded body must never be parsed as a second request.
		if n := strings.Count(string(b), "HTTP/1.1 "); n != 1 || strings.Contains(string(b), `"status":"ok"`) {
			t.Errorf("chunked=%v: %d responses, want 1: %q", chunked, n, firstLines(string(b)))
		}
		conn.Close()
	}
}

func firstLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\r\n") {
		if strings.HasPrefix(l, "HTTP/1.1") || strings.HasPrefix(l, "{") {
			if len(l) > 120 {
				l = l[:120]
			}
			out = append(out, l)
		}
	}
	return out
}

// A chunked JSON body (no Content-Length) must reach huma handlers intact.
func TestChunkedJSON(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, db.SQLite)
	base := testkit.Listen(t, ta.App.Fiber)
	const pw = "correct-horse-battery-9"
	body := `{"email":"c@example.com","password":"` + pw + `","password_confirm":"` + pw + `","nickname":"cc"}`
	// A reader without a length: the client sends it chunked.
	resp, err := http.Post(base+"/api/student/register/", "application/json", io.MultiReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("chunked JSON to a huma route: %d %.300s", resp.StatusCode, b)
	}
}
