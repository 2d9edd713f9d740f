package auth_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
)

// A password sign-in racing a password change must not keep its session.
// The sign-in reads the account and checks the old password (argon2: slow),
// the change commits and ends every other session, then the sign-in starts
// its session: before the credentials version, that session lived on with
// the old password. Sign-ins with the password of the moment run in a loop
// while the password changes, several times over; afterwards no session
// signed in with an old password may work, however the two interleaved.
func TestSignInRacingPasswordChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "racer@example.com", "경주자")
		passwords := []string{goodPassword, "second-secret-pass-2", "third-secret-pass-33", "fourth-secret-pass-4"}
		changer, resp := login(t, ta, "racer@example.com", passwords[0])
		resp.Status(200)

		type signIn struct {
			tok      tokens
			password int // index of the password it signed in with
		}
		var (
			mu      sync.Mutex
			signIns []signIn
			current atomic.Int32 // index of the password of the moment
			stop    = make(chan struct{})
			wg      sync.WaitGroup
			// signedIn[i] is closed at the first sign-in with password i:
			// each change waits for one, so every round has a sign-in that
			// the change must end, however slow the machine.
			signedIn = make([]chan struct{}, len(passwords))
			once     = make([]sync.Once, len(passwords))
		)
		for i := range signedIn {
			signedIn[i] = make(chan struct{})
		}
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					i := int(current.Load())
					resp, err := ta.App.Fiber.Test(loginRequest("racer@example.com", passwords[i]), -1)
					if err != nil {
						t.Error(err)
						return
					}
					var tok tokens
					if resp.StatusCode == http.StatusOK {
						decodeBody(t, resp, &tok)
						mu.Lock()
						signIns = append(signIns, signIn{tok: tok, password: i})
						mu.Unlock()
						once[i].Do(func() { close(signedIn[i]) })
					} else {
						resp.Body.Close()
					}
				}
			})
		}
		for i := 1; i < len(passwords); i++ {
			select {
			case <-signedIn[i-1]:
			case <-time.After(time.Minute):
				t.Fatalf("no sign-in with password #%d", i-1)
			}
			ta.Request(http.MethodPost, "/api/password/change/", map[string]string{"old_password": passwords[i-1],
				"new_password": passwords[i]}, bearer(changer.AccessToken)...).Status(204)
			current.Store(int32(i))
		}
		close(stop)
		wg.Wait()

		last := len(passwords) - 1
		for _, s := range signIns {
			if s.password == last {
				continue
			}
			if r := ta.Get("/api/me/", bearer(s.tok.AccessToken)...); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("a session signed in with password #%d works after the change to #%d: %d", s.password, last, r.StatusCode)
			}
			if r := refresh(ta, s.tok.RefreshToken); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("a session signed in with password #%d refreshes after the change to #%d: %d", s.password, last, r.StatusCode)
			}
		}
		// The changer's own session was kept through every change.
		ta.Get("/api/me/", bearer(changer.AccessToken)...).Status(200)
		refresh(ta, changer.RefreshToken).Status(200)
	}, slowerHashes)
}

// slowerHashes makes each password check take a few milliseconds, so that
// sign-ins straddle the changes' commits.
func slowerHashes(cfg *config.Config, _ *app.Options) {
	cfg.Auth.Argon2 = config.Argon2{MemoryKiB: 4096, Iterations: 2, Parallelism: 1}
}

func decodeBody(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Errorf("decode: %v", err)
	}
}
