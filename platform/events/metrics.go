package events

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Delivery outcomes, the values of weaverse_event_deliveries_total's
// outcome label.
const (
	outcomeDelivered = "delivered" // the handler committed
	outcomeDuplicate = "duplicate" // already delivered to this subscriber: skipped
	outcomeFailed    = "failed"    // an attempt failed (retried until MaxAttempts)
	outcomeDropped   = "dropped"   // unknown subscriber or event, or undecodable: cancelled
)

type metrics struct {
	published  *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	lag        prometheus.Histogram
}

// newMetrics builds the bus's instruments and registers them with reg (if
// any). Instruments already registered by an earlier bus of the same
// registry (a test building a second app) are shared rather than refused.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weaverse_events_published_total",
			Help: "Events published (written in a transaction, whether or not it committed), by event name.",
		}, []string{"event"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weaverse_event_deliveries_total",
			Help: "Event delivery attempts by subscriber and outcome (delivered, duplicate, failed, dropped).",
		}, []string{"subscriber", "outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "weaverse_event_delivery_lag_seconds",
			Help: "Time from an event's publication to its successful delivery to a subscriber.",
			// From one poll interval up to the days River's backoff can
			// take when a subscriber keeps failing.
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600, 4 * 24 * 3600},
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.published, err = register(reg, m.published); err != nil {
		return nil, err
	}
	if m.deliveries, err = register(reg, m.deliveries); err != nil {
		return nil, err
	}
	if m.lag, err = register(reg, m.lag); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("events: metrics: %w", err)
}
