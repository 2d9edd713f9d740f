package accounts

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

// The audit log: every change an admin makes to an account is appended in
// the transaction that makes it (a reset mail, sent outside one, right
// after), with who, to whom, when and from which address. Admins read it
// at /admin/audit.

// Audit actions.
const (
	auditCreated     = "user.created"
	auditRole        = "user.role_changed"
	auditDeactivated = "user.deactivated"
	auditReactivated = "user.reactivated"
	auditDeleted     = "user.deleted"
	auditResetSent   = "user.password_reset_sent"
)

// auditObj is the audit log's policy object: no rule grants it, so only
// admins (who may do everything) read it.
const auditObj, auditAct = "accounts.audit", "list"

// AuditEntry is one line of the audit log, with the names of those it
// concerns as they are now.
type AuditEntry struct {
	ID       int64
	Action   string
	Detail   string
	IP       string
	At       time.Time
	Actor    *User // nil: the system (a command)
	Target   *User
	TargetID int64
}

// audit appends what p did to target through tx.
func (s *service) audit(ctx context.Context, tx bun.IDB, p *authz.Principal, action string, target int64, detail string) error {
	r := &auditRow{Action: action, TargetID: &target, Detail: detail, IP: httpx.ClientIPFrom(ctx), CreatedAt: s.clock.Now()}
	if p != nil {
		r.ActorID = &p.UserID
	}
	return s.st.insertAudit(ctx, tx, r)
}

// Audit returns a page of the audit log, newest first, and its size.
func (s *service) Audit(ctx context.Context, p *authz.Principal, limit, offset int) ([]AuditEntry, int, error) {
	if err := s.authz.Check(p, auditObj, auditAct, authz.None); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.auditPage(ctx, s.db.R, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var ids []int64
	for _, r := range rows {
		for _, id := range []*int64{r.ActorID, r.TargetID} {
			if id != nil {
				ids = append(ids, *id)
			}
		}
	}
	users, err := s.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		e := AuditEntry{ID: r.ID, Action: r.Action, Detail: r.Detail, IP: r.IP, At: r.CreatedAt}
		if r.ActorID != nil {
			if u, ok := users[*r.ActorID]; ok {
				e.Actor = &u
			}
		}
		if r.TargetID != nil {
			e.TargetID = *r.TargetID
			if u, ok := users[*r.TargetID]; ok {
				e.Target = &u
			}
		}
		out[i] = e
	}
	return out, n, nil
}

// SendReset mails user id a password reset link, for an admin (the user
// console's button), and records it.
func (s *service) SendReset(ctx context.Context, p *authz.Principal, g group, id int64, lang string) error {
	u, rels, err := s.load(ctx, p, g, id, "update")
	if err != nil {
		return err
	}
	if !s.authz.Allowed(p, object(u.Role), "manage", rels...) {
		return apperr.New(apperr.Forbidden, "accounts.admin_only_field", "accounts.admin_only_field")
	}
	if !u.IsActive {
		return apperr.InvalidFields("accounts.reset_inactive", field("path.id", "accounts.reset_inactive", id))
	}
	if err := s.RequestReset(ctx, u.Email, httpx.ClientIPFrom(ctx), lang); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.audit(ctx, tx, p, auditResetSent, u.ID, "")
	})
}
