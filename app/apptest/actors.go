package apptest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/testkit"
)

// Password is the password of the users NewUser registers.
const Password = "correct-horse-battery-9"

// User is a registered, signed-in user.
type User struct {
	ID    int64
	Token string
	Email string
}

// As are the headers of requests made as u (pages honour the bearer token
// too in tests).
func As(u User) []string { return []string{"Authorization", "Bearer " + u.Token} }

// NewUser registers a user through the API, gives them role (student,
// tutor, admin) and signs them in.
func (ta *T) NewUser(t testing.TB, email, nickname, role string) User {
	t.Helper()
	u := User{Email: email}
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": email,
		"password": Password, "password_confirm": Password, "nickname": nickname}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).
			Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": email, "password": Password}).
		Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

// WaitFor polls cond until it holds, failing the test after 20 seconds
// with what it waited for and what explain says.
func WaitFor(t testing.TB, what string, cond func() bool, explain ...func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			why := ""
			for _, f := range explain {
				why += f()
			}
			t.Fatalf("timed out waiting for %s %s", what, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
