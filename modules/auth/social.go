package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/danielgtaylor/huma/v2"
	"github.com/uptrace/bun"
	"golang.org/x/oauth2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/httpx"
)

// Social login is the OpenID Connect authorization-code flow with PKCE and a
// nonce, for one provider configured by its issuer URL (the pages call it
// "Google", but any OIDC issuer works). The flow keeps no server-side state
// between the two requests: state, nonce, PKCE verifier and the page to
// return to travel in a short-lived cookie sealed with the keyring, so any
// instance can finish a login that another one started.
const (
	socialProvider   = "google" // auth_identities.provider and the session method
	socialLoginPath  = "/api/social-login/google"
	socialCallback   = socialLoginPath + "/callback"
	stateCookieName  = "oidc_state"
	stateCookiePath  = "/api/social-login/" // sent to the callback only, not to the rest of the API
	stateAAD         = "auth.oidc_state"    // binds the sealed cookie to this use
	stateTTL         = 10 * time.Minute
	discoveryTimeout = 10 * time.Second
	maxNextLen       = 1024 // keeps the sealed cookie well under the 4 KB browsers accept
)

var (
	errSocialFailed      = apperr.New(apperr.Unauthenticated, "auth.social_failed", "auth.social_failed")
	errSocialUnverified  = apperr.New(apperr.Unauthenticated, "auth.social_unverified", "auth.social_unverified")
	errSocialDisabled    = apperr.New(apperr.NotFound, "auth.social_disabled", "auth.social_disabled")
	errSocialUnavailable = apperr.New(apperr.Unavailable, "auth.social_unavailable", "auth.social_failed")
	errSocialConflict    = apperr.New(apperr.Conflict, "auth.social_conflict", "problem.conflict")
	// errSocialRetry marks a lost race with a concurrent sign-in of the same
	// person; the whole resolution is tried again once.
	errSocialRetry = errors.New("social login: concurrent change, retry")
)

// oidcState is what the state cookie carries from the redirect to the
// callback. Short JSON names keep the cookie small.
type oidcState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Expires  int64  `json:"e"` // unix seconds, by the app clock
}

// idClaims are the ID-token claims we use. sub is the stable key of the
// person at the provider; the e-mail is only trusted when verified.
type idClaims struct {
	Subject       string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
}

type socialStartInput struct {
	Next string `query:"next" doc:"Local path to open after signing in (default /). Anything else than a path on this site is ignored."`
}

type socialCallbackInput struct {
	Code  string `query:"code" maxLength:"4096"`
	State string `query:"state" maxLength:"512"`
	Error string `query:"error" maxLength:"256" doc:"Set by the provider when the user declined or the request failed."`
	// The sealed state set by the start endpoint.
	Cookie string `cookie:"oidc_state"`
}

// redirectOutput is a browser redirect. Its cookies are set through
// httpx.SetCookie: a Set-Cookie header field would join several cookies into
// one header line (huma's Fiber adapter), which browsers misread.
type redirectOutput struct {
	Status       int
	Location     string `header:"Location"`
	CacheControl string `header:"Cache-Control"`
}

// socialLogin holds the lazily discovered provider. socialRoutes creates it
// and the handlers capture it, so Module needs no field of its own for it.
type socialLogin struct {
	m      *Module
	cfg    OIDCProvider
	client *http.Client

	provider atomic.Pointer[oidc.Provider]
	mu       sync.Mutex // serialises discovery so a burst of requests makes one call
}

func (m *Module) socialRoutes(api huma.API) {
	client := m.deps.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	s := &socialLogin{m: m, cfg: m.deps.Google, client: client}

	huma.Register(api, huma.Operation{
		OperationID: "social-login-start", Method: http.MethodGet, Path: socialLoginPath,
		Summary: "Sign in with the social provider (Google)", Tags: tags, DefaultStatus: http.StatusFound,
		Description: "Redirects the browser (302) to the OpenID Connect provider with state, nonce and PKCE (S256). " +
			"The provider sends the browser back to the callback. 404 when social login is not configured, " +
			"503 when the provider cannot be reached.",
		Errors: []int{404, 503},
	}, s.start)

	huma.Register(api, huma.Operation{
		OperationID: "social-login-callback", Method: http.MethodGet, Path: socialCallback,
		Summary: "Social sign-in callback", Tags: tags, DefaultStatus: http.StatusFound,
		Description: "Exchanges the code, verifies the ID token (signature, issuer, audience, expiry, nonce) and " +
			"requires a verified e-mail. Signs in the account linked to this provider identity, else links the " +
			"account with the same e-mail, else creates a student; sets the session cookies and redirects (302) to " +
			"the page given at the start. Any failure → 401.",
		Errors: []int{401, 404, 409, 503},
	}, s.callback)
}

