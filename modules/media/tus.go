package media

import "github.com/gofiber/fiber/v2"

// tusRoutes mounts resumable uploads (being written).
func (m *Module) tusRoutes(r fiber.Router) {}
