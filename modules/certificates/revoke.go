package certificates

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/events"
)

// Revoke revokes a certificate (admins), with a note kept for holder and
// admins; the public page says "revoked by the issuer".
func (s *service) Revoke(ctx context.Context, p *authz.Principal, id int64, note string) (*Certificate, error) {
	// A rule of no relation, checked before the row is read: a refusal
	// tells nothing of which ids exist.
	if err := s.authz.Check(p, objCertificate, "revoke"); err != nil {
		return nil, err
	}
	var r *certRow
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if r, err = s.st.cert(ctx, tx, 0, id); err != nil {
			return err
		}
		by := p.UserID
		ok, err := s.st.revoke(ctx, tx, id, s.now(), reasonAdmin, note, &by)
		if err != nil {
			return err
		}
		if !ok {
			return errRevoked
		}
		if r, err = s.st.cert(ctx, tx, 0, id); err != nil {
			return err
		}
		return s.bus.Publish(ctx, tx, Revoked{CertificateID: id, UserID: r.UserID, Reason: reasonAdmin, RevokedAt: *r.RevokedAt})
	})
	if err != nil {
		return nil, err
	}
	s.logger.Info("certificates: revoked", "certificate_id", id, "by", p.UserID)
	c := s.view(r, true)
	return &c, nil
}

// onRefund revokes what a refunded order's courses earned: their
// certificates and the nano-degree certificates that count them.
func (s *service) onRefund(ctx context.Context, tx bun.Tx, d events.Delivery[commerce.OrderRefunded]) error {
	ev := d.Event
	if err := s.db.LockKey(ctx, tx, "certificates:user:"+itoa(ev.UserID)); err != nil {
		return err
	}
	rows, err := s.st.validOfCourses(ctx, tx, ev.UserID, ev.CourseIDs)
	if err != nil {
		return err
	}
	note := "order " + itoa(ev.OrderID)
	for _, r := range rows {
		ok, err := s.st.revoke(ctx, tx, r.ID, ev.RefundedAt.UTC(), reasonRefund, note, nil)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := s.bus.Publish(ctx, tx, Revoked{CertificateID: r.ID, UserID: r.UserID, Reason: reasonRefund,
			RevokedAt: ev.RefundedAt.UTC()}); err != nil {
			return err
		}
		s.logger.Info("certificates: revoked on refund", "certificate_id", r.ID, "order_id", ev.OrderID)
	}
	return nil
}
