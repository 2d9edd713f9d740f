package app_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// validateOpenAPI checks doc against the official OpenAPI 3.1 JSON Schema
// (with the base dialect, so every Schema Object is checked too). The
// schemas are vendored in testdata/openapi by scripts/vendor-apidocs.sh.
func validateOpenAPI(doc []byte) error {
	dir := filepath.Join("..", "testdata", "openapi")
	c := jsonschema.NewCompiler()
	for file, id := range map[string]string{
		"schema-base.json":         "https://spec.openapis.org/oas/3.1/schema-base/2021-04-15",
		"schema.json":              "https://spec.openapis.org/oas/3.1/schema/2021-04-15",
		"dialect-base.schema.json": "https://spec.openapis.org/oas/3.1/dialect/base",
		"meta-base.schema.json":    "https://spec.openapis.org/oas/3.1/meta/base",
	} {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			return err
		}
		v, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(id, v); err != nil {
			return err
		}
	}
	sch, err := c.Compile("https://spec.openapis.org/oas/3.1/schema-base/2021-04-15")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
