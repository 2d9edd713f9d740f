package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// What finished resumable uploads became (media_tus_uploads, store_tus.go),
// kept for tusExpiry so that HEAD and GET …/video answer a client whose
// final PATCH response was lost, on any instance and after a restart.

// tusOutcome is the result of ingesting a completed upload.
type tusOutcome struct {
	owner   int64
	size    int64
	videoID int64
	err     error
}

// tusErrorData is the rest of an apperr.Error worth keeping.
type tusErrorData struct {
	Data       map[string]any      `json:"data,omitempty"`
	Fields     []apperr.FieldError `json:"fields,omitempty"`
	RetryAfter time.Duration       `json:"retry_after,omitempty"`
}

// errorKinds names apperr's kinds in error_kind. "internal" is an
// unexpected error: its text is not kept (it was logged when it happened).
var errorKinds = []struct {
	name string
	kind error
}{
	{"invalid", apperr.Invalid}, {"unauthenticated", apperr.Unauthenticated}, {"forbidden", apperr.Forbidden},
	{"not_found", apperr.NotFound}, {"conflict", apperr.Conflict}, {"too_large", apperr.TooLarge},
	{"unsupported", apperr.Unsupported}, {"rate_limited", apperr.RateLimited},
	{"unavailable", apperr.Unavailable}, {"malformed", apperr.Malformed}, {"timeout", apperr.Timeout},
}

const kindInternal = "internal"

// errIngestFailed stands for an unexpected error a finished upload met: a
// 500, as its final PATCH got.
var errIngestFailed = errors.New("media: the resumable upload failed when it was ingested")

// outcomeRow turns an outcome into its row.
func outcomeRow(id string, o tusOutcome, now time.Time) (*tusUploadRow, error) {
	row := &tusUploadRow{UploadID: id, OwnerID: o.owner, Size: o.size, CreatedAt: now}
	if o.err == nil {
		row.VideoID = &o.videoID
		return row, nil
	}
	row.ErrorKind = kindInternal
	kind := apperr.KindOf(o.err)
	if kind == nil && errors.Is(o.err, context.DeadlineExceeded) {
		kind = apperr.Timeout // as the problem converter reads it
	}
	for _, k := range errorKinds {
		if k.kind == kind {
			row.ErrorKind = k.name
		}
	}
	var ae *apperr.Error
	if row.ErrorKind != kindInternal && errors.As(o.err, &ae) {
		row.ErrorCode, row.ErrorMsg = ae.Code, ae.Msg
		if len(ae.Data) > 0 || len(ae.Fields) > 0 || ae.RetryAfter > 0 {
			b, err := json.Marshal(tusErrorData{Data: ae.Data, Fields: ae.Fields, RetryAfter: ae.RetryAfter})
			if err != nil {
				return nil, err
			}
			row.ErrorData = string(b)
		}
	}
	return row, nil
}

// outcome rebuilds the outcome a row stores.
func (row *tusUploadRow) outcome() (tusOutcome, error) {
	o := tusOutcome{owner: row.OwnerID, size: row.Size}
	if row.VideoID != nil {
		o.videoID = *row.VideoID
		return o, nil
	}
	var kind error
	for _, k := range errorKinds {
		if k.name == row.ErrorKind {
			kind = k.kind
		}
	}
	if kind == nil {
		o.err = errIngestFailed
		return o, nil
	}
	e := &apperr.Error{Kind: kind, Code: row.ErrorCode, Msg: row.ErrorMsg}
	if row.ErrorData != "" {
		var d tusErrorData
		dec := json.NewDecoder(strings.NewReader(row.ErrorData))
		dec.UseNumber() // 64, not 64.0, in messages
		if err := dec.Decode(&d); err != nil {
			return tusOutcome{}, fmt.Errorf("media_tus_uploads %s: error_data: %w", row.UploadID, err)
		}
		e.Data, e.Fields, e.RetryAfter = d.Data, d.Fields, d.RetryAfter
	}
	o.err = e
	return o, nil
}

// rememberUpload stores what a finished upload became.
func (s *service) rememberUpload(ctx context.Context, id string, o tusOutcome) error {
	row, err := outcomeRow(id, o, s.clock.Now())
	if err != nil {
		return err
	}
	return s.st.saveOutcome(ctx, s.db.W, row)
}

// uploadOutcome returns what upload id became if it finished within
// tusExpiry and p created it (anyone else: not found).
func (s *service) uploadOutcome(ctx context.Context, p *authz.Principal, id string) (tusOutcome, bool, error) {
	row, err := s.st.outcome(ctx, s.db.R, id, userID(p), s.clock.Now().Add(-tusExpiry))
	if err != nil || row == nil {
		return tusOutcome{}, false, err
	}
	o, err := row.outcome()
	return o, err == nil, err
}

// pruneOutcomes forgets uploads finished more than tusExpiry before now.
func (s *service) pruneOutcomes(ctx context.Context, now time.Time) error {
	return s.st.pruneOutcomes(ctx, s.db.W, now.Add(-tusExpiry))
}
