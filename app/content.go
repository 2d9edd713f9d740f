package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/catalog/bundle"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
)

// contentCmd is `weaverse content validate|import DIR` and `content
// export`: course bundles (folders of YAML and Markdown, see
// testdata/subjects/README.md) checked, loaded and written from the command
// line.
func (c *cli) contentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "content",
		Short: "Validate, import and export course bundles",
		Long: "A course bundle is a folder of YAML and Markdown: a curriculum (curriculum.yaml and one folder per\n" +
			"course) or a stand-alone course (course.yaml). `validate` checks one without touching the database;\n" +
			"`import` checks it and then creates or updates its curriculum and courses by slug.",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate DIR",
		Short: "Check a course bundle and print every problem as file:line:column: message",
		Long: "Checks a bundle exactly as `content import` would, without a database or configuration.\n" +
			"Every problem is printed as file:line:column: message (files relative to DIR's parent),\n" +
			"and the command exits with status 1 when there is any.",
		Args: oneDir("validate"),
		RunE: func(_ *cobra.Command, args []string) error {
			b, err := c.loadBundle(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "ok: %s\n", summarize(b))
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "import DIR",
		Short: "Validate a course bundle, then create or update its curriculum and courses",
		Long: "Imports are idempotent: rows are matched by slug and keep their ids, and importing an unchanged\n" +
			"bundle changes nothing. A bundle with any problem is refused as a whole.",
		Args: oneDir("import"),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The bundle is checked before the app is built, so a broken
			// bundle is refused without opening (or migrating) the database.
			b, err := c.loadBundle(args[0])
			if err != nil {
				return err
			}
			return c.withApp(cmd, func(ctx context.Context, a *App) error {
				rep, err := a.ImportBundle(ctx, b)
				if err != nil {
					return a.describe(err)
				}
				printReport(c.stdout, rep)
				fmt.Fprintf(c.stdout, "imported %s\n", summarize(b))
				return nil
			})
		},
	})
	cmd.AddCommand(c.exportCmd())
	return cmd
}

// exportCmd is `weaverse content export COURSE -o FILE.zip`: a course (or,
// with --curriculum, a curriculum and its courses) written as a bundle
// archive, answer keys and media included, that `content import` and the
// studio's import page read back.
func (c *cli) exportCmd() *cobra.Command {
	var out string
	var curriculum bool
	cmd := &cobra.Command{
		Use:   "export COURSE -o FILE.zip",
		Short: "Write a course (or a curriculum) as a bundle archive",
		Long: "COURSE is a course's id or slug (with --curriculum, a curriculum's). The archive holds the bundle\n" +
			"folder: course.yaml (or curriculum.yaml and a folder per course), Markdown files for long texts,\n" +
			"answer keys, and the original video, captions and picture files. What the server cannot give (a\n" +
			"video whose original is not stored) is left out and printed, and listed in the archive's\n" +
			bundle.ProblemsFile + ".",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("content export takes one course id or slug, got %d arguments", len(args))}
			}
			if out == "" {
				return &usageError{errors.New("content export needs -o FILE.zip")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *App) error {
				exp, err := a.ExportBundle(ctx, args[0], curriculum)
				if err != nil {
					return a.describe(err)
				}
				if err := writeArchive(ctx, out, exp); err != nil {
					return err
				}
				for _, p := range exp.Problems() {
					fmt.Fprintln(c.stdout, bundle.Problem(p).String())
				}
				fmt.Fprintf(c.stdout, "exported %s to %s (%s left out)\n", exp.Name(), out,
					plural(len(exp.Problems()), "item", "items"))
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the archive to write (FILE.zip)")
	cmd.Flags().BoolVar(&curriculum, "curriculum", false, "export the curriculum COURSE names, with its courses")
	return cmd
}

// writeArchive writes an export to file, whole or not at all: to a
// temporary file beside it, renamed into place once complete.
func writeArchive(ctx context.Context, file string, exp catalog.BundleExport) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".export-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := exp.WriteZip(ctx, w); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(w.Flush(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// ExportBundle exports the course (or, with curriculum, the curriculum)
// that ref names by id or slug as the server's operator: as an admin, the
// editorial account.
func (a *App) ExportBundle(ctx context.Context, ref string, curriculum bool) (catalog.BundleExport, error) {
	id, err := a.mods.accounts.EnsureEditorialUser(ctx)
	if err != nil {
		return nil, err
	}
	return a.mods.catalog.ExportBundle(ctx, &authz.Principal{UserID: id, Role: authz.Admin}, ref, curriculum)
}

// oneDir accepts exactly one argument, the bundle folder; anything else is
// a usage error (exit status 2), like a bad flag.
func oneDir(verb string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return &usageError{fmt.Errorf("content %s takes one bundle folder (weaverse content %s DIR), got %d arguments",
				verb, verb, len(args))}
		}
		return nil
	}
}

