package httpx

import (
	"fmt"
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies are the reverse proxies whose forwarding header is believed.
// Fiber's own proxy support returns the header's raw value (a client can
// prepend any address to X-Forwarded-For), so the client address is computed
// here instead: the peer, unless it is a trusted proxy; then the right-most
// address of the header that is not itself a trusted proxy.
type Proxies struct {
	nets   []*net.IPNet
	header string
}

// NewProxies parses addresses and CIDRs.
func NewProxies(trusted []string, header string) (*Proxies, error) {
	p := &Proxies{header: header}
	if p.header == "" {
		p.header = fiber.HeaderXForwardedFor
	}
	for _, s := range trusted {
		if ip := net.ParseIP(s); ip != nil {
			bits := 8 * len(ip.To16())
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			p.nets = append(p.nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR", s)
		}
		p.nets = append(p.nets, n)
	}
	return p, nil
}

func (p *Proxies) trusted(ip net.IP) bool {
	if p == nil || ip == nil {
		return false
	}
	for _, n := range p.nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// PeerTrusted reports whether the connection comes from a trusted proxy.
func (p *Proxies) PeerTrusted(c *fiber.Ctx) bool { return p.trusted(c.Context().RemoteIP()) }

// ClientIP returns the client's address for logs, throttling and sessions.
func (p *Proxies) ClientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if !p.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(c.Get(p.header), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break // garbage: stop at the last address we could trust
		}
		client = ip
		if !p.trusted(ip) {
			break
		}
	}
	return client.String()
}

// Forwarded reports whether the request carries a forwarding header (so it
// did not come straight from the peer).
func Forwarded(c *fiber.Ctx) bool {
	return c.Get(fiber.HeaderXForwardedFor) != "" || c.Get("Forwarded") != "" || c.Get("X-Real-Ip") != ""
}
