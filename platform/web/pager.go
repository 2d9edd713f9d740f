package web

// Option is one choice of a select field ("field" partial with Type "select").
type Option struct {
	Value string
	Label string
}

// Pager is a numbered pagination bar, rendered by the layout's "pager"
// partial: {{template "pager" .Page.Pager}}. A Pager with fewer than two
// pages renders nothing.
type Pager struct {
	Page  int
	Pages int
	Prev  string // URLs, "" when none
	Next  string
	Links []PageLink
}

// PageLink is one numbered link of a Pager; Gap marks an ellipsis.
type PageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// Paginate builds the pager of page (1-based) out of pages; link returns the
// URL of a page. The first and last pages and two on either side of the
// current one are linked, the rest collapse into gaps.
func Paginate(page, pages int, link func(page int) string) Pager {
	p := Pager{Page: page, Pages: pages}
	if pages < 2 {
		return p
	}
	if page > 1 {
		p.Prev = link(min(page-1, pages))
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	gap := false
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || (n >= page-2 && n <= page+2) {
			p.Links = append(p.Links, PageLink{Number: n, URL: link(n), Current: n == page})
			gap = false
		} else if !gap {
			p.Links = append(p.Links, PageLink{Gap: true})
			gap = true
		}
	}
	return p
}

// Number formats an integer with thousands separators, as the templates'
// number function does: 50000 → "50,000".
func Number(n any) string { return formatNumber(n) }
