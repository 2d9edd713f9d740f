package httpx

import (
	"context"
	"testing"
)

func TestNewPage(t *testing.T) {
	ctx := context.WithValue(context.Background(), envKey{}, &reqEnv{path: "/api/courses", query: "search=%ED%95%9C&page=2&page_size=10"})
	p := NewPage(ctx, PageParams{Page: 2, PageSize: 10}, 35, []int{1, 2})
	if p.Count != 35 || len(p.Results) != 2 {
		t.Fatalf("%+v", p)
	}
	if p.Next == nil || *p.Next != "/api/courses?page=3&page_size=10&search=%ED%95%9C" {
		t.Fatalf("next %v", p.Next)
	}
	if p.Previous == nil || *p.Previous != "/api/courses?page=1&page_size=10&search=%ED%95%9C" {
		t.Fatalf("previous %v", p.Previous)
	}
	last := NewPage[int](ctx, PageParams{Page: 4, PageSize: 10}, 35, nil)
	if last.Next != nil || last.Results == nil {
		t.Fatalf("last page %+v", last)
	}
	first := NewPage(ctx, PageParams{}, 0, []int{})
	if first.Next != nil || first.Previous != nil {
		t.Fatalf("empty %+v", first)
	}
	if (PageParams{Page: 3, PageSize: 500}).Limit() != 100 || (PageParams{Page: 3, PageSize: 20}).Offset() != 40 {
		t.Fatal("limit/offset")
	}
}

func TestNewPagePastTheLast(t *testing.T) {
	ctx := context.WithValue(context.Background(), envKey{}, &reqEnv{path: "/api/courses", query: "page=99"})
	p := NewPage[int](ctx, PageParams{Page: 99, PageSize: 10}, 35, nil)
	if p.Next != nil || p.Previous == nil || *p.Previous != "/api/courses?page=4&page_size=10" {
		t.Fatalf("past the last: %+v", p)
	}
	if o := (PageParams{Page: 1 << 62, PageSize: 100}).Offset(); o != (MaxPage-1)*100 {
		t.Fatalf("offset of a huge page %d", o)
	}
}
