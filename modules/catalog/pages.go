package catalog

import "github.com/gofiber/fiber/v2"

// pages mounts the catalog pages (being written).
func (m *Module) pages(r fiber.Router) {}
