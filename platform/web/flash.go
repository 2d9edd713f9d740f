package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const (
	flashCookie   = "flash"
	flashMaxAge   = 300 // seconds: a flash is for the next page view
	flashMaxCount = 5
	flashMaxLen   = 500 // runes per message
)

// Flash is a one-time message shown on the next rendered page.
type Flash struct {
	Kind    string `json:"k"` // success | info | warning | danger
	Message string `json:"m"`
}

// Role is the ARIA role for the flash: urgent kinds interrupt, others wait.
func (f Flash) Role() string {
	if f.Kind == "danger" || f.Kind == "warning" {
		return "alert"
	}
	return "status"
}

// Icon is the Bootstrap Icons name for the flash kind.
func (f Flash) Icon() string {
	switch f.Kind {
	case "success":
		return "check-circle-fill"
	case "warning":
		return "exclamation-triangle-fill"
	case "danger":
		return "x-octagon-fill"
	}
	return "info-circle-fill"
}

type flashKey struct{}

// flashState holds the flashes of one request: those that arrived in the
// cookie and those set during the request.
type flashState struct {
	incoming []Flash
	pending  []Flash
}

func (s *flashState) all() []Flash {
	out := make([]Flash, 0, len(s.incoming)+len(s.pending))
	return append(append(out, s.incoming...), s.pending...)
}

func flashes(c *fiber.Ctx) *flashState {
	s, _ := c.Locals(flashKey{}).(*flashState)
	return s
}

// SetFlash queues a message for the next rendered page (typically after a
// redirect; if the current request renders a page, it is shown there).
// kind is success, info, warning or danger (anything else becomes info).
// The message is plain text, escaped when shown. It needs Middleware.
func SetFlash(c *fiber.Ctx, kind, message string) {
	w, _ := c.Locals(webKey{}).(*Web)
	if w == nil {
		panic("web.SetFlash: web.Middleware is not installed")
	}
	switch kind {
	case "success", "info", "warning", "danger":
	default:
		kind = "info"
	}
	if r := []rune(message); len(r) > flashMaxLen {
		message = string(r[:flashMaxLen]) + "…"
	}
	s := flashes(c)
	if s == nil {
		s = &flashState{}
		c.Locals(flashKey{}, s)
	}
	s.pending = append(s.pending, Flash{Kind: kind, Message: message})
	all := s.all()
	if len(all) > flashMaxCount {
		all = all[len(all)-flashMaxCount:]
	}
	w.writeFlash(c, all)
}

func (w *Web) flashMAC(payload string) string {
	m := hmac.New(sha256.New, w.flashK)
	m.Write([]byte("weaverse-flash\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (w *Web) writeFlash(c *fiber.Ctx, fl []Flash) {
	data, _ := json.Marshal(fl)
	payload := base64.RawURLEncoding.EncodeToString(data)
	c.Cookie(w.cookie(flashCookie, payload+"."+w.flashMAC(payload), flashMaxAge))
}

func (w *Web) clearFlash(c *fiber.Ctx) {
	c.Cookie(w.cookie(flashCookie, "", -1))
}

// loadFlash verifies the flash cookie. A cookie that fails verification
// (tampered, or signed with another key) is ignored and deleted.
func (w *Web) loadFlash(c *fiber.Ctx) {
	raw := c.Cookies(flashCookie)
	if raw == "" {
		return
	}
	payload, mac, ok := strings.Cut(raw, ".")
	var fl []Flash
	if ok && hmac.Equal([]byte(mac), []byte(w.flashMAC(payload))) {
		if data, err := base64.RawURLEncoding.DecodeString(payload); err == nil {
			if json.Unmarshal(data, &fl) != nil {
				fl = nil
			}
		}
	}
	if len(fl) == 0 {
		w.clearFlash(c)
		return
	}
	if len(fl) > flashMaxCount {
		fl = fl[:flashMaxCount]
	}
	c.Locals(flashKey{}, &flashState{incoming: fl})
}
