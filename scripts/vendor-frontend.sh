#!/usr/bin/env bash
# vendor-frontend.sh — copy pinned, prebuilt front-end files from the npm registry
# into platform/web/static/vendor/, where //go:embed picks them up, so that
# `go build` alone needs nothing else.
#
# Versions are pinned in scripts/package.json and locked (with integrity hashes)
# in scripts/package-lock.json. To upgrade: edit package.json, delete
# package-lock.json, run this script (it writes a fresh lock), review, commit.
#
# Usage: scripts/vendor-frontend.sh        (needs node + npm; idempotent)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
dest="$root/platform/web/static/vendor"

command -v npm >/dev/null || { echo "vendor-frontend: npm not found on PATH" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cp "$here/package.json" "$tmp/"
if [[ -f "$here/package-lock.json" ]]; then
  cp "$here/package-lock.json" "$tmp/"
  echo "vendor-frontend: npm ci (locked versions) in $tmp"
  npm ci --no-audit --no-fund --ignore-scripts --prefix "$tmp" >/dev/null
else
  echo "vendor-frontend: npm install (no lock yet) in $tmp"
  npm install --no-audit --no-fund --ignore-scripts --prefix "$tmp" >/dev/null
  cp "$tmp/package-lock.json" "$here/package-lock.json"
  echo "vendor-frontend: wrote scripts/package-lock.json"
fi

nm="$tmp/node_modules"
version() { node -p "require('$nm/$1/package.json').version"; }

# Start from a clean vendor dir so removed upstream files do not linger.
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons/fonts" "$dest/pretendard/woff2-dynamic-subset" "$dest/hls" "$dest/tus" "$dest/sortable" "$dest/chartjs"

# Bootstrap: minified CSS + JS bundle (with Popper). Source maps are skipped (~900 KB).
cp "$nm/bootstrap/dist/css/bootstrap.min.css" "$dest/bootstrap/"
cp "$nm/bootstrap/dist/js/bootstrap.bundle.min.js" "$dest/bootstrap/"
cp "$nm/bootstrap/LICENSE" "$dest/bootstrap/LICENSE"
# Drop the sourceMappingURL comments: the maps are not shipped.
sed -i -e 's|/\*# sourceMappingURL=[^*]*\*/||' "$dest/bootstrap/bootstrap.min.css"
sed -i -e 's|//# sourceMappingURL=.*$||' "$dest/bootstrap/bootstrap.bundle.min.js"

# Bootstrap Icons: icon font CSS (references ./fonts/bootstrap-icons.woff2|woff).
cp "$nm/bootstrap-icons/font/bootstrap-icons.min.css" "$dest/bootstrap-icons/"
cp "$nm/bootstrap-icons/font/fonts/bootstrap-icons.woff2" "$nm/bootstrap-icons/font/fonts/bootstrap-icons.woff" "$dest/bootstrap-icons/fonts/"
cp "$nm/bootstrap-icons/LICENSE" "$dest/bootstrap-icons/LICENSE"

# Pretendard (OFL-1.1): variable font, dynamic subsets (the browser downloads only
# the unicode-range slices a page uses).
cp "$nm/pretendard/dist/web/variable/pretendardvariable-dynamic-subset.css" "$dest/pretendard/"
cp "$nm/pretendard/dist/web/variable/woff2-dynamic-subset/"*.woff2 "$dest/pretendard/woff2-dynamic-subset/"
cp "$nm/pretendard/dist/LICENSE.txt" "$dest/pretendard/LICENSE.txt"

# hls.js (Apache-2.0): HLS playback through Media Source Extensions, loaded with a
# plain <script src> (UMD, defines window.Hls). Its transmuxing worker ships as a
# separate file so that the player can point config.workerPath at our own origin:
# the CSP (script-src 'self', no blob:) forbids the worker hls.js would otherwise
# inject from a blob: URL.
cp "$nm/hls.js/dist/hls.min.js" "$nm/hls.js/dist/hls.worker.js" "$dest/hls/"
cp "$nm/hls.js/LICENSE" "$dest/hls/LICENSE"
sed -i -e 's|//# sourceMappingURL=.*$||' "$dest/hls/hls.min.js" "$dest/hls/hls.worker.js"

# tus-js-client (MIT): resumable video uploads (the tus 1.0 protocol, served at
# /api/videos/tus/), loaded with a plain <script src> (UMD, defines window.tus).
# Its browser bundle carries its dependencies (js-base64, url-parse…) and uses
# neither eval nor new Function, so it runs under script-src 'self'.
cp "$nm/tus-js-client/dist/tus.min.js" "$dest/tus/"
cp "$nm/tus-js-client/LICENSE" "$dest/tus/LICENSE"
sed -i -e 's|//# sourceMappingURL=.*$||' "$dest/tus/tus.min.js"
if grep -q -e 'new Function' -e 'eval(' "$dest/tus/tus.min.js"; then
  echo "vendor-frontend: tus.min.js evaluates strings; the CSP (script-src 'self') would block it" >&2
  exit 1
fi

# SortableJS (MIT): drag and drop of the course outline's lectures and topics
# (the editor's buttons are the keyboard alternative). UMD, defines
# window.Sortable; no eval, so it runs under script-src 'self'.
cp "$nm/sortablejs/Sortable.min.js" "$dest/sortable/"
cp "$nm/sortablejs/LICENSE" "$dest/sortable/LICENSE"
if grep -q -e 'new Function' -e 'eval(' "$dest/sortable/Sortable.min.js"; then
  echo "vendor-frontend: Sortable.min.js evaluates strings; the CSP (script-src 'self') would block it" >&2
  exit 1
fi

# Chart.js (MIT): the dashboards' charts (static/js/charts.js turns data tables
# into charts). The UMD build bundles its one dependency (@kurkle/color), is
# loaded with a plain <script src> and defines window.Chart; no eval, so it runs
# under script-src 'self'. Its only styles are set through element.style
# (CSSOM), which style-src 'self' allows.
cp "$nm/chart.js/dist/chart.umd.min.js" "$dest/chartjs/"
cp "$nm/chart.js/LICENSE.md" "$dest/chartjs/LICENSE"
sed -i -e 's|//# sourceMappingURL=.*$||' "$dest/chartjs/chart.umd.min.js"
if grep -q -e 'new Function' -e 'eval(' "$dest/chartjs/chart.umd.min.js"; then
  echo "vendor-frontend: chart.umd.min.js evaluates strings; the CSP (script-src 'self') would block it" >&2
  exit 1
fi

cat > "$dest/VERSIONS.txt" <<VERSIONS
# Generated by scripts/vendor-frontend.sh — do not edit by hand.
bootstrap $(version bootstrap) (MIT)
bootstrap-icons $(version bootstrap-icons) (MIT)
pretendard $(version pretendard) (OFL-1.1)
hls.js $(version hls.js) (Apache-2.0)
tus-js-client $(version tus-js-client) (MIT)
sortablejs $(version sortablejs) (MIT)
chart.js $(version chart.js) (MIT)
VERSIONS

echo "vendor-frontend: vendored into ${dest#"$root"/}:"
sed -n '2,$p' "$dest/VERSIONS.txt" | sed 's/^/  /'
echo "  $(find "$dest" -type f | wc -l) files, $(du -sh "$dest" | cut -f1) total"
