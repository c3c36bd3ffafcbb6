package docs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Where RudderStack's transformer differs": "where-rudderstacks-transformer-differs",
		"HTTP: metrics, health, readiness":        "http-metrics-health-readiness",
		"Local stack: docker compose up":          "local-stack-docker-compose-up",
		"identify: contact":                       "identify-contact",
		"Running it: `kafka-ometria run`":         "running-it-kafka-ometria-run",
		"The two commands":                        "the-two-commands",
		"dead_letter and skip, 2.0":               "dead_letter-and-skip-20",
		"See [the sink](architecture.md#sink)":    "see-the-sink",
		"**Bold** words":                          "bold-words",
		"Größe – naïve":                           "größe--naïve",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

func TestAnchors(t *testing.T) {
	doc := "# Title\n\n## Usage\n\ntext\n\n## Usage\n\n```\n# not a heading\n```\n\n<a name=\"custom\"></a>\n### `code` heading ##\n"
	got := anchors(doc)
	for _, want := range []string{"title", "usage", "usage-1", "custom", "code-heading"} {
		if !got[want] {
			t.Errorf("anchor %q missing from %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Errorf("a heading inside a code block was taken: %v", got)
	}
}

// TestCheckLinksFindsEveryKind builds a small repository and checks that each kind of
// broken link is reported, and only those.
func TestCheckLinksFindsEveryKind(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	write := fileWriter(t, repo)
	write("../outside.md", "# Outside\n") // exists, but not in the repository
	write("config/example.yaml", "a: 1\n")
	write("docs/a.md", "# A page\n\n## Its section\n\nBack to [the README](../README.md#top).\n")
	write("README.md", strings.Join([]string{
		"# Top",
		"[fine](docs/a.md) [section](docs/a.md#its-section) [folder](config) [file](config/example.yaml)",
		"[here](#top) ![image](docs/a.md) [web](https://example.com/x) [mail](mailto:a@example.com)",
		"[missing](docs/missing.md)",
		"[bad anchor](docs/a.md#nope)",
		"[outside](../outside.md)",
		"[absolute](/docs/a.md)",
		"[yaml anchor](config/example.yaml#a)",
		"`[in code](nowhere.md)` and ``[more ` code](nowhere.md)``",
		"```",
		"[in a block](nowhere.md)",
		"```",
		`<a href="docs/missing.html">x</a>`,
		"[ref]: docs/gone.md",
	}, "\n"))

	got, err := checkLinks(repo)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"README.md:4: docs/missing.md: no such file or folder in the repository",
		`README.md:5: docs/a.md#nope: no heading or anchor "nope" in docs/a.md`,
		"README.md:6: ../outside.md: outside the repository",
		"README.md:7: /docs/a.md: an absolute path",
		"README.md:8: config/example.yaml#a: an anchor into a file that is not Markdown",
		"README.md:13: docs/missing.html: no such file or folder in the repository",
		"README.md:14: docs/gone.md: no such file or folder in the repository",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
	if slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, "nowhere.md") }) {
		t.Errorf("a link in code was checked: %v", got)
	}
}

// fileWriter returns a function that writes text to path (slash-separated, relative to
// repo, ".." allowed), making its folders.
func fileWriter(t *testing.T, repo string) func(path, text string) {
	return func(path, text string) {
		t.Helper()
		p := filepath.Join(repo, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
