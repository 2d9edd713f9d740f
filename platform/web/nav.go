package web

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/weaverse/weaverse/platform/authz"
)

// The layout's menus. A module adds links to them with NavEntry values
// (app collects them from every module's Nav); the layout never names a
// module's page.
const (
	MenuMain          = "main"           // the top navigation bar
	MenuAccount       = "account"        // the signed-in user's dropdown
	MenuFooterLearn   = "footer.learn"   // the footer's "learn" column
	MenuFooterSupport = "footer.support" // the footer's "support" column
	MenuGuest         = "guest"          // the signed-out visitor's buttons (sign in, sign up)
	MenuError         = "error"          // the error page's ways on, after "home"
	MenuAdmin         = "admin"          // the admin console's landing page (/admin): a card per console
)

// NavEntry is one link of a menu.
type NavEntry struct {
	Menu  string // one of the Menu* constants
	Href  string // a local path
	Label string // message id of the link text
	Icon  string // Bootstrap Icons name ("easel2"), optional
	Note  string // message id of a one-line description (MenuAdmin's cards), optional
	Order int    // position in the menu, ascending (ties: by Href)
	// Post makes the entry a button that POSTs to Href (sign out), not a link.
	Post bool
	// Primary styles the entry as the menu's main call to action.
	Primary bool
	// Obj and Act name the permission the link needs: it is shown only to
	// callers casbin allows to do Act on Obj with no relation (a route-level
	// rule), the same rule the page's guard applies, so nobody is shown a
	// link to a page that would refuse them. Empty Obj: shown to everyone.
	Obj, Act string
}

// SetNav installs the menus' entries, and the enforcer that decides who sees
// which (and answers View.Can). Call it once at start-up, after every module
// is built and before serving.
func (w *Web) SetNav(entries []NavEntry, en *authz.Enforcer) error {
	menus := map[string][]NavEntry{}
	for _, e := range entries {
		switch e.Menu {
		case MenuMain, MenuAccount, MenuFooterLearn, MenuFooterSupport, MenuGuest, MenuError, MenuAdmin:
		default:
			return fmt.Errorf("web: nav entry %s: unknown menu %q", e.Href, e.Menu)
		}
		if !strings.HasPrefix(e.Href, "/") || strings.HasPrefix(e.Href, "//") || e.Label == "" {
			return fmt.Errorf("web: nav entry %q: a local path and a label are required", e.Href)
		}
		if (e.Obj == "") != (e.Act == "") {
			return fmt.Errorf("web: nav entry %s: Obj and Act go together", e.Href)
		}
		menus[e.Menu] = append(menus[e.Menu], e)
	}
	for _, m := range menus {
		sort.SliceStable(m, func(i, j int) bool {
			if m[i].Order != m[j].Order {
				return m[i].Order < m[j].Order
			}
			return m[i].Href < m[j].Href
		})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.menus, w.authz = menus, en
	return nil
}

// Nav returns the entries of a menu the request's principal may see.
func (v *View) Nav(menu string) []NavEntry {
	if v.web == nil {
		return nil
	}
	v.web.mu.RLock()
	all := v.web.menus[menu]
	v.web.mu.RUnlock()
	out := make([]NavEntry, 0, len(all))
	for _, e := range all {
		if e.Obj == "" || v.Can(e.Obj, e.Act) {
			out = append(out, e)
		}
	}
	return out
}

// Can reports whether the request's principal may do act on obj with no
// relation (a route-level rule): what a template asks before showing a link
// or a button to a page or action guarded by the same rule.
func (v *View) Can(obj, act string) bool {
	if v.web == nil {
		return false
	}
	v.web.mu.RLock()
	en := v.web.authz
	v.web.mu.RUnlock()
	return en != nil && en.Allowed(v.Principal, obj, act)
}

// SetSignInPage names the page that signs people in (the auth module sets
// it): browsers asking for a page that needs a signed-in user are sent there,
// with the page they wanted as ?next=.
func (w *Web) SetSignInPage(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.signIn = path
}

// SignInURL is the sign-in page that returns to next afterwards, or "" when
// no module signs people in.
func (w *Web) SignInURL(next string) string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.signIn == "" {
		return ""
	}
	return w.signIn + "?next=" + url.QueryEscape(next)
}
