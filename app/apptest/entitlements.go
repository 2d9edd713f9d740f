package apptest

import (
	"context"
	"sync"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/catalog"
)

// Entitlements is an in-memory catalog.Entitlements for tests, standing in
// for the module that sells access: Grant and Revoke change what the app
// sees at once. The zero value entitles nobody.
type Entitlements struct {
	mu     sync.Mutex
	grants map[[2]int64]bool // {userID, courseID}
}

var _ catalog.Entitlements = (*Entitlements)(nil)

// Grant entitles the user to the course's premium content.
func (e *Entitlements) Grant(userID, courseID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.grants == nil {
		e.grants = map[[2]int64]bool{}
	}
	e.grants[[2]int64{userID, courseID}] = true
}

// Revoke takes the entitlement back (a refund, an expiry).
func (e *Entitlements) Revoke(userID, courseID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.grants, [2]int64{userID, courseID})
}

// EntitledCourses implements catalog.Entitlements.
func (e *Entitlements) EntitledCourses(_ context.Context, userID int64, courseIDs []int64) (map[int64]bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[int64]bool{}
	for _, id := range courseIDs {
		if e.grants[[2]int64{userID, id}] {
			out[id] = true
		}
	}
	return out, nil
}

// WithEntitlements wires e into the app as the catalog's entitlements.
func WithEntitlements(e *Entitlements) Option {
	return func(_ *config.Config, o *app.Options) { o.Entitlements = e }
}