func (s *socialLogin) enabled() bool { return s.cfg.Issuer != "" && s.m.deps.Keys != nil }

// discover returns the provider, fetching its discovery document on first
// use. A failure is not cached: the next request tries again, so a provider
// outage at boot does not disable social login until a restart.
func (s *socialLogin) discover(ctx context.Context) (*oidc.Provider, error) {
	if p := s.provider.Load(); p != nil {
		return p, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.provider.Load(); p != nil {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	// The provider keeps the client from this context for its later key
	// fetches (with a context of its own, not this request's).
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client), s.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	s.provider.Store(p)
	return p, nil
}

func (s *socialLogin) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret,
		RedirectURL: strings.TrimRight(s.m.baseURL, "/") + socialCallback,
		Endpoint:    p.Endpoint(),
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// stateCookie is the state cookie with a value (maxAge > 0) or its removal
// (maxAge < 0). SameSite=Lax, not Strict: the callback is a top-level
// navigation coming from the provider's site, which Strict would strip.
func (s *socialLogin) stateCookie(value string, maxAge int) http.Cookie {
	return http.Cookie{Name: stateCookieName, Value: value, Path: stateCookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: s.m.secure, SameSite: http.SameSiteLaxMode}
}

func (s *socialLogin) start(ctx context.Context, in *socialStartInput) (*redirectOutput, error) {
	if !s.enabled() {
		return nil, errSocialDisabled
	}
	p, err := s.discover(ctx)
	if err != nil {
		s.m.logger.WarnContext(ctx, "social login: provider discovery failed", "issuer", s.cfg.Issuer, "err", err)
		return nil, errSocialUnavailable
	}
	st := oidcState{
		State:    crypto.RandomToken(24),
		Nonce:    crypto.RandomToken(24),
		Verifier: oauth2.GenerateVerifier(),
		Next:     safeNext(in.Next),
		Expires:  s.m.svc.clock.Now().Add(stateTTL).Unix(),
	}
	plain, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	sealed, err := s.m.deps.Keys.EncryptString(string(plain), stateAAD)
	if err != nil {
		return nil, err
	}
	c := s.stateCookie(sealed, int(stateTTL/time.Second))
	httpx.SetCookie(ctx, &c)
	target := s.oauth(p).AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce))
	return &redirectOutput{Status: http.StatusFound, Location: target, CacheControl: "no-store"}, nil
}

