package media

import "github.com/gofiber/fiber/v2"

// pages mounts the media pages (being written).
func (m *Module) pages(r fiber.Router) {}
