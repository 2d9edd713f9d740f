package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// ---- A fake OpenID Connect provider ------------------------------------------

const (
	oidcClientID     = "weaverse-test-client"
	oidcClientSecret = "weaverse-test-secret"
	oidcKeyID        = "test-key-1"
)

// oidcUser is the person signing in at the fake provider.
type oidcUser struct {
	Sub, Email, Name string
	Verified         bool
}

// oidcFake is an in-process OpenID Connect provider: discovery, JWKS, an
// authorization endpoint that approves at once, and a token endpoint that
// checks the client, the single-use code and PKCE, then signs an ID token.
// Its misbehaviours are switched per case.
type oidcFake struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey
	// forger signs under the published key id but is another key.
	forger *rsa.PrivateKey

	mu    sync.Mutex
	now   func() time.Time // the app's clock, for iat and exp
	codes map[string]oidcGrant
	user  oidcUser
	// Misbehaviours.
	deny          bool                 // /authorize answers error=access_denied
	forge         bool                 // sign with forger
	breakDiscover bool                 // discovery answers 500
	tweak         func(map[string]any) // edits the ID token's claims
}

// oidcGrant is what /authorize recorded for a code.
type oidcGrant struct {
	challenge, nonce, redirectURI string
}

func newOIDCFake(t *testing.T) *oidcFake {
	t.Helper()
	f := &oidcFake{t: t, key: oidcRSAKey(t), forger: oidcRSAKey(t), codes: map[string]oidcGrant{}, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /jwks", f.jwks)
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	f.srv = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(f.srv.Close)
	return f
}

func oidcRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// option points the app at the fake provider.
func (f *oidcFake) option() apptest.Option {
	return func(cfg *config.Config, o *app.Options) {
		cfg.Auth.Google = config.OIDC{Issuer: f.srv.URL, ClientID: oidcClientID, ClientSecret: oidcClientSecret}
		o.HTTPClient = f.srv.Client()
	}
}

// reset restores good behaviour and signs in as u.
func (f *oidcFake) reset(u oidcUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user, f.deny, f.forge, f.breakDiscover, f.tweak = u, false, false, false, nil
}

func (f *oidcFake) set(fn func(f *oidcFake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *oidcFake) discovery(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	broken := f.breakDiscover
	f.mu.Unlock()
	if broken {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	u := f.srv.URL
	oidcWriteJSON(w, http.StatusOK, map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
		"jwks_uri": u + "/jwks", "response_types_supported": []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (f *oidcFake) jwks(w http.ResponseWriter, r *http.Request) {
	oidcWriteJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &f.key.PublicKey, KeyID: oidcKeyID, Algorithm: string(jose.RS256), Use: "sig"}}})
}

func (f *oidcFake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != oidcClientID || q.Get("redirect_uri") == "" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" ||
		q.Get("state") == "" || !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := url.Values{"state": {q.Get("state")}}
	f.mu.Lock()
	if f.deny {
		bq.Set("error", "access_denied")
	} else {
		code := rand.Text()
		f.codes[code] = oidcGrant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirectURI: q.Get("redirect_uri")}
		bq.Set("code", code)
	}
	f.mu.Unlock()
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *oidcFake) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oidcWriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	// Client authentication: HTTP Basic (form-encoded id and secret, RFC
	// 6749 §2.3.1) or the client_secret_post parameters.
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != oidcClientID || secret != oidcClientSecret {
		oidcWriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oidcWriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code := r.PostForm.Get("code")
	g, ok := f.codes[code]
	delete(f.codes, code) // single use, as RFC 6749 §4.1.2 requires
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || r.PostForm.Get("redirect_uri") != g.redirectURI ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		oidcWriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := f.now()
	claims := map[string]any{
		"iss": f.srv.URL, "aud": oidcClientID, "sub": f.user.Sub, "email": f.user.Email,
		"email_verified": f.user.Verified, "name": f.user.Name, "nonce": g.nonce,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if f.tweak != nil {
		f.tweak(claims)
	}
	key := f.key
	if f.forge {
		key = f.forger
	}
	oidcWriteJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer",
		"expires_in": 3600, "id_token": f.sign(key, claims)})
}

