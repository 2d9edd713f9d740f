package providertest

import (
	"errors"
	"net/http"
	"sync"

	"github.com/weaverse/weaverse/modules/commerce/provider"
)

// NoRedirects returns a copy of c that stops at the first redirect, the
// way a test reads where a payment page sends the browser.
func NoRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// Concurrently runs call n times at once and returns their errors (nil
// for a success), in no particular order.
func Concurrently(n int, call func() error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	return errs
}

// Outcomes counts errors: successes, refusals meaning "already done"
// (provider.ErrAlreadyDone), and the others, returned.
func Outcomes(errs []error) (ok, alreadyDone int, others []error) {
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, provider.ErrAlreadyDone):
			alreadyDone++
		default:
			others = append(others, err)
		}
	}
	return ok, alreadyDone, others
}
