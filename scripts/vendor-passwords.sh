#!/usr/bin/env bash
# Vendors the common-password list that platform/password refuses.
#
# Source: the npm package @zxcvbn-ts/language-common (MIT), its
# src/passwords.json (~49k passwords ranked by frequency in public leaks).
# We keep entries of 10+ characters only, since shorter ones are refused by
# the length rule anyway, lower-case and de-duplicate them (the check is
# case-insensitive), add a few keyboard patterns popular with Korean users,
# and write platform/password/common-passwords.txt (one per line, sorted,
# embedded in the binary) plus the upstream licence beside it.
#
# Re-run after bumping VERSION; the output is committed, so builds never
# need the npm registry.
set -euo pipefail

VERSION="4.1.3"
PKG="@zxcvbn-ts/language-common"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/platform/password"

command -v npm >/dev/null || { echo "vendor-passwords: npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "vendor-passwords: node is required" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --ignore-scripts: we only read data files, so run no install hooks.
npm install --prefix "$TMP" --no-save --ignore-scripts --no-audit --no-fund \
	--loglevel=error "$PKG@$VERSION" >/dev/null

SRC="$TMP/node_modules/$PKG"
node - "$SRC/src/passwords.json" "$OUT_DIR/common-passwords.txt" <<'JS'
const fs = require("fs");
const [src, out] = process.argv.slice(2);
const upstream = JSON.parse(fs.readFileSync(src, "utf8"));
if (!Array.isArray(upstream) || upstream.length < 10000) {
  throw new Error(`unexpected ${src}: not a large JSON array`);
}
// Keyboard and digit patterns common among Korean users (2-beolsik layout
// users type Latin passwords on the same keys) that the English-leak list
// ranks low or misses at this length.
const korean = [
  "qwer1234!!", "qwer1234!@", "1q2w3e4r5t", "1q2w3e4r5t6y", "1q2w3e4r!!",
  "asdf1234!!", "q1w2e3r4t5", "a1234567890", "qwerty12345", "password123",
  "iloveyou123", "qwerasdf1234", "zxcv1234!!", "1qaz2wsx3edc",
];
// Length is counted in code points, as the Go policy counts runes.
const keep = new Set();
for (const pw of [...upstream, ...korean]) {
  const lower = String(pw).toLowerCase();
  if ([...lower].length >= 10) keep.add(lower);
}
// Sort by code units (not locale) so the output is byte-stable.
const sorted = [...keep].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
fs.writeFileSync(out, sorted.join("\n") + "\n");
console.log(`vendor-passwords: ${sorted.length} passwords of ${upstream.length} upstream -> ${out}`);
JS

LICENSE="$(ls "$SRC"/LICENSE* | head -n1)"
{
	echo "common-passwords.txt is derived from $PKG@$VERSION (src/passwords.json)."
	echo "Its licence follows."
	echo
	cat "$LICENSE"
} >"$OUT_DIR/common-passwords.LICENSE"
echo "vendor-passwords: licence -> $OUT_DIR/common-passwords.LICENSE"
