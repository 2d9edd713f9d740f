package httpx

import (
	"context"
	"net/url"
	"strconv"
)

// PageParams are the list query parameters of API.md. Embed it in a huma
// input struct.
type PageParams struct {
	Page     int `query:"page" minimum:"1" default:"1" doc:"Page number, from 1."`
	PageSize int `query:"page_size" minimum:"1" maximum:"100" default:"20" doc:"Items per page (at most 100)."`
}

// Offset returns the SQL offset of the page.
func (p PageParams) Offset() int { return (p.norm().Page - 1) * p.norm().PageSize }

// Limit returns the SQL limit of the page.
func (p PageParams) Limit() int { return p.norm().PageSize }

func (p PageParams) norm() PageParams {
	if p.Page < 1 {
		p.Page = 1
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
	Next     *string `json:"next" doc:"URL of the next page, or null."`
	Previous *string `json:"previous" doc:"URL of the previous page, or null."`
	Results  []T     `json:"results"`
}

// NewPage builds a page; next and previous keep the request's other query
// parameters.
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
	out := Page[T]{Count: count, Results: results}
	if p.Page*p.PageSize < count {
		out.Next = link(p.Page + 1)
	}
	if p.Page > 1 {
		out.Previous = link(p.Page - 1)
	}
	return out
}
