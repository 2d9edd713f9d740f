package app

import (
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/demo"
)

// paymentProviders are the payment providers config enables, in the order
// checkout offers them, then Options.PaymentProviders (a provider named like
// a configured one replaces it).
func (a *App) paymentProviders() []provider.Provider {
	var out []provider.Provider
	if a.Config.Payments.Demo.Enabled {
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
	return out
}
