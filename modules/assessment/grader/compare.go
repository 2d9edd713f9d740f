package grader

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Values are compared with JSON semantics: numbers as numbers (1 equals
// 1.0), strings, booleans and null as themselves, arrays element by
// element, objects by their keys whatever their order.

// decodeJSON decodes one JSON value, keeping numbers exact (json.Number).
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// normalizeJSON turns an expected value (from JSON or YAML) into the form
// decodeJSON gives, and its JSON text for messages.
func normalizeJSON(v any) (any, string) {
	b, err := json.Marshal(v)
	if err != nil {
		return v, "?"
	}
	n, err := decodeJSON(b)
	if err != nil {
		return v, string(b)
	}
	return n, string(b)
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && numbersEqual(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	if x, err := a.Int64(); err == nil {
		if y, err := b.Int64(); err == nil {
			return x == y
		}
	}
	x, err1 := a.Float64()
	y, err2 := b.Float64()
	return err1 == nil && err2 == nil && x == y
}

// clipLen bounds a value quoted in a message.
const clipLen = 300

// clip shortens s for a message, on a rune boundary.
func clip(s string) string {
	if len(s) <= clipLen {
		return s
	}
	cut := clipLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
