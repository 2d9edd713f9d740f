package testkit

import (
	"net/http"
	"net/url"
	"strings"
)

// PageBrowser sends page requests the way a browser does: HTML accepted,
// forms url-encoded and same-origin, and the cookies the answers set kept
// and sent back (to the paths under each cookie's Path).
type PageBrowser struct {
	c      *Client
	header []string
	jar    map[string]*http.Cookie
}

// NewPageBrowser returns a browser that sends its requests through c, with
// the extra headers given as name/value pairs (a User-Agent…).
func NewPageBrowser(c *Client, header ...string) *PageBrowser {
	return &PageBrowser{c: c, header: header, jar: map[string]*http.Cookie{}}
}

// Do sends a request; a non-nil form is posted url-encoded.
func (b *PageBrowser) Do(method, path string, form url.Values) *Response {
	b.c.t.Helper()
	hdr := append([]string{"Accept", "text/html,application/xhtml+xml", "Sec-Fetch-Site", "same-origin"}, b.header...)
	var body any
	if form != nil {
		body = form.Encode()
		hdr = append(hdr, "Content-Type", "application/x-www-form-urlencoded")
	}
	var cks []string
	for _, c := range b.jar {
		if c.Path == "" || strings.HasPrefix(path, c.Path) {
			cks = append(cks, c.Name+"="+c.Value)
		}
	}
	if len(cks) > 0 {
		hdr = append(hdr, "Cookie", strings.Join(cks, "; "))
	}
	r := b.c.Request(method, path, body, hdr...)
	for _, c := range r.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return r
}

// Get opens a page.
func (b *PageBrowser) Get(path string) *Response {
	b.c.t.Helper()
	return b.Do(http.MethodGet, path, nil)
}

// Post submits a form of name/value pairs.
func (b *PageBrowser) Post(path string, kv ...string) *Response {
	b.c.t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return b.Do(http.MethodPost, path, form)
}

// Cookie is the kept cookie of that name, or nil.
func (b *PageBrowser) Cookie(name string) *http.Cookie { return b.jar[name] }
