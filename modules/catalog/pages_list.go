package catalog

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

const (
	listPageSize = 12
	maxQuery     = 100 // runes of a search
)

// listQuery is the list's query string, cleaned: unknown values are dropped.
type listQuery struct {
	Q          string
	Category   string
	SkillLevel string
	Price      string // "" | free | paid
	MinPrice   string // digits or ""
	MaxPrice   string
	Ordering   string // "" (newest) | price | -price | title
	Page       int
}

var listOrderings = []string{"", "price", "-price", "title"}

func (q listQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	set("category", q.Category)
	set("level", q.SkillLevel)
	set("price", q.Price)
	set("min_price", q.MinPrice)
	set("max_price", q.MaxPrice)
	set("ordering", q.Ordering)
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// URL is the list's address for q.
func (q listQuery) URL() string {
	if e := q.values().Encode(); e != "" {
		return "/courses?" + e
	}
	return "/courses"
}

func parseListQuery(c *fiber.Ctx) listQuery {
	q := listQuery{Q: clipRunes(strings.Join(strings.Fields(c.Query("q")), " "), maxQuery)}
	if v := c.Query("category"); slices.Contains(Categories, v) {
		q.Category = v
	}
	if v := c.Query("level"); slices.Contains(SkillLevels, v) {
		q.SkillLevel = v
	}
	if v := c.Query("price"); v == "free" || v == "paid" {
		q.Price = v
	}
	won := func(s string) string {
		s = strings.NewReplacer(",", "", "원", "", " ", "").Replace(strings.TrimSpace(s))
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n <= 100_000_000 {
			return strconv.FormatInt(n, 10)
		}
		return ""
	}
	q.MinPrice, q.MaxPrice = won(c.Query("min_price")), won(c.Query("max_price"))
	if v := c.Query("ordering"); slices.Contains(listOrderings, v) {
		q.Ordering = v
	}
	q.Page = pageNumber(c)
	return q
}

// listPage is the data of "catalog/list".
type listPage struct {
	Heading    string // the category's name, or "all courses"
	Query      listQuery
	Courses    []courseCard
	Count      int
	First      int // 1-based index of the first card shown
	Last       int
	Pager      web.Pager
	Categories []filterLink // the category tabs
	Orderings  []filterLink
	Levels     []web.Option
	Prices     []web.Option
	Chips      []filterLink // the active filters, each linking to the list without it
	ClearURL   string       // the list without any filter ("" when none is set)
}

// filterLink is a link that sets or removes one filter.
type filterLink struct {
	Label   string
	Icon    string
	URL     string
	Current bool
}

func (m *Module) list(c *fiber.Ctx) error {
	q := parseListQuery(c)
	f := courseFilter{Search: q.Q, Category: q.Category, SkillLevel: q.SkillLevel, PriceLevel: q.Price,
		Limit: listPageSize, Offset: (q.Page - 1) * listPageSize}
	switch {
	case q.Ordering == "" && q.Q != "":
		// A search lists the best matches first (see courseList).
	case q.Ordering == "":
		f.Ordering = "-created_at"
	default:
		f.Ordering = q.Ordering
	}
	if q.MinPrice != "" {
		n, _ := strconv.ParseInt(q.MinPrice, 10, 64)
		f.MinPrice = &n
	}
	if q.MaxPrice != "" {
		n, _ := strconv.ParseInt(q.MaxPrice, 10, 64)
		f.MaxPrice = &n
	}
	items, count, err := m.svc.ListCourses(c.UserContext(), authz.PrincipalFrom(c.UserContext()), f)
	if err != nil {
		return err
	}
	page := listPage{Query: q, Count: count, Heading: m.t(c, "catalog.page.list.title"),
		Levels: m.options(c, "catalog.page.level.", SkillLevels, "catalog.page.list.all_levels"),
		Prices: m.options(c, "catalog.page.list.price_", []string{"free", "paid"}, "catalog.page.list.price_all")}
	if q.Category != "" {
		page.Heading = m.t(c, "catalog.page.category."+q.Category)
	}
	for _, s := range items {
		page.Courses = append(page.Courses, m.card(c, s))
	}
	if len(items) > 0 {
		page.First, page.Last = f.Offset+1, f.Offset+len(items)
	}
	with := func(change func(*listQuery)) string {
		n := q
		n.Page = 1
		change(&n)
		return n.URL()
	}
	pages := (count + listPageSize - 1) / listPageSize
	page.Pager = web.Paginate(q.Page, pages, func(p int) string {
		n := q
		n.Page = p
		return n.URL()
	})
	page.Categories = append(page.Categories, filterLink{Label: m.t(c, "catalog.page.list.all_categories"), Icon: "grid",
		URL: with(func(n *listQuery) { n.Category = "" }), Current: q.Category == ""})
	// Tabs for categories with no published course would always be empty.
	published, err := m.svc.PublishedCategories(c.UserContext())
	if err != nil {
		return err
	}
	for _, cat := range Categories {
		if !published[cat] && q.Category != cat {
			continue
		}
		page.Categories = append(page.Categories, filterLink{Label: m.t(c, "catalog.page.category."+cat), Icon: categoryIcons[cat],
			URL: with(func(n *listQuery) { n.Category = cat }), Current: q.Category == cat})
	}
	for _, o := range listOrderings {
		key := orderKey(o)
		if o == "" && q.Q != "" {
			key = "relevance"
		}
		page.Orderings = append(page.Orderings, filterLink{Label: m.t(c, "catalog.page.list.order."+key),
			URL: with(func(n *listQuery) { n.Ordering = o }), Current: q.Ordering == o})
	}
	chip := func(label string, clear func(*listQuery)) {
		page.Chips = append(page.Chips, filterLink{Label: label, URL: with(clear)})
	}
	if q.Q != "" {
		chip(m.t(c, "catalog.page.list.chip_query", "Query", q.Q), func(n *listQuery) { n.Q = "" })
	}
	if q.Category != "" {
		chip(m.t(c, "catalog.page.category."+q.Category), func(n *listQuery) { n.Category = "" })
	}
	if q.SkillLevel != "" {
		chip(m.t(c, "catalog.page.level."+q.SkillLevel), func(n *listQuery) { n.SkillLevel = "" })
	}
	if q.Price != "" {
		chip(m.t(c, "catalog.page.list.price_"+q.Price), func(n *listQuery) { n.Price = "" })
	}
	if q.MinPrice != "" || q.MaxPrice != "" {
		label := ""
		switch {
		case q.MinPrice != "" && q.MaxPrice != "":
			label = m.t(c, "catalog.page.list.range_both", "Min", web.Number(atoi64(q.MinPrice)), "Max", web.Number(atoi64(q.MaxPrice)))
		case q.MinPrice != "":
			label = m.t(c, "catalog.page.list.range_min", "Min", web.Number(atoi64(q.MinPrice)))
		default:
			label = m.t(c, "catalog.page.list.range_max", "Max", web.Number(atoi64(q.MaxPrice)))
		}
		chip(label, func(n *listQuery) { n.MinPrice, n.MaxPrice = "", "" })
	}
	if len(page.Chips) > 0 {
		page.ClearURL = "/courses"
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/list", page)
}

// orderKey names an ordering in message ids: "" → newest, "-price" → desc_price.
func orderKey(o string) string {
	if o == "" {
		return "newest"
	}
	return strings.ReplaceAll(o, "-", "desc_")
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
