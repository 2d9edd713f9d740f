package httpx

import (
	"context"
	"crypto/subtle"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Metrics is the process's Prometheus registry and the HTTP instruments. It is
// a value passed around, not a global, so each test app has its own.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	active   sync.WaitGroup // requests being handled, for shutdown
}

// WaitIdle waits until no request is being handled, or until ctx ends.
func (m *Metrics) WaitIdle(ctx context.Context) error {
	done := make(chan struct{})
	go func() { m.active.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewMetrics returns a registry with Go and process collectors and the HTTP
// instruments (labelled by route template, never by raw path).
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weaverse_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "weaverse_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "weaverse_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// MetricsObject is the policy object of the metrics endpoint: no rule grants
// it, so among signed-in callers only admins (who may do everything) read it.
const MetricsObject = "platform.metrics"

// Handler serves the registry to loopback callers, to callers casbin allows
// to read MetricsObject (admins), and to scrapers presenting token (when
// token is set). Anyone else gets a 404, so the endpoint's existence is not
// advertised.
func (m *Metrics) Handler(token string, en *authz.Enforcer) fiber.Handler {
	h := adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		if !metricsAllowed(c, token, en) {
			return apperr.New(apperr.NotFound, "route.not_found", "problem.route.not_found")
		}
		return h(c)
	}
}

func metricsAllowed(c *fiber.Ctx, token string, en *authz.Enforcer) bool {
	if en.Allowed(authz.PrincipalFrom(c.UserContext()), MetricsObject, "read") {
		return true
	}
	if token != "" && subtle.ConstantTimeCompare([]byte(c.Get(fiber.HeaderAuthorization)), []byte("Bearer "+token)) == 1 {
		return true
	}
	// A local scraper: the connection itself comes from loopback and no
	// proxy forwarded it (a proxy on the same host would).
	return c.Context().RemoteIP().IsLoopback() && !Forwarded(c)
}

func principalID(ctx context.Context) int64 {
	if p := authz.PrincipalFrom(ctx); p != nil {
		return p.UserID
	}
	return 0
}
