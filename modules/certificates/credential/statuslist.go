package credential

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"time"
)

// MinStatusListBits is the smallest status list W3C Bitstring Status List
// v1.0 allows (16 KiB): a list this long hides which credential a verifier
// is checking among many.
const MinStatusListBits = 131072

// maxStatusListBytes bounds a decoded list (a gzip bomb inflates a few KiB
// into gigabytes).
const maxStatusListBytes = 16 << 20

// EncodeStatusList returns the encodedList of a bitstring of size bits with
// the revoked indexes set: GZIP, then base64url without padding, prefixed
// "u" (multibase). Bit 0 is the left-most (most significant) bit of the first
// byte. size must be a multiple of 8 and at least MinStatusListBits.
func EncodeStatusList(revoked []int, size int) (string, error) {
	if size < MinStatusListBits || size%8 != 0 {
		return "", fmt.Errorf("credential: status list: size %d must be a multiple of 8 and at least %d", size, MinStatusListBits)
	}
	if size > maxStatusListBytes*8 {
		return "", fmt.Errorf("credential: status list: size %d exceeds %d bits", size, maxStatusListBytes*8)
	}
	bits := make([]byte, size/8)
	for _, i := range revoked {
		if i < 0 || i >= size {
			return "", fmt.Errorf("credential: status list: index %d is outside [0, %d)", i, size)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + b64.EncodeToString(buf.Bytes()), nil
}

// Bitstring is a decoded status list.
type Bitstring []byte

// Len is the number of bits.
func (b Bitstring) Len() int { return len(b) * 8 }

// Bit reports whether bit i is set (for a revocation list: whether the
// credential at index i is revoked). An index outside the list is an error,
// never "not revoked".
func (b Bitstring) Bit(i int) (bool, error) {
	if i < 0 || i >= b.Len() {
		return false, fmt.Errorf("credential: status list: index %d is outside [0, %d)", i, b.Len())
	}
	return b[i/8]&(0x80>>(i%8)) != 0, nil
}

// DecodeStatusList decodes an encodedList written by EncodeStatusList (or any
// conforming issuer), refusing lists that inflate beyond 16 MiB.
func DecodeStatusList(encoded string) (Bitstring, error) {
	if len(encoded) == 0 || encoded[0] != 'u' {
		return nil, errors.New(`credential: status list: encodedList must start with the multibase prefix "u" (base64url)`)
	}
	compressed, err := b64.DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("credential: status list: not base64url without padding: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("credential: status list: not GZIP: %w", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("credential: status list: corrupt GZIP: %w", err)
	}
	if len(bits) > maxStatusListBytes {
		return nil, fmt.Errorf("credential: status list: inflates beyond %d bytes", maxStatusListBytes)
	}
	if len(bits) == 0 {
		return nil, errors.New("credential: status list: empty")
	}
	return Bitstring(bits), nil
}

// SignStatusList returns a BitstringStatusListCredential for the revocation
// list published at listURL as a VC-JWT (same header as Sign). encoded is
// EncodeStatusList's output; it is checked to decode.
func (s *Signer) SignStatusList(listURL, encoded string, validFrom time.Time) (string, error) {
	if listURL == "" || validFrom.IsZero() {
		return "", errors.New("credential: status list: listURL and validFrom are required")
	}
	if _, err := DecodeStatusList(encoded); err != nil {
		return "", err
	}
	type listSubject struct {
		ID            string `json:"id"`
		Type          string `json:"type"`
		StatusPurpose string `json:"statusPurpose"`
		EncodedList   string `json:"encodedList"`
	}
	from := validFrom.UTC().Truncate(time.Second)
	subject := listSubject{ID: listURL + "#list", Type: "BitstringStatusList", StatusPurpose: "revocation", EncodedList: encoded}
	c := jwtClaims{
		vc: vc{
			Context:           contexts[:1], // VCDM 2.0 defines the status list terms
			ID:                listURL,
			Type:              []string{"VerifiableCredential", "BitstringStatusListCredential"},
			Issuer:            s.did, // the status list context does not define Profile
			ValidFrom:         rfc3339(from),
			CredentialSubject: subject,
		},
		Iss: s.did, Jti: listURL, Sub: subject.ID, Nbf: from.Unix(),
	}
	return s.signJWS(c)
}
