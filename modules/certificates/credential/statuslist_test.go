package credential

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStatusListRoundTrip(t *testing.T) {
	revoked := []int{0, 5, 131071}
	enc, err := EncodeStatusList(revoked, MinStatusListBits)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "u") || len(enc) > 300 {
		t.Errorf("encoded list: %d chars: %s", len(enc), enc)
	}
	if again, _ := EncodeStatusList(revoked, MinStatusListBits); again != enc {
		t.Error("encoding is not deterministic")
	}
	list, err := DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	if list.Len() != MinStatusListBits {
		t.Fatalf("Len %d", list.Len())
	}
	// Bit 0 is the most significant bit of the first byte.
	if list[0] != 0x84 || list[len(list)-1] != 0x01 {
		t.Errorf("first byte %08b, last byte %08b", list[0], list[len(list)-1])
	}
	var set []int
	for i := range list.Len() {
		if on, err := list.Bit(i); err != nil {
			t.Fatal(err)
		} else if on {
			set = append(set, i)
		}
	}
	if !reflect.DeepEqual(set, revoked) {
		t.Errorf("set bits %v, want %v", set, revoked)
	}
	for _, i := range []int{-1, MinStatusListBits} {
		if _, err := list.Bit(i); err == nil {
			t.Errorf("Bit(%d) of a %d-bit list gave no error", i, list.Len())
		}
	}
}

func TestEncodeStatusListRefuses(t *testing.T) {
	tests := []struct {
		name    string
		revoked []int
		size    int
		want    string
	}{
		{"index = size", []int{MinStatusListBits}, MinStatusListBits, "outside"},
		{"negative index", []int{-1}, MinStatusListBits, "outside"},
		{"too small", nil, MinStatusListBits - 8, "at least"},
		{"not whole bytes", nil, MinStatusListBits + 1, "multiple of 8"},
		{"too large", nil, 1 << 30, "exceeds"},
	}
	for _, tt := range tests {
		if _, err := EncodeStatusList(tt.revoked, tt.size); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func gzipped(t testing.TB, n int) string {
	t.Helper()
	return "u" + b64.EncodeToString(gzipBytes(t, n))
}

func gzipBytes(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zeroMiB returns n concatenated GZIP members of 1 MiB of zeros each (a
// gzip reader reads them as one stream): a large list, cheap to build.
func zeroMiB(t testing.TB, n int, extra int) string {
	t.Helper()
	member := gzipBytes(t, 1<<20)
	all := bytes.Repeat(member, n)
	if extra > 0 {
		all = append(all, gzipBytes(t, extra)...)
	}
	return "u" + b64.EncodeToString(all)
}

func TestDecodeStatusListRefuses(t *testing.T) {
	valid, _ := EncodeStatusList(nil, MinStatusListBits)
	tests := []struct {
		name, encoded, want string
	}{
		{"empty", "", "prefix"},
		{"no multibase prefix", valid[1:], "prefix"},
		{"base64 with padding", valid + "==", "base64url"},
		{"not gzip", "u" + b64.EncodeToString([]byte("plain bytes here")), "GZIP"},
		{"truncated gzip", valid[:len(valid)-6], "GZIP"},
		{"gzip bomb", zeroMiB(t, maxStatusListBytes>>20, 1), "inflates beyond"},
		{"empty list", gzipped(t, 0), "empty"},
	}
	for _, tt := range tests {
		if _, err := DecodeStatusList(tt.encoded); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	if l, err := DecodeStatusList(zeroMiB(t, maxStatusListBytes>>20, 0)); err != nil || l.Len() != maxStatusListBytes*8 {
		t.Errorf("a list of exactly the bound: %v", err)
	}
}

func FuzzDecodeStatusList(f *testing.F) {
	valid, _ := EncodeStatusList([]int{3, 77}, MinStatusListBits)
	for _, seed := range []string{"", "u", "uAAAA", valid, valid[:40], gzipped(f, 10), "u" + b64.EncodeToString([]byte{0x1f, 0x8b, 8, 0})} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		list, err := DecodeStatusList(encoded)
		if err != nil {
			return
		}
		if list.Len() == 0 || list.Len() > maxStatusListBytes*8 {
			t.Fatalf("decoded a list of %d bits", list.Len())
		}
		if _, err := list.Bit(list.Len() - 1); err != nil {
			t.Fatal(err)
		}
		if _, err := list.Bit(list.Len()); err == nil {
			t.Fatal("Bit past the end gave no error")
		}
	})
}

func TestSignStatusList(t *testing.T) {
	s := testSigner(t)
	listURL := "https://weaverse.example/status/1"
	enc, _ := EncodeStatusList([]int{94567}, MinStatusListBits)
	from := time.Date(2026, 12, 7, 20, 0, 0, 500, time.UTC)
	tok, err := s.SignStatusList(listURL, enc, from)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.SignStatusList(listURL, enc, from); again != tok {
		t.Error("status list token is not deterministic")
	}
	c, err := Verify(tok, jwks(t, s))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"@context":  []any{"https://www.w3.org/ns/credentials/v2"},
		"id":        listURL,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    s.IssuerID(),
		"validFrom": "2026-12-07T20:00:00Z",
		"credentialSubject": map[string]any{"id": listURL + "#list", "type": "BitstringStatusList",
			"statusPurpose": "revocation", "encodedList": enc},
		"iss": s.IssuerID(), "jti": listURL, "sub": listURL + "#list", "nbf": float64(from.Unix()),
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claims %v\nwant %v", c, want)
	}
	// The entry a badge carries points at the bit that is set.
	b := testBadge()
	bc, _ := Verify(mustSign(t, s, b), jwks(t, s))
	entry := bc["credentialStatus"].(map[string]any)
	list, _ := DecodeStatusList(c["credentialSubject"].(map[string]any)["encodedList"].(string))
	if entry["statusListCredential"] != c["id"] || entry["statusListIndex"] != "94567" {
		t.Errorf("entry %v", entry)
	}
	if on, _ := list.Bit(b.Status.Index); !on {
		t.Error("the badge's bit is not set")
	}

	for name, call := range map[string]func() (string, error){
		"bad list":  func() (string, error) { return s.SignStatusList(listURL, "zzz", from) },
		"no url":    func() (string, error) { return s.SignStatusList("", enc, from) },
		"zero time": func() (string, error) { return s.SignStatusList(listURL, enc, time.Time{}) },
	} {
		if _, err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
