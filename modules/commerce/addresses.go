package commerce

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// AddressInput is a billing address.
type AddressInput struct {
	Name          string `json:"name,omitempty" maxLength:"100" doc:"Who is billed (defaults to the account's nickname on receipts)."`
	Country       string `json:"country" minLength:"2" maxLength:"50"`
	MainAddress   string `json:"main_address" minLength:"1" maxLength:"255"`
	DetailAddress string `json:"detail_address,omitempty" maxLength:"255"`
	PostalCode    string `json:"postal_code" minLength:"1" maxLength:"20"`
	IsDefault     bool   `json:"is_default,omitempty" doc:"Make it the default (the first address always is; the default cannot be unset, only moved)."`
}

// billing is an address's sealed content (also a payment's snapshot).
type billing struct {
	Name          string `json:"name,omitempty"`
	Country       string `json:"country"`
	MainAddress   string `json:"main_address"`
	DetailAddress string `json:"detail_address,omitempty"`
	PostalCode    string `json:"postal_code"`
}

// Address is a billing address.
type Address struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name,omitempty"`
	Country       string    `json:"country"`
	MainAddress   string    `json:"main_address"`
	DetailAddress string    `json:"detail_address"`
	PostalCode    string    `json:"postal_code"`
	IsDefault     bool      `json:"is_default"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func (in AddressInput) clean() (billing, error) {
	b := billing{Name: strings.TrimSpace(in.Name), Country: strings.TrimSpace(in.Country),
		MainAddress: strings.TrimSpace(in.MainAddress), DetailAddress: strings.TrimSpace(in.DetailAddress),
		PostalCode: strings.TrimSpace(in.PostalCode)}
	var fe []apperr.FieldError
	for _, f := range []struct{ loc, v string }{{"body.country", b.Country}, {"body.main_address", b.MainAddress},
		{"body.postal_code", b.PostalCode}} {
		if f.v == "" {
			fe = append(fe, apperr.FieldError{Location: f.loc, Message: "commerce.required"})
		}
	}
	if len(fe) > 0 {
		return b, apperr.InvalidFields("request.validation", fe...)
	}
	return b, nil
}

func addressAAD(userID int64) string { return "commerce_billing_addresses:" + itoa(userID) }

// paymentAAD binds a payment's billing snapshot to the payment's user.
func paymentAAD(userID int64) string { return "commerce_payments.billing:" + itoa(userID) }

func (s *service) seal(b billing, aad string) (string, error) {
	plain, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	return s.keys.EncryptString(string(plain), aad)
}

func (s *service) unseal(token, aad string) (billing, error) {
	var b billing
	plain, err := s.keys.DecryptString(token, aad)
	if err != nil {
		return b, errAddressKeyFailed.Because(err)
	}
	return b, json.Unmarshal([]byte(plain), &b)
}

func (s *service) addressOf(r *addressRow) (*Address, error) {
	b, err := s.unseal(r.Sealed, addressAAD(r.UserID))
	if err != nil {
		return nil, err
	}
	return &Address{ID: r.ID, Name: b.Name, Country: b.Country, MainAddress: b.MainAddress, DetailAddress: b.DetailAddress,
		PostalCode: b.PostalCode, IsDefault: r.IsDefault, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// Addresses lists p's billing addresses, the default first.
func (s *service) Addresses(ctx context.Context, p *authz.Principal) ([]Address, error) {
	if err := s.authz.Check(p, objAddress, "read", authz.Owner); err != nil {
		return nil, err
	}
	rows, err := s.st.addresses(ctx, s.db.R, p.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Address, 0, len(rows))
	for i := range rows {
		a, err := s.addressOf(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}

// Address returns one of p's addresses.
func (s *service) Address(ctx context.Context, p *authz.Principal, id int64) (*Address, error) {
	if err := s.authz.Check(p, objAddress, "read", authz.Owner); err != nil {
		return nil, err
	}
	r, err := s.st.address(ctx, s.db.R, p.UserID, id)
	if err != nil {
		return nil, err
	}
	return s.addressOf(r)
}

// SaveAddress creates (id 0) or replaces one of p's addresses. The first
// address is the default; one saved with is_default becomes it.
func (s *service) SaveAddress(ctx context.Context, p *authz.Principal, id int64, in AddressInput) (*Address, error) {
	act := "create"
	if id != 0 {
		act = "update"
	}
	if err := s.authz.Check(p, objAddress, act, authz.Owner); err != nil {
		return nil, err
	}
	b, err := in.clean()
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal(b, addressAAD(p.UserID))
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	row := &addressRow{ID: id, UserID: p.UserID, Sealed: sealed, CreatedAt: now, UpdatedAt: now}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.st.lockAddresses(ctx, tx, p.UserID); err != nil {
			return err
		}
		def, err := s.st.defaultAddress(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if id != 0 {
			cur, err := s.st.address(ctx, tx, p.UserID, id)
			if err != nil {
				return err
			}
			row.CreatedAt, row.IsDefault = cur.CreatedAt, cur.IsDefault
		}
		if in.IsDefault || def == nil {
			if def != nil && def.ID != id {
				if err := s.st.clearDefault(ctx, tx, p.UserID); err != nil {
					return err
				}
			}
			row.IsDefault = true
		}
		if id == 0 {
			return s.st.insertAddress(ctx, tx, row)
		}
		return s.st.updateAddress(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	return s.addressOf(row)
}

// DeleteAddress deletes one of p's addresses; when it was the default, the
// newest other one becomes it. Payments keep their own snapshot.
func (s *service) DeleteAddress(ctx context.Context, p *authz.Principal, id int64) error {
	if err := s.authz.Check(p, objAddress, "delete", authz.Owner); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.st.lockAddresses(ctx, tx, p.UserID); err != nil {
			return err
		}
		cur, err := s.st.address(ctx, tx, p.UserID, id)
		if err != nil {
			return err
		}
		if _, err := s.st.deleteAddress(ctx, tx, p.UserID, id); err != nil {
			return err
		}
		if cur.IsDefault {
			return s.st.promoteNewest(ctx, tx, p.UserID)
		}
		return nil
	})
}

// RotateKeys re-seals billing addresses and payments' billing snapshots
// still under an older encryption key with the active one (`weaverse keys
// rotate`), a batch per transaction; it returns how many it re-sealed.
func (s *service) RotateKeys(ctx context.Context) (int, error) {
	changed := 0
	for _, kind := range []struct {
		load func(ctx context.Context, idb bun.IDB, after int64, limit int) ([]sealedValue, error)
		save func(ctx context.Context, tx bun.IDB, id int64, old, token string) error
		aad  func(userID int64) string
	}{
		{s.st.sealedAddresses, s.st.resealAddress, addressAAD},
		{s.st.sealedBillings, s.st.resealBilling, paymentAAD},
	} {
		for after := int64(0); ; {
			rows, err := kind.load(ctx, s.db.R, after, 200)
			if err != nil || len(rows) == 0 {
				if err != nil {
					return changed, err
				}
				break
			}
			err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				for _, r := range rows {
					if !s.keys.NeedsRotation(r.Token) {
						continue
					}
					tok, ok, err := s.keys.Rotate(r.Token, []byte(kind.aad(r.UserID)))
					if err != nil {
						return err
					}
					if !ok {
						continue
					}
					if err := kind.save(ctx, tx, r.ID, r.Token, tok); err != nil {
						return err
					}
					changed++
				}
				return nil
			})
			if err != nil {
				return changed, err
			}
			after = rows[len(rows)-1].ID
		}
	}
	return changed, nil
}
