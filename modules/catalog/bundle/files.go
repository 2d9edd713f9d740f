package bundle

import (
	"context"
	"io"

	"github.com/weaverse/weaverse/modules/catalog"
)

// Files reads and writes bundles as zip archives for the catalog's studio
// (catalog.BundleFiles); topics are checked against Kinds.
type Files struct{ Kinds *catalog.Kinds }

// Export implements catalog.BundleFiles (see NewExport).
func (f Files) Export(ctx context.Context, b *catalog.Bundle, media catalog.BundleMedia) (catalog.BundleExport, error) {
	return NewExport(ctx, b, media)
}

// ReadZip implements catalog.BundleFiles (see ReadZip).
func (f Files) ReadZip(r io.ReaderAt, size int64) (*catalog.Bundle, []catalog.BundleProblem, error) {
	b, problems, err := ReadZip(r, size, f.Kinds)
	return b, catalogProblems(problems), err
}

func catalogProblems(ps []Problem) []catalog.BundleProblem {
	out := make([]catalog.BundleProblem, len(ps))
	for i, p := range ps {
		out[i] = catalog.BundleProblem(p)
	}
	return out
}
