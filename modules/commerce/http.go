package commerce

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
)

var tags = []string{"Commerce"}

// private marks a response with personal data: no cache may keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type listInput struct{ httpx.PageParams }

type cartOutput struct{ Body *Cart }

type cartItemOutput struct{ Body *CartItem }

type cartAddInput struct{ Body ProductRef }

type cartPutInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body ProductRef
}

type orderInput struct {
	Body *OrderInput `required:"false"`
}

type orderOutput struct{ Body *Order }

type ordersOutput struct{ Body httpx.Page[Order] }

type addressInput struct{ Body AddressInput }

type addressPutInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body AddressInput
}

type addressOutput struct{ Body *Address }

type addressesOutput struct{ Body []Address }

type paymentStartInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Makes a retry safe: the same key and body replay the first answer; the same key with another body is a 422; while the first request runs, a 409."`
	Body           PaymentInput
}

type paymentStartOutput struct {
	Status int
	Body   *PaymentStarted
}

type paymentOutput struct{ Body *Payment }

type paymentApprovedOutput struct {
	Status int
	Body   *Payment
}

type paymentsOutput struct{ Body httpx.Page[Payment] }

type kakaoReturnInput struct {
	PaymentID int64  `query:"payment_id" minimum:"1" required:"true"`
	Order     string `query:"order" maxLength:"100" doc:"The payment's provider order id, which the return URLs carry: a payment id with another is not found."`
	PGToken   string `query:"pg_token" maxLength:"255"`
}

type redirectOutput struct {
	Status   int
	Location string `header:"Location"`
}

type tossConfirmInput struct {
	Body struct {
		PaymentKey string `json:"paymentKey" minLength:"1" maxLength:"200"`
		OrderID    string `json:"orderId" minLength:"6" maxLength:"64"`
		Amount     int64  `json:"amount" minimum:"0"`
	}
}

type demoApproveInput struct {
	Body struct {
		PaymentID int64 `json:"payment_id" minimum:"1"`
	}
}

type refundInput struct {
	ID     int64  `path:"id" minimum:"1"`
	Reason string `query:"reason" maxLength:"200" doc:"Why (kept with the refund)."`
}

type receiptOutput struct{ Body *Receipt }

type receiptsOutput struct{ Body httpx.Page[Receipt] }

type pdfOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func approvedStatus(p *Payment) int {
	if p.Status == payApproving {
		return http.StatusAccepted
	}
	return http.StatusOK
}

