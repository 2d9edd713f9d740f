package assistant

import (
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

// usageDays is how many days the admin page shows.
const usageDays = 30

func (m *Module) pages(r fiber.Router) {
	r.Get("/admin/assistant", privatePage, httpx.RequirePage(m.authz, objUsage, "read"), m.usagePage)
}

// privatePage marks a page with personal data: no cache may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

// usageView is the data of "assistant/usage".
type usageView struct {
	*Usage
	DailyMessages int
	DailyTokens   int
}

// usagePage shows the assistant's use over the last 30 days (admins).
func (m *Module) usagePage(c *fiber.Ctx) error {
	u, err := m.svc.Usage(c.UserContext(), authz.PrincipalFrom(c.UserContext()), usageDays)
	if err != nil {
		return err
	}
	return m.web.Render(c, fiber.StatusOK, "assistant/usage", usageView{Usage: u,
		DailyMessages: m.svc.settings.DailyMessages, DailyTokens: m.svc.settings.DailyTokens})
}