func (f *oidcFake) sign(key *rsa.PrivateKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256,
		Key: jose.JSONWebKey{Key: key, KeyID: oidcKeyID}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		f.t.Error(err)
		return ""
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		f.t.Error(err)
		return ""
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		f.t.Error(err)
	}
	return raw
}

func oidcWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ---- Driving the flow without a browser -----------------------------------------

// socialStart calls the start endpoint and returns the provider URL and the
// state cookie.
func socialStart(t *testing.T, ta *apptest.T, next string) (string, *http.Cookie) {
	t.Helper()
	path := "/api/social-login/google"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	resp := ta.Get(path).Status(http.StatusFound)
	c := socialCookie(resp, "oidc_state")
	if c == nil || c.Value == "" {
		t.Fatalf("no state cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	return resp.Header.Get("Location"), c
}

// socialAuthorize visits the provider's authorization URL like a browser
// that does not follow the redirect, and returns the callback path+query.
func socialAuthorize(t *testing.T, authURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/api/social-login/google/callback" {
		t.Fatalf("callback URL %s", u)
	}
	return u.RequestURI()
}

// socialCallback calls the callback with the state cookie (nil: none).
func socialCallback(ta *apptest.T, callback string, state *http.Cookie) *testkit.Response {
	if state == nil {
		return ta.Get(callback)
	}
	return ta.Get(callback, "Cookie", state.Name+"="+state.Value)
}

// socialLogin runs the whole flow and returns the callback's answer.
func socialLogin(t *testing.T, ta *apptest.T, next string) *testkit.Response {
	t.Helper()
	authURL, state := socialStart(t, ta, next)
	return socialCallback(ta, socialAuthorize(t, authURL), state)
}

func socialCookie(resp *testkit.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// socialMe signs in successfully and returns the profile of GET /api/me/
// with the access token the callback set.
func socialMe(t *testing.T, ta *apptest.T, next string) map[string]any {
	t.Helper()
	resp := socialLogin(t, ta, next).Status(http.StatusFound)
	if got := resp.Header.Get("Location"); got != next {
		t.Fatalf("redirect to %q, want %q", got, next)
	}
	access, refresh := socialCookie(resp, "access_token"), socialCookie(resp, "refresh_token")
	if access == nil || access.Value == "" || refresh == nil || refresh.Value == "" || !access.HttpOnly {
		t.Fatalf("session cookies missing: %v", resp.Header.Values("Set-Cookie"))
	}
	socialStateCleared(t, resp)
	return ta.Get("/api/me/", "Authorization", "Bearer "+access.Value).Status(http.StatusOK).Map()
}

// socialStateCleared checks that the answer removes the state cookie.
func socialStateCleared(t *testing.T, resp *testkit.Response) {
	t.Helper()
	c := socialCookie(resp, "oidc_state")
	if c == nil || c.MaxAge >= 0 || c.Value != "" || c.Path != "/api/social-login/" {
		t.Fatalf("state cookie not cleared: %v", resp.Header.Values("Set-Cookie"))
	}
}

func socialCount(t *testing.T, ta *apptest.T, table, column, value string) int {
	t.Helper()
	n, err := ta.App.DB.R.NewSelect().Table(table).Where("lower(?) = lower(?)", bun.Ident(column), value).
		Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// directory is the accounts module's service, as other modules see it.
func directory(t *testing.T, ta *apptest.T) accounts.Directory {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if d, ok := m.(interface{ Directory() accounts.Directory }); ok {
			return d.Directory()
		}
	}
	t.Fatal("no accounts module")
	return nil
}

// ---- Tests --------------------------------------------------------------------------

func TestSocialLogin(t *testing.T) {
	idp := newOIDCFake(t)
	admin := &authz.Principal{UserID: 3001, Role: authz.Admin}

	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		idp.set(func(f *oidcFake) { f.now = ta.Clock.Now })
		// Each case gets a client bound to its own t, so that a failure
		// stops that case only.
		run := func(name string, fn func(t *testing.T, ta *apptest.T)) {
			t.Run(name, func(t *testing.T) {
				sub := *ta
				sub.Client = testkit.NewClient(t, ta.App.Fiber)
				fn(t, &sub)
			})
		}

		run("redirect", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{})
			authURL, state := socialStart(t, ta, "/courses")
			u, err := url.Parse(authURL)
			if err != nil || !strings.HasPrefix(authURL, idp.srv.URL+"/authorize?") {
				t.Fatalf("redirect to %s", authURL)
			}
			q := u.Query()
			if q.Get("redirect_uri") != "http://127.0.0.1:8080/api/social-login/google/callback" ||
				q.Get("scope") != "openid email profile" || q.Get("code_challenge_method") != "S256" ||
				q.Get("client_id") != oidcClientID || len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 {
				t.Fatalf("authorization request %v", q)
			}
			if !state.HttpOnly || state.SameSite != http.SameSiteLaxMode || state.Path != "/api/social-login/" ||
				state.MaxAge != 600 || strings.Contains(state.Value, q.Get("nonce")) {
				t.Fatalf("state cookie %+v", state)
			}
			ta.Get("/api/social-login/google/").Status(http.StatusFound) // the documented spelling
		})

		run("new user, then the same user again", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-new", Email: "new.learner@example.com", Name: "New Learner", Verified: true})
			me := socialMe(t, ta, "/courses/7?tab=lectures")
			if me["email"] != "new.learner@example.com" || me["role"] != "student" || me["has_password"] != false ||
				me["last_login_at"] != ta.Clock.Now().UTC().Format(time.RFC3339) {
				t.Fatalf("me %v", me)
			}
			again := socialMe(t, ta, "/")
			if again["id"] != me["id"] {
				t.Fatalf("second login: user %v, want %v", again["id"], me["id"])
			}
			if n := socialCount(t, ta, "accounts_users", "email", "new.learner@example.com"); n != 1 {
				t.Fatalf("%d users", n)
			}
			if n := socialCount(t, ta, "auth_identities", "subject", "sub-new"); n != 1 {
				t.Fatalf("%d identities", n)
			}
		})

		// Registering never proves the e-mail, so the provider's verified
		// e-mail claims the account and drops what the registrant set up: a
		// squatter who registered the victim's address keeps no way in.
		run("links an existing account by verified e-mail", func(t *testing.T, ta *apptest.T) {
			reg := ta.Request(http.MethodPost, "/api/student/register/", map[string]string{
				"email": "linked@example.com", "password": "correct-horse-battery-9",
				"password_confirm": "correct-horse-battery-9", "nickname": "linkedone",
			}).Status(http.StatusCreated).Map()
			squatter := ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "linked@example.com",
				"password": "correct-horse-battery-9"}).Status(http.StatusOK).Map()
			idp.reset(oidcUser{Sub: "sub-linked", Email: "Linked@Example.com", Name: "Linked", Verified: true})
			me := socialMe(t, ta, "/")
			if me["id"] != reg["id"] || me["has_password"] != false {
				t.Fatalf("linked to %v, want %v without a password", me, reg["id"])
			}
			ta.Get("/api/me/", "Authorization", "Bearer "+squatter["access_token"].(string)).Status(http.StatusUnauthorized)
			ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "linked@example.com",
				"password": "correct-horse-battery-9"}).Status(http.StatusUnauthorized)
			// The next social sign-in finds the identity and changes nothing.
			again := socialMe(t, ta, "/")
			if again["id"] != reg["id"] {
				t.Fatalf("second sign-in: %v", again)
			}
			if n := socialCount(t, ta, "accounts_users", "email", "linked@example.com"); n != 1 {
				t.Fatalf("%d users", n)
			}
		})

		// Accounts creates the account in its own transaction, then auth
		// links the identity in its own: a crash between the two leaves a
		// verified account without a password or a link, which the next
		// sign-in links.
		run("account created, link lost", func(t *testing.T, ta *apptest.T) {
			u, err := directory(t, ta).CreateSocialUser(context.Background(), "crashed@example.com", "Crashed")
			testkit.Must(t, err)
			idp.reset(oidcUser{Sub: "sub-crash", Email: "crashed@example.com", Name: "Crashed", Verified: true})
			me := socialMe(t, ta, "/")
			if int64(me["id"].(float64)) != u.ID || me["has_password"] != false {
				t.Fatalf("signed in as %v, want user %d", me, u.ID)
			}
			if u, l := socialCount(t, ta, "accounts_users", "email", "crashed@example.com"),
				socialCount(t, ta, "auth_identities", "subject", "sub-crash"); u != 1 || l != 1 {
				t.Fatalf("%d users, %d identities", u, l)
			}
		})

		// An account deleted while its identity was being linked leaves a
		// link to the erased account: the next sign-in drops it and goes on
		// as a first one.
		run("identity of a deleted account", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-gone", Email: "gone@example.com", Name: "Gone", Verified: true})
			me := socialMe(t, ta, "/")
			id := int64(me["id"].(float64))
			ta.As(admin).Request(http.MethodDelete, "/api/students/"+strconv.FormatInt(id, 10)+"/", nil).Status(http.StatusNoContent)
			now := ta.Clock.Now()
			_, err := ta.App.DB.W.NewRaw("INSERT INTO auth_identities (user_id, provider, subject, email, created_at, last_login_at) "+
				"VALUES (?, 'google', 'sub-gone', 'gone@example.com', ?, ?)", id, now, now).Exec(context.Background())
			testkit.Must(t, err)
			again := socialMe(t, ta, "/")
			if again["id"] == me["id"] || again["email"] != "gone@example.com" {
				t.Fatalf("signed in as %v, the deleted account was %v", again, me["id"])
			}
			if u, l := socialCount(t, ta, "accounts_users", "email", "gone@example.com"),
				socialCount(t, ta, "auth_identities", "subject", "sub-gone"); u != 1 || l != 1 {
				t.Fatalf("%d users, %d identities", u, l)
			}
		})

		run("unverified e-mail", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-unverified", Email: "linked@example.com", Name: "Mallory"})
			resp := socialLogin(t, ta, "/")
			resp.Problem(http.StatusUnauthorized, "auth.social_unverified")
			socialStateCleared(t, resp)
			if socialCookie(resp, "access_token") != nil {
				t.Fatal("session cookie set")
			}
			if n := socialCount(t, ta, "auth_identities", "subject", "sub-unverified"); n != 0 {
				t.Fatal("identity linked")
			}
		})

		// Every bad token is refused with the same answer.
		for _, c := range []struct {
			name string
			bad  func(f *oidcFake)
		}{
			{"forged signature", func(f *oidcFake) { f.forge = true }},
			{"wrong audience", func(f *oidcFake) { f.tweak = func(c map[string]any) { c["aud"] = "someone-else" } }},
			{"wrong issuer", func(f *oidcFake) { f.tweak = func(c map[string]any) { c["iss"] = "https://evil.example" } }},
			{"wrong nonce", func(f *oidcFake) { f.tweak = func(c map[string]any) { c["nonce"] = "replayed-nonce" } }},
			{"missing nonce", func(f *oidcFake) { f.tweak = func(c map[string]any) { delete(c, "nonce") } }},
			{"expired", func(f *oidcFake) {
				f.tweak = func(c map[string]any) {
					c["iat"] = f.now().Add(-2 * time.Hour).Unix()
					c["exp"] = f.now().Add(-time.Hour).Unix()
				}
			}},
			{"no sub", func(f *oidcFake) { f.tweak = func(c map[string]any) { delete(c, "sub") } }},
		} {
			run(c.name, func(t *testing.T, ta *apptest.T) {
				idp.reset(oidcUser{Sub: "sub-bad", Email: "bad@example.com", Name: "Bad", Verified: true})
				idp.set(c.bad)
				resp := socialLogin(t, ta, "/")
				resp.Problem(http.StatusUnauthorized, "auth.social_failed")
				socialStateCleared(t, resp)
				if n := socialCount(t, ta, "accounts_users", "email", "bad@example.com"); n != 0 {
					t.Fatal("user created")
				}
			})
		}

		run("provider error", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-denied", Email: "denied@example.com", Verified: true})
			idp.set(func(f *oidcFake) { f.deny = true })
			authURL, state := socialStart(t, ta, "/")
			cb := socialAuthorize(t, authURL)
			if !strings.Contains(cb, "error=access_denied") {
				t.Fatalf("callback %s", cb)
			}
			socialCallback(ta, cb, state).Problem(http.StatusUnauthorized, "auth.social_failed")
		})

		run("tampered state", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-tamper", Email: "tamper@example.com", Verified: true})
			authURL, state := socialStart(t, ta, "/")
			cb := socialAuthorize(t, authURL)
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("state", q.Get("state")+"x")
			u.RawQuery = q.Encode()
			socialCallback(ta, u.RequestURI(), state).Problem(http.StatusUnauthorized, "auth.social_failed")

			// A state cookie of another login (the attacker's own) does not
			// fit the victim's callback either.
			_, other := socialStart(t, ta, "/")
			authURL, _ = socialStart(t, ta, "/")
			socialCallback(ta, socialAuthorize(t, authURL), other).Problem(http.StatusUnauthorized, "auth.social_failed")

			// Nor does a cookie altered by the client.
			authURL, state = socialStart(t, ta, "/")
			forged := *state
			forged.Value = state.Value[:len(state.Value)-4] + "AAAA"
			socialCallback(ta, socialAuthorize(t, authURL), &forged).Problem(http.StatusUnauthorized, "auth.social_failed")
		})

		run("missing cookie", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-nocookie", Email: "nocookie@example.com", Verified: true})
			authURL, _ := socialStart(t, ta, "/")
			resp := socialCallback(ta, socialAuthorize(t, authURL), nil)
			resp.Problem(http.StatusUnauthorized, "auth.social_failed")
			socialStateCleared(t, resp)
		})

		run("replayed callback", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-replay", Email: "replay@example.com", Verified: true})
			authURL, state := socialStart(t, ta, "/")
			cb := socialAuthorize(t, authURL)
			resp := socialCallback(ta, cb, state).Status(http.StatusFound)
			socialStateCleared(t, resp)
			// The browser dropped the cookie: replaying the URL fails.
			socialCallback(ta, cb, nil).Problem(http.StatusUnauthorized, "auth.social_failed")
			// Even with the old cookie kept, the code was used.
			socialCallback(ta, cb, state).Problem(http.StatusUnauthorized, "auth.social_failed")
		})

		run("next stays on this site", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-next", Email: "next@example.com", Verified: true})
			for next, want := range map[string]string{
				"//evil.example":       "/",
				"/\\evil.example":      "/",
				"https://evil.example": "/",
				"/\t/evil.example":     "/",
				"evil.example":         "/",
				"":                     "/",
				"/learn/3?x=1#top":     "/learn/3?x=1#top",
			} {
				resp := socialLogin(t, ta, next).Status(http.StatusFound)
				if got := resp.Header.Get("Location"); got != want {
					t.Errorf("next %q: redirect to %q, want %q", next, got, want)
				}
			}
		})

		run("deactivated user", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-deact", Email: "deact@example.com", Name: "Soon Gone", Verified: true})
			me := socialMe(t, ta, "/")
			id := int64(me["id"].(float64))
			ta.As(admin).Request(http.MethodPatch, "/api/students/"+strconv.FormatInt(id, 10)+"/",
				map[string]any{"is_active": false}).Status(http.StatusOK)
			socialLogin(t, ta, "/").Problem(http.StatusUnauthorized, "auth.social_failed")

			// An inactive account is not linked by e-mail either.
			idp.reset(oidcUser{Sub: "sub-deact-2", Email: "deact@example.com", Verified: true})
			socialLogin(t, ta, "/").Problem(http.StatusUnauthorized, "auth.social_failed")
			if n := socialCount(t, ta, "auth_identities", "subject", "sub-deact-2"); n != 0 {
				t.Fatal("identity linked to an inactive account")
			}
		})

		// Double-submitted first sign-ins (two tabs, a double click) race to
		// create the same account; all succeed, with one user and one link.
		run("concurrent first sign-ins", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-race", Email: "race@example.com", Name: "Racer", Verified: true})
			const n = 4
			reqs := make([]*http.Request, n)
			for i := range reqs {
				authURL, state := socialStart(t, ta, "/")
				reqs[i] = httptest.NewRequest(http.MethodGet, socialAuthorize(t, authURL), nil)
				reqs[i].AddCookie(state)
			}
			status := make([]int, n)
			var wg sync.WaitGroup
			for i, req := range reqs {
				wg.Go(func() {
					resp, err := ta.App.Fiber.Test(req, -1)
					if err != nil {
						t.Error(err)
						return
					}
					_ = resp.Body.Close()
					status[i] = resp.StatusCode
				})
			}
			wg.Wait()
			for i, s := range status {
				if s != http.StatusFound {
					t.Errorf("sign-in %d: status %d", i, s)
				}
			}
			if u, l := socialCount(t, ta, "accounts_users", "email", "race@example.com"),
				socialCount(t, ta, "auth_identities", "subject", "sub-race"); u != 1 || l != 1 {
				t.Fatalf("%d users, %d identities", u, l)
			}
		})

		run("expired state", func(t *testing.T, ta *apptest.T) {
			idp.reset(oidcUser{Sub: "sub-slow", Email: "slow@example.com", Verified: true})
			authURL, state := socialStart(t, ta, "/")
			cb := socialAuthorize(t, authURL)
			ta.Clock.Advance(10*time.Minute + time.Second)
			socialCallback(ta, cb, state).Problem(http.StatusUnauthorized, "auth.social_failed")
		})
	}, idp.option())
}

func TestSocialLoginDisabled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ta.Get("/api/social-login/google").Problem(http.StatusNotFound, "auth.social_disabled")
		ta.Get("/api/social-login/google/callback?code=x&state=y").Problem(http.StatusNotFound, "auth.social_disabled")
	})
}

// A provider that is down at the first request is discovered again later.
func TestSocialLoginDiscoveryRetry(t *testing.T) {
	idp := newOIDCFake(t)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		idp.set(func(f *oidcFake) { f.now = ta.Clock.Now })
		idp.reset(oidcUser{Sub: "sub-retry", Email: "retry@example.com", Verified: true})
		idp.set(func(f *oidcFake) { f.breakDiscover = true })
		ta.Get("/api/social-login/google").Problem(http.StatusServiceUnavailable, "auth.social_unavailable")
		idp.set(func(f *oidcFake) { f.breakDiscover = false })
		if me := socialMe(t, ta, "/"); me["email"] != "retry@example.com" {
			t.Fatalf("me %v", me)
		}
		// Cached now: the provider's discovery going down no longer matters.
		idp.set(func(f *oidcFake) { f.breakDiscover = true })
		socialStart(t, ta, "/")
	}, idp.option())
}