// safeNext keeps the return address on this site: a path starting with one
// "/". "//host" and "/\host" are read by browsers as another host, and
// browsers drop tabs and newlines from URLs ("/\t/host" becomes "//host"),
// so control characters and backslashes are refused anywhere.
func safeNext(next string) string {
	if next == "" || len(next) > maxNextLen || next[0] != '/' {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func (s *socialLogin) callback(ctx context.Context, in *socialCallbackInput) (*redirectOutput, error) {
	if !s.enabled() {
		return nil, errSocialDisabled
	}
	// The state cookie is single-use: every answer, failures included,
	// removes it, so replaying the callback URL in the browser fails. Set
	// on the response at once, it stays there when an error is returned.
	gone := s.stateCookie("", -1)
	httpx.SetCookie(ctx, &gone)
	st, err := s.openState(in.Cookie)
	if err != nil {
		s.m.logger.WarnContext(ctx, "social login: bad state cookie", "err", err)
		return nil, errSocialFailed
	}
	// Constant time: the state is the CSRF defence of the callback.
	if in.State == "" || subtle.ConstantTimeCompare([]byte(in.State), []byte(st.State)) != 1 {
		s.m.logger.WarnContext(ctx, "social login: state mismatch")
		return nil, errSocialFailed
	}
	if in.Error != "" || in.Code == "" {
		s.m.logger.WarnContext(ctx, "social login: provider returned no code", "error", in.Error)
		return nil, errSocialFailed
	}
	p, err := s.discover(ctx)
	if err != nil {
		s.m.logger.WarnContext(ctx, "social login: provider discovery failed", "issuer", s.cfg.Issuer, "err", err)
		return nil, errSocialUnavailable
	}
	claims, err := s.verify(ctx, p, in.Code, st)
	if err != nil {
		return nil, err
	}
	tok, err := s.signIn(ctx, claims)
	if err != nil {
		return nil, err
	}
	for _, c := range s.m.cookies(tok) {
		httpx.SetCookie(ctx, &c)
	}
	return &redirectOutput{Status: http.StatusFound, Location: st.Next, CacheControl: "no-store"}, nil
}

// openState opens and checks the sealed state cookie.
func (s *socialLogin) openState(sealed string) (*oidcState, error) {
	if sealed == "" {
		return nil, errors.New("missing state cookie")
	}
	plain, err := s.m.deps.Keys.DecryptString(sealed, stateAAD)
	if err != nil {
		return nil, err
	}
	var st oidcState
	if err := json.Unmarshal([]byte(plain), &st); err != nil {
		return nil, err
	}
	if st.State == "" || st.Nonce == "" || st.Verifier == "" {
		return nil, errors.New("incomplete state")
	}
	if !s.m.svc.clock.Now().Before(time.Unix(st.Expires, 0)) {
		return nil, errors.New("expired state")
	}
	st.Next = safeNext(st.Next) // sealed by us, but cheap to re-check
	return &st, nil
}

// verify exchanges the code (with the PKCE verifier) and verifies the ID
// token: signature against the provider's keys, issuer, audience (our client
// id), expiry by the app clock, then the nonce, which go-oidc leaves to us.
func (s *socialLogin) verify(ctx context.Context, p *oidc.Provider, code string, st *oidcState) (*idClaims, error) {
	cctx := oidc.ClientContext(ctx, s.client)
	tok, err := s.oauth(p).Exchange(cctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		s.m.logger.WarnContext(ctx, "social login: code exchange failed", "err", err)
		return nil, errSocialFailed
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.m.logger.WarnContext(ctx, "social login: token response without id_token")
		return nil, errSocialFailed
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID, Now: s.m.svc.clock.Now}).Verify(cctx, raw)
	if err != nil {
		s.m.logger.WarnContext(ctx, "social login: id token rejected", "err", err)
		return nil, errSocialFailed
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		s.m.logger.WarnContext(ctx, "social login: id token nonce mismatch")
		return nil, errSocialFailed
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		s.m.logger.WarnContext(ctx, "social login: unreadable claims", "err", err)
		return nil, errSocialFailed
	}
	c.Email = strings.TrimSpace(c.Email)
	if c.Subject == "" || c.Email == "" {
		s.m.logger.WarnContext(ctx, "social login: id token lacks sub or email")
		return nil, errSocialFailed
	}
	// Linking or creating an account by an e-mail the provider has not
	// verified would let anyone claim someone else's address.
	if !c.EmailVerified {
		return nil, errSocialUnverified
	}
	return &c, nil
}

// signIn finds or creates the account of a verified identity and starts a
// session. A concurrent first sign-in of the same person (a double click on
// the provider's consent page) can make one of the two lose a race: the
// account's e-mail is taken (a Conflict), the identity is linked already (a
// unique violation; on Postgres, perhaps a deadlock between their
// unique-index checks). The loser backs off and tries again, and then finds
// the winner's rows.
// maxSignInAttempts bounds the retries of a sign-in that lost a race.
const maxSignInAttempts = 5

func (s *socialLogin) signIn(ctx context.Context, c *idClaims) (*Tokens, error) {
	for attempt := 0; ; attempt++ {
		tok, err := s.signInOnce(ctx, c)
		if err == nil {
			return tok, nil
		}
		if !(errors.Is(err, errSocialRetry) || db.IsUniqueViolation(err) || db.IsRetryable(err) || errors.Is(err, apperr.Conflict)) {
			return nil, err
		}
		if attempt == maxSignInAttempts-1 {
			s.m.logger.WarnContext(ctx, "social login: lost a race repeatedly", "err", err)
			return nil, errSocialConflict
		}
		// Back off a little, with jitter, so racing sign-ins stop colliding.
		select {
		case <-time.After(time.Duration(10*(attempt+1)+rand.IntN(20)) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// signInOnce makes one attempt. The account is resolved through accounts,
// each call in accounts' own transaction: an existing account with the
// verified e-mail is claimed (ConfirmEmailByProvider), else one is created
// (CreateSocialUser). Then auth's transaction links the identity and starts
// the session. A crash between the two leaves a verified account without a
// password or a link, which the next sign-in with the same e-mail links.
// Only auth's own writes run in auth's transaction: on SQLite the writer has
// a single connection, which a call to accounts inside it would wait for.
func (s *socialLogin) signInOnce(ctx context.Context, c *idClaims) (*Tokens, error) {
	svc := s.m.svc
	ident, err := svc.st.identity(ctx, svc.db.R, socialProvider, c.Subject)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var user accounts.User
	if found {
		u, err := svc.users.UserByID(ctx, ident.UserID)
		if errors.Is(err, apperr.NotFound) {
			// The account was deleted while this identity was being linked
			// to it (deleting an account removes its identities): drop the
			// stale link, and sign in as for the first time.
			if err := svc.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return svc.st.deleteIdentity(ctx, tx, ident.ID)
			}); err != nil {
				return nil, err
			}
			return nil, errSocialRetry
		}
		if err != nil {
			return nil, err
		}
		if !u.Active {
			s.m.logger.WarnContext(ctx, "social login: account inactive", "user_id", u.ID)
			return nil, errSocialFailed
		}
		user = u
	} else {
		user, err = s.account(ctx, c)
		if err != nil {
			return nil, err
		}
	}
	userID := user.ID

	var tok *Tokens
	err = svc.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := svc.clock.Now()
		if found {
			if linked, err := svc.st.touchIdentity(ctx, tx, ident.ID, c.Email, now); err != nil {
				return err
			} else if !linked {
				return errSocialRetry
			}
		} else {
			row := &identityRow{UserID: userID, Provider: socialProvider, Subject: c.Subject, Email: c.Email,
				CreatedAt: now, LastLoginAt: now}
			if err := svc.st.insertIdentity(ctx, tx, row); err != nil {
				return err // a unique violation is retried; it aborts a Postgres tx, hence a new one
			}
		}
		// The session starts in the same transaction as the link: no link is
		// left behind without the sign-in that made it, or vice versa.
		var err error
		tok, err = svc.startSession(ctx, tx, user, socialProvider, meta(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	svc.recordLogin(ctx, userID)
	return tok, nil
}

// account returns the account an identity seen for the first time signs in
// to: the active account registered with the provider-verified e-mail,
// which it claims, or a new student.
func (s *socialLogin) account(ctx context.Context, c *idClaims) (accounts.User, error) {
	users := s.m.svc.users
	u, err := users.UserByEmail(ctx, c.Email)
	switch {
	case err == nil:
		if !u.Active {
			s.m.logger.WarnContext(ctx, "social login: account inactive", "user_id", u.ID)
			return accounts.User{}, errSocialFailed
		}
		// The provider verified this e-mail (checked before), so it may
		// claim the account registered with it.
		if err := users.ConfirmEmailByProvider(ctx, u.ID); err != nil {
			if errors.Is(err, apperr.NotFound) {
				return accounts.User{}, errSocialRetry // deleted meanwhile
			}
			return accounts.User{}, err
		}
		// Read again: claiming may have dropped a password (a new
		// credentials version, which the session must carry).
		u, err = users.UserByID(ctx, u.ID)
		if errors.Is(err, apperr.NotFound) {
			return accounts.User{}, errSocialRetry
		}
		return u, err
	case !errors.Is(err, apperr.NotFound):
		return accounts.User{}, err
	}
	u, err = users.CreateSocialUser(ctx, c.Email, c.Name)
	if errors.Is(err, apperr.Invalid) {
		// An address the provider accepts but our rules do not. Not
		// wrapped: the cause's kind would win.
		s.m.logger.WarnContext(ctx, "social login: account not creatable", "err", err)
		return accounts.User{}, errSocialFailed
	}
	return u, err // a Conflict (the e-mail taken meanwhile) is retried
}
