package commerce

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// Product is something sold: a course or a curriculum (all its courses).
type Product struct {
	Kind       string  `json:"kind" enum:"course,curriculum"`
	ID         int64   `json:"id"`
	Title      string  `json:"title"`
	Price      int64   `json:"price" doc:"KRW."`
	AccessDays int     `json:"access_days" doc:"Days of access from payment."`
	CourseIDs  []int64 `json:"course_ids" doc:"The courses it grants."`
}

// ProductRef names a product: exactly one of course_id and curriculum_id.
type ProductRef struct {
	CourseID     int64 `json:"course_id,omitempty" minimum:"1"`
	CurriculumID int64 `json:"curriculum_id,omitempty" minimum:"1"`
}

// ref returns the kind and id named, or a 422.
func (r ProductRef) ref(loc string) (string, int64, error) {
	switch {
	case r.CourseID > 0 && r.CurriculumID == 0:
		return KindCourse, r.CourseID, nil
	case r.CurriculumID > 0 && r.CourseID == 0:
		return KindCurriculum, r.CurriculumID, nil
	}
	return "", 0, apperr.InvalidFields("request.validation", apperr.FieldError{Location: loc,
		Message: "commerce.one_product"})
}

// product reads a product on sale from the catalog: published, with a
// price. A missing, unpublished or free one is not for sale (404).
func (s *service) product(ctx context.Context, kind string, id int64) (*Product, error) {
	switch kind {
	case KindCourse:
		c, err := s.catalog.CourseByID(ctx, id)
		if apperr.KindOf(err) == apperr.NotFound || err == nil && (c.Status != "published" || c.Price <= 0) {
			return nil, errProductNotFound
		}
		if err != nil {
			return nil, err
		}
		return &Product{Kind: kind, ID: c.ID, Title: c.Title, Price: c.Price, AccessDays: c.AccessDays,
			CourseIDs: []int64{c.ID}}, nil
	case KindCurriculum:
		c, courses, err := s.catalog.CurriculumByID(ctx, id)
		if apperr.KindOf(err) == apperr.NotFound || err == nil && (c.Status != "published" || c.Price <= 0 || len(courses) == 0) {
			return nil, errProductNotFound
		}
		if err != nil {
			return nil, err
		}
		p := &Product{Kind: kind, ID: c.ID, Title: c.Title, Price: c.Price, AccessDays: c.AccessDays, CourseIDs: []int64{}}
		for _, cs := range courses {
			p.CourseIDs = append(p.CourseIDs, cs.ID)
		}
		return p, nil
	}
	return nil, errProductNotFound
}

// defaultAccessDays is a product's access period when it names none.
const defaultAccessDays = 730

// owns reports whether the user has access to every course of the
// product: through learning's grants, or through a paid order of commerce's
// own whose access has not run out. The second counts a purchase whose
// grant is not delivered yet (OrderPaid is delivered after the commit, and
// retried), so the same course is never sold twice in that window.
func (s *service) owns(ctx context.Context, uid int64, p *Product) (bool, error) {
	m, err := s.ent.EntitledCourses(ctx, uid, p.CourseIDs)
	if err != nil {
		return false, err
	}
	bought, err := s.st.boughtItems(ctx, s.db.R, uid)
	if err != nil {
		return false, err
	}
	now := s.clock.Now()
	for _, b := range bought {
		days := b.AccessDays
		if days <= 0 {
			days = defaultAccessDays
		}
		if now.Before(b.PaidAt.AddDate(0, 0, days)) {
			for _, id := range b.CourseIDs.V {
				m[id] = true
			}
		}
	}
	for _, id := range p.CourseIDs {
		if !m[id] {
			return false, nil
		}
	}
	return len(p.CourseIDs) > 0, nil
}

// ProductFor returns a product as p may buy it, and whether p owns it.
func (s *service) ProductFor(ctx context.Context, p *authz.Principal, kind string, id int64) (*Product, bool, error) {
	prod, err := s.product(ctx, kind, id)
	if err != nil {
		return nil, false, err
	}
	if p == nil {
		return prod, false, nil
	}
	owned, err := s.owns(ctx, p.UserID, prod)
	return prod, owned, err
}

// CartItem is a product in the cart.
type CartItem struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind" enum:"course,curriculum"`
	CourseID     *int64    `json:"course_id"`
	CurriculumID *int64    `json:"curriculum_id"`
	Title        string    `json:"title"`
	Price        int64     `json:"price" doc:"KRW, the product's price now."`
	AccessDays   int       `json:"access_days"`
	Available    bool      `json:"available" doc:"Whether it is still for sale (an unpublished product stays in the cart, unavailable)."`
	CreatedAt    time.Time `json:"created_at"`
}

