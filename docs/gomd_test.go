package docs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdName is a Markdown file's name as Go comments and strings write it: docs/mapping.md,
// ../README.md, operations.md.
var mdName = regexp.MustCompile(`[\w./-]+\.md\b`)

// mdFixtures are the Go files whose Markdown names are made-up on purpose: the link
// checker's tests build a small repository of their own, with broken links in it.
var mdFixtures = map[string]bool{
	"docs/linkcheck_test.go": true,
	"docs/gomd_test.go":      true,
}

// TestGoFilesNameMarkdownThatExists checks that every Markdown file a Go file of the
// repository names, in a comment or a string, is a file of the repository: a comment that
// sends the reader to a page a clone does not have is as broken as a dead link.
func TestGoFilesNameMarkdownThatExists(t *testing.T) {
	problems, checked, err := checkGoMarkdownNames(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("only %d Markdown names found in Go files: the walk is broken", checked)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestCheckGoMarkdownNames builds a small repository and checks what is and is not reported.
func TestCheckGoMarkdownNames(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	write := fileWriter(t, repo)
	write("../shared/mapping.md", "# Outside\n")
	write("docs/mapping.md", "# Mapping\n")
	write("README.md", "# Top\n")
	write("docs/doc.go", "// See mapping.md and README.md.\npackage docs\n")
	write("pkg/a.go", "// See docs/mapping.md, ../shared/mapping.md and api-notes.md §3.\npackage pkg\n\nconst s = \"docs/gone.md\"\n")

	got, checked, err := checkGoMarkdownNames(repo)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pkg/a.go:1: ../shared/mapping.md: not a file of the repository",
		"pkg/a.go:1: api-notes.md: not a file of the repository",
		"pkg/a.go:4: docs/gone.md: not a file of the repository",
	}
	if checked != 6 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("checked %d names (want 6), problems:\n%s\nwant:\n%s", checked, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkGoMarkdownNames returns a problem for each Markdown name in the Go files under root
// that is not a file of the repository, and how many names it checked. A name counts when
// it is a file relative to the repository's root or to the Go file's folder, inside root.
func checkGoMarkdownNames(root string) (problems []string, checked int, err error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, 0, err
	}
	inRepo := func(p string) bool {
		rel, err := filepath.Rel(absRoot, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return false
		}
		st, err := os.Stat(p)
		return err == nil && !st.IsDir()
	}
	err = filepath.WalkDir(absRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != absRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".go" {
			return nil
		}
		rel, err := filepath.Rel(absRoot, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if mdFixtures[rel] {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, name := range mdName.FindAllString(line, -1) {
				checked++
				p := filepath.FromSlash(name)
				if !inRepo(filepath.Join(absRoot, p)) && !inRepo(filepath.Join(filepath.Dir(path), p)) {
					problems = append(problems, fmt.Sprintf("%s:%d: %s: not a file of the repository", rel, i+1, name))
				}
			}
		}
		return nil
	})
	return problems, checked, err
}
