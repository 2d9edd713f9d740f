package httpx

import (
	"errors"
	"strings"
	"testing"
)

func TestLoneSurrogate(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":"plain"}`:                false,
		`{"a":"\ud83d\ude00"}`:         false, // a pair
		`{"a":"\\ud800"}`:              false, // an escaped backslash, then text
		`{"a":"\"\ud800"}`:             true,
		`{"a":"\ud800"}`:               true,
		`{"a":"\udc00"}`:               true,
		`{"a":"\ud800\u0041"}`:         true,
		`{"a":"\ud800x"}`:              true,
		`{"\ud800":1}`:                 true, // keys are strings too
		`{"a":"\u00e9\n\t\\\/\b\f\r"}`: false,
	} {
		if got := loneSurrogate([]byte(in)); got != want {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
}

func TestRequestLineFillsBuffer(t *testing.T) {
	for msg, want := range map[string]bool{
		`error when reading request headers: small read buffer. Buffer size=16384, contents: "GET /` + strings.Repeat("a", 195) + `"..."` + strings.Repeat("a", 200) + `"`:                     true,
		`error when reading request headers: small read buffer. Buffer size=16384, contents: "GET / HTTP/1.1\r\nX-Big: ` + strings.Repeat("a", 170) + `"..."` + strings.Repeat("a", 200) + `"`: false,
		`error when reading request headers: small read buffer. Buffer size=16384, contents: "GET /` + strings.Repeat("a", 195) + `"..."aaaa\r\nHost: x"`:                                      false,
		`error when reading request headers: small read buffer. Buffer size=16384`:                                                                                                             false,
	} {
		if got := requestLineFillsBuffer(msg); got != want {
			t.Errorf("%.120s: %v, want %v", msg, got, want)
		}
	}
	if s, c := unparsedStatus(errors.New("cannot find colon")); s != 400 || c != "request.invalid" {
		t.Fatalf("%d %s", s, c)
	}
}
