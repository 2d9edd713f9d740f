package app

import (
	"time"

	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/demo"
	"github.com/weaverse/weaverse/modules/commerce/provider/kakaopay"
	"github.com/weaverse/weaverse/modules/commerce/provider/tosspayments"
)

// paymentProviders are the payment providers config enables, in the order
// checkout offers them, then Options.PaymentProviders (a provider named like
// a configured one replaces it).
func (a *App) paymentProviders() ([]provider.Provider, error) {
	cfg := a.Config.Payments
	var out []provider.Provider
	if k := cfg.KakaoPay; k.Enabled {
		c, err := kakaopay.New(kakaopay.Config{API: k.API, BaseURL: k.BaseURL, SecretKey: k.SecretKey, AdminKey: k.AdminKey,
			CID: k.CID, CIDSecret: k.CIDSecret, Timeout: k.Timeout, HTTPClient: a.httpClient})
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if t := cfg.TossPayments; t.Enabled {
		c, err := tosspayments.New(tosspayments.Config{BaseURL: t.BaseURL, SecretKey: t.SecretKey, ClientKey: t.ClientKey,
			Timeout: t.Timeout, HTTPClient: a.httpClient})
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if cfg.Demo.Enabled {
		out = append(out, demo.New(a.Clock.Now))
	}
	for _, extra := range a.extraProviders {
		replaced := false
		for i, p := range out {
			if p.Name() == extra.Name() {
				out[i], replaced = extra, true
			}
		}
		if !replaced {
			out = append(out, extra)
		}
	}
	return out, nil
}

// providerTimeout bounds one provider call of commerce, retries included:
// each client gives every attempt its configured timeout and retries
// twice with a short backoff.
func providerTimeout(p config.Payments) time.Duration {
	return 3*max(p.KakaoPay.Timeout, p.TossPayments.Timeout) + 5*time.Second
}