// Cart is a user's cart.
type Cart struct {
	Items []CartItem `json:"items"`
	Total int64      `json:"total" doc:"KRW, of the available items."`
}

func (s *service) cartItemOf(ctx context.Context, r cartItemRow) (CartItem, error) {
	it := CartItem{ID: r.ID, Kind: r.Kind, CreatedAt: r.CreatedAt.UTC()}
	id := r.ProductID
	if r.Kind == KindCourse {
		it.CourseID = &id
	} else {
		it.CurriculumID = &id
	}
	prod, err := s.product(ctx, r.Kind, r.ProductID)
	switch {
	case err == errProductNotFound:
		it.Title = fmt.Sprintf("#%d", r.ProductID)
	case err != nil:
		return it, err
	default:
		it.Title, it.Price, it.AccessDays, it.Available = prod.Title, prod.Price, prod.AccessDays, true
	}
	return it, nil
}

// Cart returns p's cart.
func (s *service) Cart(ctx context.Context, p *authz.Principal) (*Cart, error) {
	if err := s.authz.Check(p, objCart, "use"); err != nil {
		return nil, err
	}
	rows, err := s.st.cartItems(ctx, s.db.R, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &Cart{Items: []CartItem{}}
	for _, r := range rows {
		it, err := s.cartItemOf(ctx, r)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, it)
		if it.Available {
			out.Total += it.Price
		}
	}
	return out, nil
}

// CartItem returns one item of p's cart.
func (s *service) CartItem(ctx context.Context, p *authz.Principal, id int64) (*CartItem, error) {
	if err := s.authz.Check(p, objCart, "use"); err != nil {
		return nil, err
	}
	r, err := s.st.cartItem(ctx, s.db.R, p.UserID, id)
	if err != nil {
		return nil, err
	}
	it, err := s.cartItemOf(ctx, *r)
	return &it, err
}

// AddToCart puts a product in p's cart: 409 when p owns it or it is there.
func (s *service) AddToCart(ctx context.Context, p *authz.Principal, in ProductRef) (*CartItem, error) {
	if err := s.authz.Check(p, objCart, "use"); err != nil {
		return nil, err
	}
	kind, id, err := in.ref("body")
	if err != nil {
		return nil, err
	}
	prod, owned, err := s.ProductFor(ctx, p, kind, id)
	if err != nil {
		return nil, err
	}
	if owned {
		return nil, errAlreadyOwned
	}
	row := &cartItemRow{UserID: p.UserID, Kind: kind, ProductID: prod.ID, CreatedAt: s.clock.Now()}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.st.insertCartItem(ctx, tx, row)
	})
	if db.IsUniqueViolation(err) {
		return nil, errAlreadyInCart
	}
	if err != nil {
		return nil, err
	}
	it, err := s.cartItemOf(ctx, *row)
	return &it, err
}

// ReplaceCartItem puts another product in place of an item of p's cart.
func (s *service) ReplaceCartItem(ctx context.Context, p *authz.Principal, id int64, in ProductRef) (*CartItem, error) {
	if err := s.authz.Check(p, objCart, "use"); err != nil {
		return nil, err
	}
	if _, err := s.st.cartItem(ctx, s.db.R, p.UserID, id); err != nil {
		return nil, err
	}
	kind, pid, err := in.ref("body")
	if err != nil {
		return nil, err
	}
	prod, owned, err := s.ProductFor(ctx, p, kind, pid)
	if err != nil {
		return nil, err
	}
	if owned {
		return nil, errAlreadyOwned
	}
	row := &cartItemRow{UserID: p.UserID, Kind: kind, ProductID: prod.ID, CreatedAt: s.clock.Now()}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := s.st.deleteCartItem(ctx, tx, p.UserID, id)
		if err != nil {
			return err
		}
		if !ok {
			return errCartItemNotFound
		}
		return s.st.insertCartItem(ctx, tx, row)
	})
	if db.IsUniqueViolation(err) {
		return nil, errAlreadyInCart
	}
	if err != nil {
		return nil, err
	}
	it, err := s.cartItemOf(ctx, *row)
	return &it, err
}

// RemoveFromCart deletes an item of p's cart.
func (s *service) RemoveFromCart(ctx context.Context, p *authz.Principal, id int64) error {
	if err := s.authz.Check(p, objCart, "use"); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := s.st.deleteCartItem(ctx, tx, p.UserID, id)
		if err == nil && !ok {
			err = errCartItemNotFound
		}
		return err
	})
}
