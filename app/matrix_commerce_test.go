package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// commerceFixture is what the commerce rows read: the tutor's published
// curriculum (two courses), and the student's cart item, billing address,
// paid payment (with its order and receipt) and pending order.
type commerceFixture struct {
	curriculum, course                int64
	cartItem, address                 int64
	paidOrder, paidPayment, receipt   int64
	pendingOrder, pendingOrderProduct int64
}

// sellable creates a published course of the tutor's with a price.
func (f *matrixFixture) sellable() int64 {
	f.t.Helper()
	var out struct{ ID int64 }
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("shop"), "title": "판매 강좌",
		"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "t", "title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}}).Status(201).JSON(&out)
	return out.ID
}

// paid has the named caller buy a new course with the demo provider and
// returns the order and the payment.
func (f *matrixFixture) paid(name string) (order, payment int64) {
	f.t.Helper()
	var o, p struct{ ID int64 }
	f.as(name, http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": f.sellable()}}}).
		Status(201).JSON(&o)
	var s struct {
		PaymentID int64 `json:"payment_id"`
	}
	f.as(name, http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"}).Status(201).JSON(&s)
	f.as(name, http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": s.PaymentID}).Status(200).JSON(&p)
	return o.ID, p.ID
}

func (f *matrixFixture) commerce() commerceFixture {
	f.t.Helper()
	var cf commerceFixture
	cf.course = f.sellable()
	var cu struct{ ID int64 }
	f.as("tutor", http.MethodPost, "/api/curriculums/", map[string]any{"slug": f.unique("shop-nd"), "title": "판매 과정",
		"category": "frontend", "skill_level": "beginner", "price": 5000, "status": "published",
		"course_ids": []int64{cf.course, f.sellable()}}).Status(201).JSON(&cu)
	cf.curriculum = cu.ID
	var id struct{ ID int64 }
	f.as("student", http.MethodPost, "/api/cart/", map[string]any{"course_id": cf.course}).Status(201).JSON(&id)
	cf.cartItem = id.ID
	f.as("student", http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "KR", "main_address": "서울",
		"postal_code": "04524"}).Status(201).JSON(&id)
	cf.address = id.ID
	cf.paidOrder, cf.paidPayment = f.paid("student")
	var rs struct{ Results []struct{ ID int64 } }
	f.as("student", http.MethodGet, "/api/receipts/", nil).Status(200).JSON(&rs)
	cf.receipt = rs.Results[0].ID
	cf.pendingOrderProduct = f.sellable()
	f.as("student", http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": cf.pendingOrderProduct}}}).
		Status(201).JSON(&id)
	cf.pendingOrder = id.ID
	return cf
}

// commerceRows are the commerce module's API routes and pages. The
// "student" owns the fixture's cart item, address, orders, payments and
// receipt; every other signed-in caller gets 404 for them, but admins, who
// read (and refund) every payment, order and receipt.
func commerceRows(f *matrixFixture) []testkit.MatrixRow {
	cf := f.commerce()
	own := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(status, "student").And(404, "other_student", "tutor", otherTutor, "admin")
	}
	ownOrAdmin := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(status, "student", "admin").And(404, "other_student", "tutor", otherTutor)
	}
	authed := func(status int) testkit.Expect { return testkit.All(401, "anonymous").And(status, signedIn...) }
	page := func(status int) testkit.Expect { return testkit.All(303, "anonymous").And(status, signedIn...) }
	ownPage := func(status int) testkit.Expect {
		return testkit.All(303, "anonymous").And(status, "student", "admin").And(404, "other_student", "tutor", otherTutor)
	}
	post := func(status int) testkit.Expect { return testkit.All(401, "anonymous").And(status, signedIn...) }
	freshItem := func(string) (string, *testkit.Caller) {
		var it struct{ ID int64 }
		f.as("student", http.MethodPost, "/api/cart/", map[string]any{"course_id": f.sellable()}).Status(201).JSON(&it)
		return fmt.Sprintf("/api/cart/%d/", it.ID), nil
	}
	freshAddress := func(string) (string, *testkit.Caller) {
		var a struct{ ID int64 }
		f.as("student", http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "KR", "main_address": "부산",
			"postal_code": "48000"}).Status(201).JSON(&a)
		return fmt.Sprintf("/api/billing-addresses/%d/", a.ID), nil
	}
	freshPaid := func(format string) func(string) (string, *testkit.Caller) {
		return func(string) (string, *testkit.Caller) {
			_, p := f.paid("student")
			return fmt.Sprintf(format, p), nil
		}
	}
	address := map[string]any{"country": "KR", "main_address": "대전", "postal_code": "34000"}
	noPayment := fmt.Sprintf("wv-o%d-p999999", cf.paidOrder)
	return []testkit.MatrixRow{
		{Method: "GET", Path: "/api/cart/", Want: authed(200)},
		{Method: "POST", Path: "/api/cart/", Body: map[string]any{"curriculum_id": cf.curriculum}, Want: authed(201)},
		{Method: "POST", Path: "/api/cart/", Body: map[string]any{"course_id": 999999}, Want: authed(404)},
		{Method: "POST", Path: "/api/cart/", Body: map[string]any{}, Want: authed(422)},
		{Method: "GET", Path: fmt.Sprintf("/api/cart/%d/", cf.cartItem), Want: own(200)},
		{Method: "PUT", Path: "/api/cart/{id}/", Body: map[string]any{"course_id": cf.pendingOrderProduct}, Fresh: freshItem, Want: own(200)},
		{Method: "DELETE", Path: "/api/cart/{id}/", Fresh: freshItem, Want: own(204)},

		{Method: "GET", Path: "/api/orders/", Want: authed(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/orders/%d/", cf.paidOrder), Want: ownOrAdmin(200)},
		// The student's pending order has these products: ordering them again returns it.
		{Method: "POST", Path: "/api/orders/", Body: map[string]any{"items": []map[string]any{{"course_id": cf.pendingOrderProduct}}},
			Want: authed(201)},

		{Method: "GET", Path: "/api/billing-addresses/", Want: authed(200)},
		{Method: "POST", Path: "/api/billing-addresses/", Body: address, Want: authed(201)},
		{Method: "GET", Path: fmt.Sprintf("/api/billing-addresses/%d/", cf.address), Want: own(200)},
		{Method: "PUT", Path: fmt.Sprintf("/api/billing-addresses/%d/", cf.address), Body: address, Want: own(200)},
		{Method: "DELETE", Path: "/api/billing-addresses/{id}/", Fresh: freshAddress, Want: own(204)},

		{Method: "POST", Path: "/api/payments/", Body: map[string]any{"order_id": cf.pendingOrder, "provider": "demo"}, Want: own(201)},
		{Method: "POST", Path: "/api/payments/", Body: map[string]any{"order_id": cf.paidOrder, "provider": "kakaopay"}, Want: authed(422)},
		{Method: "GET", Path: "/api/payments/", Want: authed(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/payments/%d/", cf.paidPayment), Want: ownOrAdmin(200)},
		{Method: "POST", Path: "/api/payments/demo/approve/", Body: map[string]any{"payment_id": cf.paidPayment}, Want: own(200)},
		{Method: "DELETE", Path: "/api/payments/{id}/cancel/", Fresh: freshPaid("/api/payments/%d/cancel/"), Want: ownOrAdmin(200)},
		// KakaoPay's return URLs: bound to a KakaoPay payment (this one is the demo's).
		{Method: "GET", Path: fmt.Sprintf("/api/payments/kakaopay/approve/?payment_id=%d&pg_token=t", cf.paidPayment),
			Want: testkit.All(404, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/api/payments/kakaopay/approve/?payment_id=%d", cf.paidPayment),
			Want: testkit.All(422, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/api/payments/kakaopay/cancel/?payment_id=%d", cf.paidPayment), Want: testkit.All(404, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/api/payments/kakaopay/fail/?payment_id=%d", cf.paidPayment), Want: testkit.All(404, everyone...)},
		{Method: "POST", Path: "/api/payments/tosspayments/confirm/", Body: map[string]any{"paymentKey": "k", "orderId": noPayment,
			"amount": 1000}, Want: authed(404)},

		{Method: "GET", Path: "/api/receipts/", Want: authed(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/receipts/%d/", cf.receipt), Want: ownOrAdmin(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/receipts/%d/pdf/", cf.receipt), Want: ownOrAdmin(200)},

		// Pages.
		{Method: "GET", Path: fmt.Sprintf("/checkout?curriculum=%d", cf.curriculum), Page: true, Want: page(200)},
		{Method: "GET", Path: "/checkout?course=999999", Page: true, Want: page(404)},
		{Method: "POST", Path: "/checkout", Page: true, Body: fmt.Sprintf("nonce=m-1&kind=course&id=%d&provider=demo&address=new", cf.course),
			Want: post(303)},
		{Method: "GET", Path: "/cart", Page: true, Want: page(200)},
		{Method: "POST", Path: "/cart", Page: true, Body: fmt.Sprintf("kind=curriculum&id=%d", cf.curriculum), Want: post(303)},
		{Method: "POST", Path: "/cart/{id}/delete", Page: true, Fresh: func(n string) (string, *testkit.Caller) {
			p, c := freshItem(n)
			var id int64
			_, _ = fmt.Sscanf(p, "/api/cart/%d/", &id)
			return fmt.Sprintf("/cart/%d/delete", id), c
		}, Want: testkit.All(401, "anonymous").And(303, "student").And(404, "other_student", "tutor", otherTutor, "admin")},
		{Method: "GET", Path: fmt.Sprintf("/payments/%d", cf.paidPayment), Page: true, Want: ownPage(200)},
		{Method: "GET", Path: fmt.Sprintf("/payments/%d/go", cf.paidPayment), Page: true, Want: ownPage(303)},
		{Method: "GET", Path: fmt.Sprintf("/payments/%d/demo", cf.paidPayment), Page: true, Want: ownPage(303)},
		// Toss's checkout page, for a Toss payment only (this one is the demo's).
		{Method: "GET", Path: fmt.Sprintf("/payments/%d/tosspayments", cf.paidPayment), Page: true, Want: page(404)},
		{Method: "POST", Path: fmt.Sprintf("/payments/%d/demo", cf.paidPayment), Page: true, Body: "action=cancel",
			Want: testkit.All(401, "anonymous").And(303, "student").And(404, "other_student", "tutor", otherTutor, "admin")},
		{Method: "GET", Path: "/payments/tosspayments/success?paymentKey=k&amount=1000&orderId=" + noPayment, Page: true, Want: page(404)},
		{Method: "GET", Path: "/payments/tosspayments/fail?code=USER_CANCEL&message=m&orderId=" + noPayment, Page: true, Want: page(404)},
		{Method: "GET", Path: "/me/orders", Page: true, Want: page(200)},
		{Method: "GET", Path: fmt.Sprintf("/me/receipts/%d", cf.receipt), Page: true, Want: ownPage(200)},
		{Method: "GET", Path: fmt.Sprintf("/me/payments/%d/refund", cf.paidPayment), Page: true, Want: ownPage(200)},
		{Method: "POST", Path: "/me/payments/{id}/refund", Page: true, Body: "reason=test", Fresh: freshPaid("/me/payments/%d/refund"),
			Want: testkit.All(401, "anonymous").And(303, "student", "admin").And(404, "other_student", "tutor", otherTutor)},
		{Method: "GET", Path: "/admin/payments", Page: true,
			Want: testkit.All(303, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(200, "admin")},
		{Method: "POST", Path: "/admin/payments/{id}/refund", Page: true, Body: "", Fresh: freshPaid("/admin/payments/%d/refund"),
			Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(303, "admin")},
	}
}
