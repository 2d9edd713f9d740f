package certificates

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/certificates/credential"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// view is a row as its holder and admins see it; private adds the
// administrator's note.
func (s *service) view(r *certRow, private bool) Certificate {
	c := Certificate{ID: r.ID, Serial: r.Serial, Kind: r.Kind, CourseID: r.CourseID, CurriculumID: r.CurriculumID,
		UserID: r.UserID, Holder: r.HolderName, Title: r.Title, Credits: r.Credits, Score: r.Details.V.Score,
		Missions: r.Details.V.Missions, Courses: r.Details.V.Courses, Hours: r.Details.V.Hours, Source: r.Source,
		IssuedAt: r.IssuedAt, Status: r.Status, RevokedAt: r.RevokedAt, RevokeReason: r.RevokeReason,
		VerifyURL:     s.verifyURL(r.Serial),
		PDFURL:        fmt.Sprintf("/api/certificates/%d/pdf/", r.ID),
		CredentialURL: fmt.Sprintf("/api/certificates/%d/credential/", r.ID)}
	if c.Missions == nil {
		c.Missions = []Mission{}
	}
	if private {
		c.RevokeNote = r.RevokeNote
	}
	return c
}

// relations of a certificate to p.
func rels(p *authz.Principal, r *certRow) []string {
	if p != nil && p.UserID == r.UserID {
		return []string{authz.Owner}
	}
	return nil
}

