package learning

import "github.com/gofiber/fiber/v2"

func (m *Module) pages(r fiber.Router) {}
