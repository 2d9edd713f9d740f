package commerce_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/demo"
)

// lossy is the demo provider whose approval answer is lost (timeout) and
// whose lookups are refused (e.g. a rotated API key: 401).
type lossy struct {
	*demo.Provider
	charged atomic.Bool
}

func (l *lossy) Approve(ctx context.Context, in provider.ApproveInput) (*provider.Result, error) {
	if _, err := l.Provider.Approve(ctx, in); err != nil {
		return nil, err
	}
	l.charged.Store(true)
	return nil, fmt.Errorf("%w: timeout", provider.ErrUnavailable)
}

func (l *lossy) Lookup(context.Context, provider.LookupInput) (*provider.Result, error) {
	return nil, &provider.Error{Provider: "demo", HTTPStatus: 401, Code: "UNAUTHORIZED_KEY", Message: "bad key",
		Raw: json.RawMessage(`{}`)}
}

// A payment whose approval answer was lost stays approving when the
// provider then refuses to look it up (it may have charged): it is never
// failed on that ground.
func TestLookupRefusalKeepsApproving(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		st := pay(t, ta, s.learner, s.curriculum)
		p := approve(t, ta, s.learner, st.PaymentID, 202)
		if p.Status != "approving" {
			t.Fatalf("after a lost approval answer: %+v", p)
		}
		ta.Clock.Advance(3 * time.Minute)
		relogin(t, ta, &s.learner, "learner")
		if _, err := module(t, ta).Reconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
		var q payment
		ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", st.PaymentID), nil, as(s.learner)...).Status(200).JSON(&q)
		if q.Status != "approving" {
			t.Fatalf("a refused lookup settled a payment that may be charged: %+v", q)
		}
	}, func(cfg *config.Config, o *app.Options) {
		o.PaymentProviders = []provider.Provider{&lossy{Provider: demo.New(nil)}}
	})
}