// load reads a certificate p may act on (act: read, download,
// credential): its holder's, or any for those the rules allow (admins).
// Others get the module's 404.
func (s *service) load(ctx context.Context, p *authz.Principal, id int64, act string) (*certRow, error) {
	if err := s.authz.Check(p, objCertificate, act, authz.Owner); err != nil {
		return nil, err
	}
	owner := p.UserID
	// A credential is the holder's alone to present, admins' included: a
	// signed copy in another's hands would be theirs to show.
	if act != "credential" && s.authz.Allowed(p, objCertificate, act) {
		owner = 0 // every row
	}
	r, err := s.st.cert(ctx, s.db.R, owner, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(p, objCertificate, act, rels(p, r)...); err != nil {
		return nil, errNotFound
	}
	return r, nil
}

// Mine lists p's certificates, newest first.
func (s *service) Mine(ctx context.Context, p *authz.Principal) ([]Certificate, error) {
	if err := s.authz.Check(p, objCertificate, "read", authz.Owner); err != nil {
		return nil, err
	}
	rows, err := s.st.userCerts(ctx, s.db.R, p.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Certificate, len(rows))
	for i := range rows {
		out[i] = s.view(&rows[i], true)
	}
	return out, nil
}

// Get reads one certificate.
func (s *service) Get(ctx context.Context, p *authz.Principal, id int64) (*Certificate, error) {
	r, err := s.load(ctx, p, id, "read")
	if err != nil {
		return nil, err
	}
	c := s.view(r, true)
	return &c, nil
}

// List is the admins' list of every certificate.
func (s *service) List(ctx context.Context, p *authz.Principal, f adminFilter, limit, offset int) ([]Certificate, int, error) {
	if err := s.authz.Check(p, objCertificate, "list"); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.list(ctx, s.db.R, f, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Certificate, len(rows))
	for i := range rows {
		out[i] = s.view(&rows[i], true)
	}
	return out, n, nil
}

// Verify is what anyone may learn of a serial (typed in any case, with
// or without dashes).
func (s *service) Verify(ctx context.Context, serial string) (*Verification, error) {
	norm := normalizeSerial(serial)
	if norm == "" {
		return nil, errBadSerial
	}
	r, err := s.st.bySerial(ctx, s.db.R, norm)
	if err != nil {
		return nil, err
	}
	v := &Verification{Serial: r.Serial, Status: r.Status, Valid: r.Status == statusValid, Kind: r.Kind,
		Holder: r.HolderName, Title: r.Title, Credits: r.Credits, IssuedAt: r.IssuedAt, RevokedAt: r.RevokedAt,
		RevokeReason: r.RevokeReason, Issuer: s.settings.SiteName, IssuerID: s.signer.IssuerID(),
		VerifyURL: s.verifyURL(r.Serial)}
	if r.CourseID != nil {
		v.CourseURL = fmt.Sprintf("/courses/%d", *r.CourseID)
	}
	// The name of an account deleted (or suspended) since is not published.
	if u, err := s.users.UserByID(ctx, r.UserID); err != nil || !u.Active {
		if err != nil && apperr.KindOf(err) != apperr.NotFound {
			return nil, err
		}
		v.Holder, v.HolderHidden = "", true
	}
	return v, nil
}

// statusListSize is the entries of one status list: the minimum the
// Bitstring Status List asks for (16 KiB), for herd privacy.
const statusListSize = 131072

// statusEntry places a certificate in the status lists: list n (from 1)
// holds ids (n-1)·size+1 … n·size, and entry i of it id (n-1)·size+1+i.
func (s *service) statusEntry(id int64) *credential.StatusEntry {
	n := (id-1)/statusListSize + 1
	return &credential.StatusEntry{ListURL: s.statusListURL(n), Index: int((id - 1) % statusListSize)}
}

func (s *service) statusListURL(n int64) string {
	return fmt.Sprintf("%s/certificates/status/%d", s.baseURL, n)
}

// StatusList is status list n (from 1) as a signed VC-JWT.
func (s *service) StatusList(ctx context.Context, n int64) (string, error) {
	if n < 1 {
		return "", errNotFound
	}
	from := (n-1)*statusListSize + 1
	ids, err := s.st.revokedIDs(ctx, s.db.R, from, from+statusListSize)
	if err != nil {
		return "", err
	}
	idx := make([]int, len(ids))
	for i, id := range ids {
		idx[i] = int(id - from)
	}
	enc, err := credential.EncodeStatusList(idx, statusListSize)
	if err != nil {
		return "", err
	}
	// Valid from the latest revocation it lists (deterministic: the same
	// revocations sign the same list), or the epoch of the lists.
	at, err := s.st.lastRevocation(ctx, s.db.R, from, from+statusListSize)
	if err != nil {
		return "", err
	}
	if at.IsZero() {
		at = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return s.signer.SignStatusList(s.statusListURL(n), enc, at)
}

// Credential is a certificate's Open Badges 3.0 credential as a VC-JWT.
func (s *service) Credential(ctx context.Context, p *authz.Principal, id int64) (string, *certRow, error) {
	r, err := s.load(ctx, p, id, "credential")
	if err != nil {
		return "", nil, err
	}
	u, err := s.users.UserByID(ctx, r.UserID)
	if err != nil {
		return "", nil, err
	}
	tok, err := s.signer.Sign(s.badge(r, u.Email))
	return tok, r, err
}

// badge is the credential's content of a row.
func (s *service) badge(r *certRow, email string) credential.Badge {
	a := credential.Achievement{Name: r.Title, Credits: r.Credits, Kind: r.Kind}
	if r.CourseID != nil {
		a.ID = fmt.Sprintf("%s/courses/%d", s.baseURL, *r.CourseID)
		a.Description = r.Title
		a.Criteria = "All required topics completed and the required midterm and final missions passed."
	} else {
		a.ID = fmt.Sprintf("%s/#curriculum-%d", s.baseURL, *r.CurriculumID) // the roadmap
		a.Description = r.Title
		a.Criteria = "Every course of the nano-degree certified."
	}
	b := credential.Badge{CredentialID: s.verifyURL(r.Serial), HolderName: r.HolderName,
		HolderEmail: strings.ToLower(strings.TrimSpace(email)),
		Salt:        r.Salt, Achievement: a, ValidFrom: r.IssuedAt.UTC().Truncate(time.Second), Status: s.statusEntry(r.ID)}
	for _, m := range r.Details.V.Missions {
		b.Evidence = append(b.Evidence, credential.Evidence{Name: m.Title, Description: fmt.Sprintf("%s: %d/100", m.Mission, m.Score)})
	}
	return b
}

// onTheWayMax bounds the courses the holder's page evaluates (in a fixed
// number of reads, whatever their number): the most recently granted ones.
const onTheWayMax = 20

// OnTheWay is where p stands in the courses they have access to and hold
// no valid certificate of (certs: their certificates), most recently
// granted first; courses issuing none are left out.
func (s *service) OnTheWay(ctx context.Context, p *authz.Principal, certs []Certificate) ([]*Eligibility, error) {
	ids, err := s.enrollments.LiveCourseIDs(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	held := map[int64]bool{}
	for _, c := range certs {
		if c.CourseID != nil && c.Status == statusValid {
			held[*c.CourseID] = true
		}
	}
	todo := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !held[id] && len(todo) < onTheWayMax {
			todo = append(todo, id)
		}
	}
	courses, err := s.syllabus.CourseSummaries(ctx, todo)
	if err != nil {
		return nil, err
	}
	var list []catalog.CourseSummary
	for _, id := range todo {
		if c, ok := courses[id]; ok && !c.Certificate.Disabled {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return []*Eligibility{}, nil
	}
	return s.eligibilities(ctx, p.UserID, list)
}
