package certificates

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/events"
)

var errReasonBlank = apperr.InvalidFields("certificates.reason_required",
	apperr.FieldError{Location: "body.reason", Message: "certificates.reason_required"})

// Revoke revokes a certificate (admins), with a note kept for holder and
// admins (the public page says only "revoked by the issuer"), and the
// nano-degree certificates that count it. It is not earned again by
// completing the course anew (revokedByIssuer).
func (s *service) Revoke(ctx context.Context, p *authz.Principal, id int64, note string) (*Certificate, error) {
	// A rule of no relation, checked before the row is read: a refusal
	// tells nothing of which ids exist.
	if err := s.authz.Check(p, objCertificate, "revoke"); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, errReasonBlank
	}
	var r *certRow
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if r, err = s.st.cert(ctx, tx, 0, id); err != nil {
			return err
		}
		if err := s.db.LockKey(ctx, tx, userLock(r.UserID)); err != nil {
			return err
		}
		now, by := s.now(), p.UserID
		ok, err := s.st.revoke(ctx, tx, id, now, reasonAdmin, note, &by)
		if err != nil {
			return err
		}
		if !ok {
			return errRevoked
		}
		if err := s.bus.Publish(ctx, tx, Revoked{CertificateID: id, UserID: r.UserID, Reason: reasonAdmin, RevokedAt: now}); err != nil {
			return err
		}
		if r.Kind == KindCourse {
			// The nano-degrees that count it fall with it.
			if err := s.revokeCurricula(ctx, tx, r.UserID, []int64{*r.CourseID}, reasonAdmin, "course "+r.Serial, &by); err != nil {
				return err
			}
		}
		r, err = s.st.cert(ctx, tx, 0, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.logger.Info("certificates: revoked", "certificate_id", id, "by", p.UserID)
	c := s.view(r, true)
	return &c, nil
}

// revokeCurricula revokes the user's valid curriculum certificates that
// count any of courseIDs.
func (s *service) revokeCurricula(ctx context.Context, tx bun.Tx, userID int64, courseIDs []int64, reason, note string, by *int64) error {
	rows, err := s.st.validOfCourses(ctx, tx, userID, courseIDs)
	if err != nil {
		return err
	}
	for _, c := range rows {
		if c.Kind != KindCurriculum {
			continue
		}
		if err := s.revokeRow(ctx, tx, &c, reason, note, by); err != nil {
			return err
		}
	}
	return nil
}

// revokeRow revokes one valid certificate and publishes Revoked.
func (s *service) revokeRow(ctx context.Context, tx bun.Tx, r *certRow, reason, note string, by *int64) error {
	now := s.now()
	ok, err := s.st.revoke(ctx, tx, r.ID, now, reason, note, by)
	if err != nil || !ok {
		return err
	}
	s.logger.Info("certificates: revoked", "certificate_id", r.ID, "reason", reason)
	return s.bus.Publish(ctx, tx, Revoked{CertificateID: r.ID, UserID: r.UserID, Reason: reason, RevokedAt: now})
}

// onAccessRevoked revokes what a refund's access earned: the certificates
// of its courses issued until then, and the nano-degree certificates that
// count them — unless the learner still has access to the course another
// way (another grant), which keeps the certificate earned. It takes the
// user's lock, as issuing does, after the grants' revocation committed:
// an issue is either before it (and revoked here) or sees no access.
func (s *service) onAccessRevoked(ctx context.Context, tx bun.Tx, d events.Delivery[learning.AccessRevoked]) error {
	ev := d.Event
	if ev.Source != learning.SourcePurchase {
		return nil // an administrator's or tutor's revocation of a grant takes nothing earned
	}
	if err := s.db.LockKey(ctx, tx, userLock(ev.UserID)); err != nil {
		return err
	}
	still, err := s.ent.EntitledCourses(ctx, ev.UserID, ev.CourseIDs)
	if err != nil {
		return err
	}
	var gone []int64
	for _, id := range ev.CourseIDs {
		if !still[id] {
			gone = append(gone, id)
		}
	}
	rows, err := s.st.validOfCourses(ctx, tx, ev.UserID, gone)
	if err != nil {
		return err
	}
	note := ev.Ref
	for _, r := range rows {
		if r.IssuedAt.After(ev.RevokedAt) {
			continue // earned again since (a late delivery)
		}
		if err := s.revokeRow(ctx, tx, &r, reasonRefund, note, nil); err != nil {
			return err
		}
	}
	return nil
}
