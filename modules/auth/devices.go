package auth

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
)

// Known devices: why the per-account sign-in limit does not lock owners out.
//
// Ten wrong passwords lock an account's sign-in for the window (15 min), so
// anyone who knows an e-mail address could keep its owner out. Of the ways
// to let the owner through, a per-account challenge (a mailed code, a
// CAPTCHA) needs a mail round trip or a third party on every sign-in under
// attack, and trusting an address that signed in before fails behind shared
// NAT (a campus, a mobile carrier: the attacker may share it). We remember
// devices instead: a successful password sign-in sets the known-device
// cookie — HttpOnly, SameSite=Lax, long-lived, sealed with the encryption
// keyring (AES-GCM: it cannot be read or forged) — naming this device and
// the accounts that signed in on it. A sign-in from a device known to the
// account is counted under a key of that device's own ("dev:<device>:<e-mail>",
// the same limit and window) instead of the account's: the attacker's
// failures, counted under "acct:<e-mail>", neither lock the owner's devices
// out nor can they be reset by them, and the attacker stays throttled. The
// per-address limit applies to everyone. A stolen cookie buys its thief
// only another ten guesses per window, and only until the password changes:
// each account on a device is remembered with the credentials version it
// signed in with, and a cookie from before a password change or reset is a
// stranger's (so cookies collected with a stolen password are worth nothing
// once the owner changes it). Social sign-ins have no password to guess and
// set no cookie; signing out keeps it (it is no session).
const (
	deviceCookie = "known_device"
	// deviceTTL: an account not signed in on the device for this long is
	// forgotten there (each sign-in renews it, and the cookie's age).
	deviceTTL = 365 * 24 * time.Hour
	// maxDeviceAccounts bounds the cookie: the most recent accounts stay.
	maxDeviceAccounts = 8
	deviceAAD         = "weaverse/auth/known-device"
)

// deviceState is the sealed content of the known-device cookie.
type deviceState struct {
	ID string `json:"d"`
	// Accounts maps accountTag(e-mail) to the account's last successful
	// password sign-in on this device.
	Accounts map[string]deviceAccount `json:"a"`
}

// deviceAccount is one account's last password sign-in on a device: when
// (Unix seconds), and with which credentials version.
type deviceAccount struct {
	At      int64 `json:"t"`
	Version int64 `json:"v"`
}

// devices reads and writes the known-device cookie.
type devices struct {
	keys  *crypto.Keyring
	clock clock.Clock
}

// accountTag names an account in the cookie (which is encrypted: the tag
// only keeps it short).
func accountTag(email string) string {
	return crypto.HashToken(strings.ToLower(strings.TrimSpace(email)))[:16]
}

// open reads a cookie value; a missing, forged or unreadable one is a new
// device.
func (d devices) open(raw string) deviceState {
	var st deviceState
	if raw != "" && len(raw) <= 4096 && d.keys != nil {
		if plain, err := d.keys.DecryptString(raw, deviceAAD); err == nil && json.Unmarshal([]byte(plain), &st) == nil &&
			len(st.ID) >= 16 && len(st.ID) <= 64 {
			return st
		}
	}
	return deviceState{}
}

// known returns the id of the device of cookie raw when the account of
// email signed in on it within deviceTTL with its current credentials
// version (read by version, only when the cookie names the account), else "".
func (d devices) known(raw, email string, version func() (int64, bool)) string {
	st := d.open(raw)
	acc, ok := st.Accounts[accountTag(email)]
	if !ok || d.clock.Now().Sub(time.Unix(acc.At, 0)) > deviceTTL {
		return ""
	}
	if v, ok := version(); !ok || v != acc.Version {
		return ""
	}
	return st.ID
}

// remember returns the cookie value after a successful sign-in of email on
// the device of cookie raw (a new device when raw names none).
func (d devices) remember(raw, email string, version int64) (string, error) {
	if d.keys == nil {
		return "", nil // no keyring, no known devices
	}
	st := d.open(raw)
	if st.ID == "" {
		st = deviceState{ID: crypto.RandomToken(18)}
	}
	if st.Accounts == nil {
		st.Accounts = map[string]deviceAccount{}
	}
	now := d.clock.Now()
	for tag, acc := range st.Accounts {
		if now.Sub(time.Unix(acc.At, 0)) > deviceTTL {
			delete(st.Accounts, tag)
		}
	}
	st.Accounts[accountTag(email)] = deviceAccount{At: now.Unix(), Version: version}
	if len(st.Accounts) > maxDeviceAccounts {
		tags := slices.SortedFunc(maps.Keys(st.Accounts), func(a, b string) int {
			return cmp.Compare(st.Accounts[b].At, st.Accounts[a].At) // most recent first
		})
		for _, tag := range tags[maxDeviceAccounts:] {
			delete(st.Accounts, tag)
		}
	}
	plain, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	return d.keys.EncryptString(string(plain), deviceAAD)
}