func (m *Module) routes(api huma.API) {
	s := m.svc
	also := func(status, desc string, v any, name string) map[string]*huma.Response {
		return map[string]*huma.Response{status: {Description: desc, Content: map[string]*huma.MediaType{"application/json": {
			Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(v), true, name)}}}}
	}
	unknown := also("202", "The provider's answer is unknown yet: the payment stays approving (or refund_requested) "+
		"and is settled by the reconciler.", Payment{}, "Payment")
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{private, httpx.Authenticated(api)}
	reg := func(op huma.Operation) huma.Operation {
		op.Tags, op.Security = tags, bearer
		if op.Middlewares == nil {
			op.Middlewares = authed
		}
		return op
	}

	// Cart.
	huma.Register(api, reg(huma.Operation{OperationID: "get-cart", Method: http.MethodGet, Path: "/api/cart",
		Summary: "My cart", Errors: []int{401}}),
		func(ctx context.Context, _ *struct{}) (*cartOutput, error) {
			c, err := s.Cart(ctx, authz.PrincipalFrom(ctx))
			return &cartOutput{c}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "add-to-cart", Method: http.MethodPost, Path: "/api/cart",
		Summary: "Put a course or a curriculum in my cart", DefaultStatus: http.StatusCreated, Errors: []int{401, 404, 409, 422},
		Description: "`{course_id}` or `{curriculum_id}`. Something already owned (`commerce.already_owned`) or already in " +
			"the cart (`commerce.already_in_cart`) is a 409."}),
		func(ctx context.Context, in *cartAddInput) (*cartItemOutput, error) {
			it, err := s.AddToCart(ctx, authz.PrincipalFrom(ctx), in.Body)
			return &cartItemOutput{it}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-cart-item", Method: http.MethodGet, Path: "/api/cart/{id}",
		Summary: "An item of my cart", Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*cartItemOutput, error) {
			it, err := s.CartItem(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &cartItemOutput{it}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "replace-cart-item", Method: http.MethodPut, Path: "/api/cart/{id}",
		Summary: "Put another product in place of an item of my cart", Errors: []int{401, 404, 409, 422}}),
		func(ctx context.Context, in *cartPutInput) (*cartItemOutput, error) {
			it, err := s.ReplaceCartItem(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body)
			return &cartItemOutput{it}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "remove-cart-item", Method: http.MethodDelete, Path: "/api/cart/{id}",
		Summary: "Take an item out of my cart", DefaultStatus: http.StatusNoContent, Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*struct{}, error) {
			return nil, s.RemoveFromCart(ctx, authz.PrincipalFrom(ctx), in.ID)
		})

	// Orders.
	huma.Register(api, reg(huma.Operation{OperationID: "create-order", Method: http.MethodPost, Path: "/api/orders",
		Summary: "Order the cart, or explicit products", DefaultStatus: http.StatusCreated, Errors: []int{401, 404, 409, 422},
		Description: "An empty body orders the cart; `{items: [{course_id} | {curriculum_id}]}` orders those. Items keep " +
			"the title and price they have now; `amount` is their total (KRW). One order is pending per user at a time: the " +
			"same products again return the pending order, others replace it (409 `commerce.payment_in_progress` while " +
			"one of its payments is being approved). Something already owned is a 409."}),
		func(ctx context.Context, in *orderInput) (*orderOutput, error) {
			var body OrderInput
			if in.Body != nil {
				body = *in.Body
			}
			o, err := s.CreateOrder(ctx, authz.PrincipalFrom(ctx), body)
			return &orderOutput{o}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "list-orders", Method: http.MethodGet, Path: "/api/orders",
		Summary: "My orders", Errors: []int{401, 422}, Description: "Newest first."}),
		func(ctx context.Context, in *listInput) (*ordersOutput, error) {
			list, n, err := s.MyOrders(ctx, authz.PrincipalFrom(ctx), in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &ordersOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-order", Method: http.MethodGet, Path: "/api/orders/{id}",
		Summary: "One of my orders", Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*orderOutput, error) {
			o, err := s.Order(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &orderOutput{o}, err
		})

	// Billing addresses.
	huma.Register(api, reg(huma.Operation{OperationID: "create-billing-address", Method: http.MethodPost,
		Path: "/api/billing-addresses", Summary: "Add a billing address", DefaultStatus: http.StatusCreated,
		Errors: []int{401, 422}, Description: "Encrypted at rest. The first address is the default; `is_default` moves it."}),
		func(ctx context.Context, in *addressInput) (*addressOutput, error) {
			a, err := s.SaveAddress(ctx, authz.PrincipalFrom(ctx), 0, in.Body)
			return &addressOutput{a}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "list-billing-addresses", Method: http.MethodGet,
		Path: "/api/billing-addresses", Summary: "My billing addresses", Errors: []int{401}, Description: "The default first."}),
		func(ctx context.Context, _ *struct{}) (*addressesOutput, error) {
			a, err := s.Addresses(ctx, authz.PrincipalFrom(ctx))
			return &addressesOutput{a}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-billing-address", Method: http.MethodGet,
		Path: "/api/billing-addresses/{id}", Summary: "One of my billing addresses", Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*addressOutput, error) {
			a, err := s.Address(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &addressOutput{a}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "replace-billing-address", Method: http.MethodPut,
		Path: "/api/billing-addresses/{id}", Summary: "Change one of my billing addresses", Errors: []int{401, 404, 422}}),
		func(ctx context.Context, in *addressPutInput) (*addressOutput, error) {
			a, err := s.SaveAddress(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body)
			return &addressOutput{a}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "delete-billing-address", Method: http.MethodDelete,
		Path: "/api/billing-addresses/{id}", Summary: "Delete one of my billing addresses", DefaultStatus: http.StatusNoContent,
		Errors: []int{401, 404}, Description: "The newest other address becomes the default. Payments keep their own copy."}),
		func(ctx context.Context, in *idInput) (*struct{}, error) {
			return nil, s.DeleteAddress(ctx, authz.PrincipalFrom(ctx), in.ID)
		})

	// Payments.
	huma.Register(api, reg(huma.Operation{OperationID: "start-payment", Method: http.MethodPost, Path: "/api/payments",
		Summary: "Pay an order", DefaultStatus: http.StatusCreated, Errors: []int{401, 404, 409, 422, 503},
		Description: "Registers the payment with the provider and answers where to send the payer's browser. " +
			"`Idempotency-Key` makes a retry safe (same key and body: the first answer again; another body: 422; while " +
			"the first runs: 409). A replay answers 200.",
		Responses: also("200", "The first answer, replayed.", PaymentStarted{}, "PaymentStarted")}),
		func(ctx context.Context, in *paymentStartInput) (*paymentStartOutput, error) {
			out, replayed, err := s.StartPaymentKeyed(ctx, authz.PrincipalFrom(ctx), in.Body, in.IdempotencyKey)
			if err != nil {
				return nil, err
			}
			status := http.StatusCreated
			if replayed {
				status = http.StatusOK
			}
			return &paymentStartOutput{Status: status, Body: out}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "list-payments", Method: http.MethodGet, Path: "/api/payments",
		Summary: "My payments", Errors: []int{401, 422}, Description: "Newest first."}),
		func(ctx context.Context, in *listInput) (*paymentsOutput, error) {
			list, n, err := s.Payments(ctx, authz.PrincipalFrom(ctx), false, in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &paymentsOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-payment", Method: http.MethodGet, Path: "/api/payments/{id}",
		Summary: "One of my payments", Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*paymentOutput, error) {
			p, err := s.Payment(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &paymentOutput{p}, err
		})
	kakao := func(path, summary string, handle func(ctx context.Context, in *kakaoReturnInput) (int64, error)) {
		huma.Register(api, huma.Operation{OperationID: "kakaopay-" + path, Method: http.MethodGet,
			Path: "/api/payments/kakaopay/" + path, Summary: summary, Tags: tags, Middlewares: huma.Middlewares{private},
			DefaultStatus: http.StatusSeeOther, Errors: []int{404, 409, 422},
			Description: "KakaoPay sends the payer's browser here; it is answered with a redirect to the payment's page. " +
				"Bound to the payment's own tid; another user's payment is a 404. Idempotent."},
			func(ctx context.Context, in *kakaoReturnInput) (*redirectOutput, error) {
				id, err := handle(ctx, in)
				if err != nil {
					return nil, err
				}
				return &redirectOutput{Status: http.StatusSeeOther, Location: ResultURL(id)}, nil
			})
	}
	kakao("approve", "The browser returning from KakaoPay approved", func(ctx context.Context, in *kakaoReturnInput) (int64, error) {
		if in.PGToken == "" {
			return 0, fieldErr("query.pg_token", "commerce.required")
		}
		_, err := s.Approve(ctx, authz.PrincipalFrom(ctx), in.PaymentID, ApproveInput{Provider: "kakaopay", Token: in.PGToken, OrderID: in.Order})
		if err == errPaymentNotReady {
			err = nil // the payment's page says how it ended
		}
		return in.PaymentID, err
	})
	kakao("cancel", "The browser returning from KakaoPay cancelled", func(ctx context.Context, in *kakaoReturnInput) (int64, error) {
		_, err := s.CancelReady(ctx, authz.PrincipalFrom(ctx), in.PaymentID, "kakaopay", in.Order, false, "")
		return in.PaymentID, err
	})
	kakao("fail", "The browser returning from a failed KakaoPay payment", func(ctx context.Context, in *kakaoReturnInput) (int64, error) {
		_, err := s.CancelReady(ctx, authz.PrincipalFrom(ctx), in.PaymentID, "kakaopay", in.Order, true, "KakaoPay reported a failure")
		return in.PaymentID, err
	})
	huma.Register(api, reg(huma.Operation{OperationID: "tosspayments-confirm", Method: http.MethodPost,
		Path: "/api/payments/tosspayments/confirm", Summary: "Confirm a Toss payment the payer authorised",
		Errors: []int{401, 404, 409, 422, 503},
		Description: "`{paymentKey, orderId, amount}` from Toss's success URL. The amount must be the order's (422 " +
			"`commerce.amount_mismatch` otherwise). 200 with the payment (paid or failed); 202 while its outcome is unknown.",
		Responses: unknown}),
		func(ctx context.Context, in *tossConfirmInput) (*paymentApprovedOutput, error) {
			p, err := s.ConfirmToss(ctx, authz.PrincipalFrom(ctx), in.Body.OrderID, in.Body.PaymentKey, in.Body.Amount)
			if err != nil {
				return nil, err
			}
			return &paymentApprovedOutput{Status: approvedStatus(p), Body: p}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "demo-approve", Method: http.MethodPost,
		Path: "/api/payments/demo/approve", Summary: "Approve a demo payment", Errors: []int{401, 404, 409, 422},
		Description: "The demo provider's approval (development and tests): the same approval path as the real providers. " +
			"200 with the payment (paid, or failed); 202 while its outcome is unknown; approving again answers the payment as it stands.",
		Responses: unknown}),
		func(ctx context.Context, in *demoApproveInput) (*paymentApprovedOutput, error) {
			p, err := s.Approve(ctx, authz.PrincipalFrom(ctx), in.Body.PaymentID, ApproveInput{Provider: "demo"})
			if err != nil {
				return nil, err
			}
			return &paymentApprovedOutput{Status: approvedStatus(p), Body: p}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "refund-payment", Method: http.MethodDelete,
		Path: "/api/payments/{id}/cancel", Summary: "Refund a payment", Errors: []int{401, 404, 409, 503},
		Description: fmt.Sprintf("The whole amount, through the provider; access to the courses is revoked and a refund "+
			"receipt issued. Its payer within %d days of payment and while less than %d%% of the product's video was "+
			"watched (409 `commerce.refund_too_late` / `commerce.refund_consumed`); admins always. 200 refunded; 202 while "+
			"the provider's answer is unknown.", s.settings.RefundDays, s.settings.MaxWatchedPercent),
		Responses: unknown}),
		func(ctx context.Context, in *refundInput) (*paymentApprovedOutput, error) {
			p, err := s.Refund(ctx, authz.PrincipalFrom(ctx), in.ID, in.Reason)
			if err != nil {
				return nil, err
			}
			status := http.StatusOK
			if p.Status == payRefundRequested {
				status = http.StatusAccepted
			}
			return &paymentApprovedOutput{Status: status, Body: p}, nil
		})

	// Receipts.
	huma.Register(api, reg(huma.Operation{OperationID: "list-receipts", Method: http.MethodGet, Path: "/api/receipts",
		Summary: "My receipts", Errors: []int{401, 422}, Description: "Payments and refunds, newest first."}),
		func(ctx context.Context, in *listInput) (*receiptsOutput, error) {
			list, n, err := s.Receipts(ctx, authz.PrincipalFrom(ctx), in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &receiptsOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-receipt", Method: http.MethodGet, Path: "/api/receipts/{id}",
		Summary: "One of my receipts", Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*receiptOutput, error) {
			r, err := s.Receipt(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &receiptOutput{r}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-receipt-pdf", Method: http.MethodGet, Path: "/api/receipts/{id}/pdf",
		Summary: "One of my receipts as a PDF", Errors: []int{401, 404},
		Responses: map[string]*huma.Response{"200": {Description: "The receipt, in Korean or English (Accept-Language).",
			Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}}),
		func(ctx context.Context, in *idInput) (*pdfOutput, error) {
			r, err := s.Receipt(ctx, authz.PrincipalFrom(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			b, err := m.receiptPDF(i18n.LangFrom(ctx), r)
			if err != nil {
				return nil, err
			}
			return &pdfOutput{ContentType: "application/pdf",
				ContentDisposition: fmt.Sprintf(`inline; filename="%s.pdf"`, r.Number), Body: b}, nil
		})
}