// bundleProblems is the error of a bundle that has problems; they have
// been printed already, so the error only counts them (exit status 1).
type bundleProblems struct {
	dir string
	n   int
}

func (e *bundleProblems) Error() string {
	return fmt.Sprintf("%s: %s", e.dir, plural(e.n, "problem", "problems"))
}

// loadBundle loads and validates a bundle folder, printing its problems to
// standard output one per line (file:line:column: message, which editors
// and CI annotate).
func (c *cli) loadBundle(dir string) (*catalog.Bundle, error) {
	kinds, err := topicKinds(nil, nil)
	if err != nil {
		return nil, err
	}
	b, problems, err := bundle.LoadDir(dir, kinds)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		fmt.Fprintln(c.stdout, p.String())
	}
	if len(problems) > 0 {
		return nil, &bundleProblems{dir: dir, n: len(problems)}
	}
	if b == nil {
		return nil, errors.New("bundle: nothing loaded")
	}
	return b, nil
}

// topicKinds is the registry of topic kinds and assignment graders that
// the catalog, the bundle loader and the bundle schema share: the catalog's
// standard kinds, and the graders. The standard javascript, sql and html
// graders' checks come from the catalog; with a grading service (nil for
// the command line's bundle checks) each gets its Run, so the studio can
// run an assignment's tests against its solution (its messages worded by
// words), and the external service's languages become graders too.
func topicKinds(grading *grader.Service, words *i18n.Bundle) (*catalog.Kinds, error) {
	k := catalog.StandardKinds()
	for _, g := range catalog.StandardGraders() {
		if grading != nil && grading.Has(g.Name) {
			g.Run = graderRun(grading, words)
		}
		if err := k.RegisterGrader(g); err != nil {
			return nil, err
		}
	}
	if grading != nil {
		for _, name := range grading.Names() {
			if !slices.Contains(k.Graders(), name) {
				if err := k.RegisterGrader(externalGrader(name, grading, words)); err != nil {
					return nil, err
				}
			}
		}
	}
	return k, nil
}

// summarize describes a bundle in one line:
// "curriculum web-nanodegree, 7 courses, 31 lectures, 120 topics".
func summarize(b *catalog.Bundle) string {
	lectures, topics := 0, 0
	for _, c := range b.Courses {
		lectures += len(c.Lectures)
		for _, l := range c.Lectures {
			topics += len(l.Topics)
		}
	}
	var head string
	switch {
	case b.Curriculum != nil:
		head = fmt.Sprintf("curriculum %s, %s", b.Curriculum.Slug, plural(len(b.Courses), "course", "courses"))
	case len(b.Courses) == 1:
		head = "course " + b.Courses[0].Slug
	default:
		head = plural(len(b.Courses), "course", "courses")
	}
	return fmt.Sprintf("%s, %s, %s", head, plural(lectures, "lecture", "lectures"), plural(topics, "topic", "topics"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// printReport lists what an import did, one line per kind of outcome.
func printReport(w io.Writer, rep catalog.ImportReport) {
	for _, part := range []struct {
		label string
		slugs []string
	}{{"created", rep.Created}, {"updated", rep.Updated}, {"unchanged", rep.Unchanged}} {
		if len(part.slugs) > 0 {
			fmt.Fprintf(w, "%-10s %s\n", part.label, strings.Join(part.slugs, ", "))
		}
	}
}
