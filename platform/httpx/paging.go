package httpx

import (
	"context"
	"net/url"
	"strconv"
)

// MaxPage is the highest page number a list accepts: with at most 100 items
// a page, it reaches 100 million items, and (page-1)*page_size can never
// overflow. A larger ?page= is refused with 422 (query.page) by the schema.
const MaxPage = 1_000_000

// PageParams are the list query parameters of API.md. Embed it in a huma
// input struct.
type PageParams struct {
	Page     int `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"Page number, from 1 to 1000000 (a larger number is refused with 422). A page past the last one answers 200 with no results, and its previous link points at the last page."`
	PageSize int `query:"page_size" minimum:"1" maximum:"100" default:"20" doc:"Items per page (at most 100)."`
}

// Offset returns the SQL offset of the page.
func (p PageParams) Offset() int { return (p.norm().Page - 1) * p.norm().PageSize }

// Limit returns the SQL limit of the page.
func (p PageParams) Limit() int { return p.norm().PageSize }

// norm clamps the parameters into their documented ranges (callers outside
// huma, such as pages, pass raw query values).
func (p PageParams) norm() PageParams {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Page > MaxPage {
		p.Page = MaxPage
	}
	if p.PageSize < 1 {
		p.PageSize = 20
	}
	if p.PageSize > 100 {
		p.PageSize = 100
	}
	return p
}

// Page is a page of a list: {count, next, previous, results}.
type Page[T any] struct {
	Count    int     `json:"count" doc:"Total number of items."`
	Next     *string `json:"next" doc:"URL of the next page, or null on the last page (and past it)."`
	Previous *string `json:"previous" doc:"URL of the previous page, or null on the first page. Past the last page it is the last page's URL."`
	Results  []T     `json:"results"`
}

// NewPage builds a page; next and previous keep the request's other query
// parameters. A page past the last one has no next link, and its previous
// link is the last page (so a client that overshot finds its way back).
func NewPage[T any](ctx context.Context, p PageParams, count int, results []T) Page[T] {
	p = p.norm()
	if results == nil {
		results = []T{}
	}
	env := envFrom(ctx)
	link := func(page int) *string {
		q, _ := url.ParseQuery(env.query)
		if q == nil {
			q = url.Values{}
		}
		q.Set("page", strconv.Itoa(page))
		q.Set("page_size", strconv.Itoa(p.PageSize))
		s := env.path + "?" + q.Encode()
		return &s
	}
	last := max(1, (max(count, 0)+p.PageSize-1)/p.PageSize)
	out := Page[T]{Count: count, Results: results}
	if p.Page < last {
		out.Next = link(p.Page + 1)
	}
	if p.Page > 1 {
		out.Previous = link(min(p.Page-1, last))
	}
	return out
}
