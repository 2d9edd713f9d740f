// Package password hashes passwords with argon2id and holds the password
// policy that sign-up and password changes enforce.
//
// Hashes are stored as PHC strings
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", unpadded standard
// base64 like the reference implementation), so the parameters travel with
// each hash: Verify reports needsRehash when they differ from the current
// ones, and login re-hashes transparently after the cost is raised.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32 // bytes
	KeyLen      uint32 // bytes
}

// DefaultParams is the OWASP Password Storage Cheat Sheet (2023) minimum for
// argon2id: 19 MiB of memory, 2 passes, 1 lane, a 16-byte salt and a 32-byte
// hash. It costs a few tens of milliseconds on one core, which bounds the
// price of a login while making offline guessing expensive.
func DefaultParams() Params {
	return Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters, both for Hash and for hashes read back by Verify. A
// corrupt or tampered stored hash must not make a login allocate gigabytes or
// spin for minutes, and a tiny salt or hash would make guessing cheap.
const (
	minSaltLen    = 8
	maxSaltLen    = 64
	minKeyLen     = 16
	maxKeyLen     = 128
	maxMemoryKiB  = 1 << 20 // 1 GiB
	maxIterations = 64
)

// ErrMalformed is returned by Verify for an encoded hash it cannot read.
var ErrMalformed = errors.New("password: malformed hash")

// phc encoding of salt and hash, as in the argon2 reference implementation.
var b64 = base64.RawStdEncoding

// validate reports whether p is usable and within bounds.
func (p Params) validate() error {
	switch {
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range [8*parallelism, %d]", p.Memory, maxMemoryKiB)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d out of range [1, %d]", p.Iterations, maxIterations)
	case p.Parallelism < 1:
		return errors.New("parallelism must be at least 1")
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range [%d, %d]", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range [%d, %d]", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hash derives an argon2id hash of pw with a fresh random salt and returns
// it as a PHC string.
func Hash(pw string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return encode(p, salt, key), nil
}

// encode formats a PHC string.
func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify checks pw against encoded in constant time. needsRehash is true when
// the password matches but encoded was made with parameters other than p, so
// the caller can store a fresh Hash(pw, p). A malformed encoding returns
// ErrMalformed; nothing here panics on bad input.
func Verify(pw, encoded string, p Params) (ok, needsRehash bool, err error) {
	stored, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, stored.Iterations, stored.Memory, stored.Parallelism, stored.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, stored != p, nil
}

// decode parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash" strictly and returns
// the parameters it was made with (SaltLen and KeyLen from the decoded
// lengths).
func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrMalformed
	}
	if p, err = decodeParams(parts[3]); err != nil {
		return Params{}, nil, nil, err
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if p.validate() != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}

// decodeParams parses "m=M,t=T,p=P" in that order, as the reference
// implementation writes it.
func decodeParams(s string) (Params, error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return Params{}, ErrMalformed
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok || v == "" || v[0] == '+' {
			return Params{}, ErrMalformed
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, ErrMalformed
		}
		vals[i] = n
	}
	if vals[2] > 255 {
		return Params{}, ErrMalformed
	}
	return Params{Memory: uint32(vals[0]), Iterations: uint32(vals[1]), Parallelism: uint8(vals[2])}, nil
}

// Hasher bundles the current parameters with a dummy hash of the same cost,
// so that a login for an unknown e-mail spends as long as one with a wrong
// password and response times do not reveal which accounts exist, and with
// the bound on concurrent argon2 work (see Limits): every hash and verify,
// dummy ones included, runs under it.
type Hasher struct {
	Params Params

	lim *limiter

	dummyOnce sync.Once
	dummy     string
}

// NewHasher returns a Hasher for p whose argon2 work is bounded by l (the
// zero Limits: AutoLimits(p)).
func NewHasher(p Params, l Limits) *Hasher {
	if l.MemoryKiB == 0 {
		l = AutoLimits(p)
	}
	return &Hasher{Params: p, lim: newLimiter(l)}
}

// Hash is Hash(pw, h.Params), once the hasher has memory for it. It returns
// ErrBusy when the wait ends first, or ctx's error when ctx ends first.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	release, err := h.lim.acquire(ctx, h.Params.Memory)
	if err != nil {
		return "", err
	}
	defer release()
	return Hash(pw, h.Params)
}

// Verify is Verify(pw, encoded, h.Params), once the hasher has the memory
// encoded's own parameters need (ErrBusy or ctx's error otherwise).
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) (ok, needsRehash bool, err error) {
	stored, _, _, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	release, err := h.lim.acquire(ctx, stored.Memory)
	if err != nil {
		return false, false, err
	}
	defer release()
	return Verify(pw, encoded, h.Params)
}

// DummyVerify performs a verification of pw that always fails, at the cost
// of a real one. Call it when the account does not exist. The dummy hash is
// computed once, on first use, so start-up pays nothing for it. Like Verify,
// it waits for memory and returns ErrBusy (or ctx's error) when it cannot
// have it: an unknown account must answer like a known one then too.
func (h *Hasher) DummyVerify(ctx context.Context, pw string) error {
	release, err := h.lim.acquire(ctx, h.Params.Memory)
	if err != nil {
		return err
	}
	defer release()
	h.dummyOnce.Do(func() {
		// The dummy's password is random and discarded: no input matches.
		// (Made under the slot just acquired: it costs what a verify does.)
		enc, err := Hash(rand.Text(), h.Params)
		if err != nil {
			// Invalid params: every real Hash fails too, so there is no
			// timing to equalise; Verify below then fails fast.
			return
		}
		h.dummy = enc
	})
	_, _, _ = Verify(pw, h.dummy, h.Params)
	return nil
}

// Stats reports the hasher's load (for tests and metrics).
func (h *Hasher) Stats() Stats { return h.lim.stats() }
