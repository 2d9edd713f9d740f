package testkit

import (
	"net/http"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/platform/authz"
)

// Caller is a signed-in client as a real one is: the tokens of a session
// started through POST /api/login/, checked by the app's own authentication
// on every request (session, expiry, deactivation). A nil *Caller is an
// anonymous client.
type Caller struct {
	UserID int64
	Role   authz.Role
	// AccessToken is what an API client sends: Authorization: Bearer.
	AccessToken string
	// Cookies are what a browser sends to pages: the access cookie (and
	// the known-device one), those set for every path.
	Cookies []*http.Cookie
}

// Login signs in through the API with e-mail and password, as a client
// does, and fails the test unless the sign-in succeeds.
func Login(t testing.TB, c *Client, email, password string) *Caller {
	t.Helper()
	resp := c.Request(http.MethodPost, "/api/login/", map[string]string{"email": email, "password": password}).Status(http.StatusOK)
	var out struct {
		AccessToken string `json:"access_token"`
		User        struct {
			ID   int64      `json:"id"`
			Role authz.Role `json:"role"`
		} `json:"user"`
	}
	resp.JSON(&out)
	if out.AccessToken == "" || out.User.ID == 0 {
		t.Fatalf("login %s: no token or user: %s", email, truncate(resp.Body))
	}
	caller := &Caller{UserID: out.User.ID, Role: out.User.Role, AccessToken: out.AccessToken}
	for _, ck := range resp.Cookies() {
		if ck.Value != "" && (ck.Path == "" || ck.Path == "/") {
			caller.Cookies = append(caller.Cookies, ck)
		}
	}
	if len(caller.Cookies) == 0 {
		t.Fatalf("login %s: no session cookie", email)
	}
	return caller
}

// Headers returns the headers the caller authenticates a request with: the
// bearer token for the API (as an API client), the session cookies for a
// page and anything outside the API (as a browser). Nil for an anonymous
// caller.
func (c *Caller) Headers(path string, page bool) []string {
	if c == nil {
		return nil
	}
	if !page && (path == "/api" || strings.HasPrefix(path, "/api/")) {
		return []string{"Authorization", "Bearer " + c.AccessToken}
	}
	pairs := make([]string, 0, len(c.Cookies))
	for _, ck := range c.Cookies {
		pairs = append(pairs, ck.Name+"="+ck.Value)
	}
	return []string{"Cookie", strings.Join(pairs, "; ")}
}
