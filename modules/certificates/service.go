package certificates

import (
	"crypto/rand"
	"log/slog"
	"strings"
	"time"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/certificates/credential"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/jobs"
)

// Authorization objects (Module.Policies).
const (
	// objCertificate: read, download (owner: the PDF; admins every one),
	// credential (owner only: it is the holder's to present), claim (any
	// signed-in user, for themselves), list and revoke (admins).
	objCertificate = "certificates.certificate"
)

// Certificate statuses.
const (
	statusValid   = "valid"
	statusRevoked = "revoked"
)

// Revocation reasons (shown publicly; an administrator's note is not).
const (
	reasonRefund = "refund"
	reasonAdmin  = "admin"
)

// Errors.
var (
	errNotFound    = apperr.New(apperr.NotFound, "certificates.not_found", "certificates.not_found")
	errCourseGone  = apperr.New(apperr.NotFound, "certificates.course_not_found", "certificates.course_not_found")
	errNotEligible = apperr.New(apperr.Conflict, "certificates.not_eligible", "certificates.not_eligible")
	errDisabled    = apperr.New(apperr.Conflict, "certificates.disabled", "certificates.disabled")
	errNoAccess    = apperr.New(apperr.Conflict, "certificates.no_access", "certificates.no_access")
	errRevoked     = apperr.New(apperr.Conflict, "certificates.already_revoked", "certificates.already_revoked")
	errBadSerial   = apperr.New(apperr.NotFound, "certificates.serial_not_found", "certificates.serial_not_found")
	errBarred      = apperr.New(apperr.Conflict, "certificates.revoked_by_issuer", "certificates.revoked_by_issuer")
)

// Certificate is an issued certificate as its holder and admins see it.
type Certificate struct {
	ID            int64      `json:"id"`
	Serial        string     `json:"serial" doc:"Printed on the certificate; the verification page's key."`
	Kind          string     `json:"kind" enum:"course,curriculum"`
	CourseID      *int64     `json:"course_id"`
	CurriculumID  *int64     `json:"curriculum_id"`
	UserID        int64      `json:"user_id"`
	Holder        string     `json:"holder_name" doc:"The holder's name when it was issued."`
	Title         string     `json:"title" doc:"The course's or curriculum's title when it was issued."`
	Credits       int        `json:"credits" doc:"Credits (학점) earned."`
	Score         *int       `json:"score" doc:"The mean best score of the missions the rule required (none: null)."`
	Missions      []Mission  `json:"missions" doc:"The required missions' best scores."`
	Courses       []Course   `json:"courses,omitempty" doc:"A curriculum's certified courses."`
	Hours         int        `json:"learning_hours" doc:"Hours of video watched in the course(s)."`
	Source        string     `json:"source" enum:"auto,claim"`
	IssuedAt      time.Time  `json:"issued_at"`
	Status        string     `json:"status" enum:"valid,revoked"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokeReason  string     `json:"revoke_reason,omitempty" enum:"refund,admin"`
	RevokeNote    string     `json:"revoke_note,omitempty" doc:"An administrator's note (holder and admins only)."`
	VerifyURL     string     `json:"verify_url" doc:"The public verification page (the QR code's target)."`
	PDFURL        string     `json:"pdf_url"`
	CredentialURL string     `json:"credential_url"`
}

// Mission is a required mission's best score on a certificate.
type Mission struct {
	TopicID int64  `json:"topic_id"`
	Title   string `json:"title"`
	Mission string `json:"mission" enum:"midterm,final"`
	Score   int    `json:"score"`
}

// Course is a course certified within a curriculum's certificate.
type Course struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Serial string `json:"serial"`
}

// details is the JSON column of what a certificate certifies beyond its
// columns.
type details struct {
	Score    *int      `json:"score,omitempty"`
	Missions []Mission `json:"missions,omitempty"`
	Courses  []Course  `json:"courses,omitempty"`
	Hours    int       `json:"hours,omitempty"`
}

// Verification is what anyone may learn of a certificate by its serial:
// no personal data beyond the name printed on it.
type Verification struct {
	Serial       string     `json:"serial"`
	Status       string     `json:"status" enum:"valid,revoked"`
	Valid        bool       `json:"valid"`
	Kind         string     `json:"kind" enum:"course,curriculum"`
	Holder       string     `json:"holder_name" doc:"Empty when the holder's account was deleted or suspended since."`
	HolderHidden bool       `json:"holder_hidden,omitempty"`
	Title        string     `json:"title"`
	Credits      int        `json:"credits"`
	IssuedAt     time.Time  `json:"issued_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty" enum:"refund,admin"`
	Issuer       string     `json:"issuer"`
	IssuerID     string     `json:"issuer_id" doc:"The issuer's DID: its public key is in /.well-known/did.json and /.well-known/jwks.json."`
	CourseURL    string     `json:"course_url,omitempty"`
	VerifyURL    string     `json:"verify_url"`
}

// Settings tune the module.
type Settings struct {
	// SiteName is the issuer's name on certificates ("Weaverse").
	SiteName string
	// Issuer is who signs, printed under the signature line
	// ("Weaverse 교육팀"); SiteName when empty.
	Issuer string
}

// service is the module's use cases: eligibility.go (what a course asks,
// what is missing), issue.go (issue, claim, curricula, events), revoke.go,
// certificates.go (reads, verification, documents).
type service struct {
	db          *db.DB
	st          store
	authz       *authz.Enforcer
	clock       clock.Clock
	logger      *slog.Logger
	bus         *events.Bus
	jobs        *jobs.Runner
	users       accounts.Directory
	catalog     catalog.Reader
	syllabus    catalog.Syllabus
	classroom   catalog.Classroom
	ent         catalog.Entitlements
	enrollments learning.Enrollments
	consumed    learning.Consumption
	missions    assessment.Missions
	stats       accounts.StatsProvider
	signer      *credential.Signer
	baseURL     string
	settings    Settings
}

// serialAlphabet is Crockford's base 32: no I, L, O or U, so a serial read
// aloud or typed from paper is not misread.
const serialAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newSerial is "WV-XXXX-XXXX-XXXX-XXXX": 80 random bits, unguessable, in
// groups a person can read and type.
func newSerial() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	var sb strings.Builder
	sb.WriteString("WV")
	for i, c := range b {
		if i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(serialAlphabet[c&31])
	}
	return sb.String()
}

// normalizeSerial reads a serial as typed: any case, spaces or dashes
// anywhere, the letters Crockford's base 32 reads as digits (O → 0, I and
// L → 1). "" when it cannot be a serial.
func normalizeSerial(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	t := strings.TrimPrefix(b.String(), "WV")
	if len(t) != 16 {
		return ""
	}
	var out strings.Builder
	out.WriteString("WV")
	for i := 0; i < len(t); i++ {
		if !strings.ContainsRune(serialAlphabet, rune(t[i])) {
			return ""
		}
		if i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(t[i])
	}
	return out.String()
}

// newSalt salts the hash of a holder's e-mail in their credential.
func newSalt() string { return rand.Text() }

// verifyURL is the public verification page of a serial.
func (s *service) verifyURL(serial string) string { return s.baseURL + "/verify/" + serial }

// issuerName is who signs certificates.
func (s *service) issuerName() string {
	if s.settings.Issuer != "" {
		return s.settings.Issuer
	}
	return s.settings.SiteName
}

// kst is Korean time, in which certificates are dated.
var kst = time.FixedZone("KST", 9*60*60)

// now is the clock's time, in UTC.
func (s *service) now() time.Time { return s.clock.Now().UTC() }
