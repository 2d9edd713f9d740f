package app

import "github.com/weaverse/weaverse/modules/catalog"

// nothingSold is bound where the module that sells access (commerce) will
// provide: until it exists nothing can be bought, so pages offer no
// purchase button rather than a link to a page that does not exist. Access
// is given by hand (admins and a course's tutor) and free courses enroll on
// the first visit. That is the truth of an instance without commerce, not a
// stand-in: the commerce module replaces these bindings in buildModules.
type nothingSold struct{}

var _ catalog.Storefront = nothingSold{}

func (nothingSold) CourseBuyURL(int64) string     { return "" }
func (nothingSold) CurriculumBuyURL(int64) string { return "" }
