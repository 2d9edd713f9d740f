// Package certificates owns what learners earn: a certificate per course
// once the course's certificate rule is met (catalog.CertificateRule: topics
// completed, midterm and final missions passed), a nano-degree certificate
// once every course of a curriculum is certified, and their public
// verification. A certificate is a PDF (A4, Hangul, a QR code to its
// verification page) and an Open Badges 3.0 credential signed as a VC-JWT
// with the platform's Ed25519 key, whose public half is published
// (/.well-known/jwks.json, /.well-known/did.json). Refunds and
// administrators revoke certificates; a status list says which.
//
// This file is the module's whole surface for other modules.
package certificates

import (
	"context"
	"time"

	"github.com/weaverse/weaverse/platform/rollup"
)

// Kinds of certificate.
const (
	KindCourse     = "course"
	KindCurriculum = "curriculum"
)

// Issued is published when a certificate is issued.
type Issued struct {
	CertificateID int64     `json:"certificate_id"`
	UserID        int64     `json:"user_id"`
	Kind          string    `json:"kind"`
	CourseID      int64     `json:"course_id,omitempty"`
	CurriculumID  int64     `json:"curriculum_id,omitempty"`
	Credits       int       `json:"credits"`
	IssuedAt      time.Time `json:"issued_at"`
}

// EventName names the event.
func (Issued) EventName() string { return "certificates.issued" }

// Revoked is published when a certificate is revoked.
type Revoked struct {
	CertificateID int64     `json:"certificate_id"`
	UserID        int64     `json:"user_id"`
	Reason        string    `json:"reason"` // refund, admin
	RevokedAt     time.Time `json:"revoked_at"`
}

// EventName names the event.
func (Revoked) EventName() string { return "certificates.revoked" }

// Analytics is certificates' numbers for the dashboards (rollup.Source) and
// a learner's own certificates.
//
// Daily metrics: certificates.issued (per course; a curriculum's with
// course 0 and Item = the curriculum) and certificates.revoked (the same, by
// the day revoked). Snapshot: certificates.valid (the same keys).
type Analytics interface {
	rollup.Source
	// Held is the learner's certificates, valid and revoked, newest first.
	Held(ctx context.Context, userID int64) ([]HeldCertificate, error)
}

// HeldCertificate is one certificate on a learner's dashboard.
type HeldCertificate struct {
	ID        int64      `json:"id"`
	Serial    string     `json:"serial"`
	Kind      string     `json:"kind" enum:"course,curriculum"`
	CourseID  int64      `json:"course_id,omitempty"`
	Title     string     `json:"title"`
	Status    string     `json:"status" enum:"valid,revoked"`
	IssuedAt  time.Time  `json:"issued_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	VerifyURL string     `json:"verify_url"`
	PDFURL    string     `json:"pdf_url"`
}
