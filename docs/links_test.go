package docs

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's root, seen from this package's folder.
const repoRoot = ".."

// TestLinks checks every relative link and image of every Markdown file of the repository.
func TestLinks(t *testing.T) {
	problems, err := checkLinks(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestLinksCoverTheDocs guards against a walk that finds nothing, which would pass.
func TestLinksCoverTheDocs(t *testing.T) {
	files, err := markdownFiles(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"README.md", "docs/README.md", "docs/mapping.md", "deploy/README.md"} {
		if !slices.Contains(files, want) {
			t.Errorf("%s is not among the Markdown files checked: %v", want, files)
		}
	}
}

// markdownFiles lists the Markdown files under root, as slash-separated paths relative to
// it, skipping hidden folders (.git) and build output.
func markdownFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "bin" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.EqualFold(filepath.Ext(name), ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// checkLinks returns a problem for each relative link or image of the Markdown files under
// root that does not resolve, each naming the file, the line and the link.
func checkLinks(root string) ([]string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	files, err := markdownFiles(absRoot)
	if err != nil {
		return nil, err
	}
	anchorCache := map[string]map[string]bool{}
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchorCache[path]; ok {
			return a, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		a := anchors(string(b))
		anchorCache[path] = a
		return a, nil
	}
	var problems []string
	for _, file := range files {
		path := filepath.Join(absRoot, filepath.FromSlash(file))
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for _, l := range links(string(b)) {
			if msg := checkLink(absRoot, path, l.dest, anchorsOf); msg != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", file, l.line, l.dest, msg))
			}
		}
	}
	return problems, nil
}

var scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

// checkLink says what is wrong with the link dest of the Markdown file from, or "".
func checkLink(root, from, dest string, anchorsOf func(string) (map[string]bool, error)) string {
	if scheme.MatchString(dest) || strings.HasPrefix(dest, "//") {
		return "" // a URL: not checked here
	}
	if strings.HasPrefix(dest, "/") {
		return "an absolute path: GitHub resolves it from the repository's root and a clone from the file system's; write it relative to the file"
	}
	rawPath, anchor, _ := strings.Cut(dest, "#")
	rawPath, _, _ = strings.Cut(rawPath, "?")
	target := from
	if rawPath != "" {
		p, err := url.PathUnescape(rawPath)
		if err != nil {
			return "not a valid path: " + err.Error()
		}
		target = filepath.Join(filepath.Dir(from), filepath.FromSlash(p))
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "outside the repository: a clone does not have it, nor does GitHub show it"
	}
	st, err := os.Stat(target)
	if err != nil {
		return "no such file or folder in the repository"
	}
	if anchor == "" {
		return ""
	}
	if st.IsDir() || !strings.EqualFold(filepath.Ext(target), ".md") {
		return "an anchor into a file that is not Markdown"
	}
	a, err := anchorsOf(target)
	if err != nil {
		return err.Error()
	}
	if !a[anchor] {
		return fmt.Sprintf("no heading or anchor %q in %s", anchor, filepath.ToSlash(rel))
	}
	return ""
}

// link is a link destination and the line it is on.
type link struct {
	dest string
	line int
}

var (
	fence      = regexp.MustCompile("^\\s{0,3}(```+|~~~+)")
	inlineDest = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]*)`)
	refDef     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	htmlAttr   = regexp.MustCompile(`(?i)\b(?:href|src)\s*=\s*"([^"]*)"`)
)

// links returns the destinations of the inline links and images, reference definitions
// and HTML href and src attributes of a Markdown document, outside code.
func links(doc string) []link {
	var out []link
	for i, line := range proseLines(doc) {
		if line == "" {
			continue
		}
		add := func(dest string) {
			dest = strings.TrimSuffix(strings.TrimPrefix(dest, "<"), ">")
			if dest != "" {
				out = append(out, link{dest: dest, line: i + 1})
			}
		}
		for _, m := range inlineDest.FindAllStringSubmatch(line, -1) {
			add(m[1])
		}
		if m := refDef.FindStringSubmatch(line); m != nil {
			add(m[1])
		}
		for _, m := range htmlAttr.FindAllStringSubmatch(line, -1) {
			add(m[1])
		}
	}
	return out
}

// proseLines returns the lines of doc with fenced code blocks blanked and inline code
// spans removed, so that what code shows is never taken for a link or a heading.
func proseLines(doc string) []string {
	lines := strings.Split(doc, "\n")
	open := ""
	for i, line := range lines {
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case open == "":
				open = m[1]
				lines[i] = ""
				continue
			case strings.HasPrefix(m[1], open[:1]) && len(m[1]) >= len(open):
				open = ""
				lines[i] = ""
				continue
			}
		}
		if open != "" {
			lines[i] = ""
			continue
		}
		lines[i] = dropCodeSpans(line)
	}
	return lines
}

// dropCodeSpans replaces each code span of line (a run of backticks up to the next run of
// the same length) with its contents' placeholder "code".
func dropCodeSpans(line string) string {
	var b strings.Builder
	for {
		start := strings.IndexByte(line, '`')
		if start < 0 {
			b.WriteString(line)
			return b.String()
		}
		n := start
		for n < len(line) && line[n] == '`' {
			n++
		}
		ticks := line[start:n]
		end := strings.Index(line[n:], ticks)
		if end < 0 { // no closing run: the backticks are literal
			b.WriteString(line[:n])
			line = line[n:]
			continue
		}
		b.WriteString(line[:start])
		b.WriteString(codeText(line[n : n+end]))
		line = line[n+end+len(ticks):]
	}
}

// codeText is what a code span stands for in prose: its text, with the characters that
// could open a link made harmless.
func codeText(s string) string {
	return strings.NewReplacer("[", " ", "]", " ", "(", " ", ")", " ", "<", " ", ">", " ").Replace(strings.TrimSpace(s))
}

var (
	atxHeading = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	htmlAnchor = regexp.MustCompile(`(?i)<a\s[^>]*\b(?:name|id)\s*=\s*"([^"]+)"`)
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	htmlTag    = regexp.MustCompile(`<[^>]+>`)
)

// anchors returns the anchors of a Markdown document: each heading's, as GitHub makes
// them (with -1, -2, ... for repeats), and those of HTML <a name> or <a id> tags.
func anchors(doc string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	lines := strings.Split(doc, "\n")
	prose := proseLines(doc)
	for i, line := range prose {
		for _, m := range htmlAnchor.FindAllStringSubmatch(lines[i], -1) {
			out[m[1]] = true
		}
		if !atxHeading.MatchString(line) {
			continue
		}
		// A heading outside code; its code spans keep their text in the anchor, so the
		// original line is slugged.
		s := slug(atxHeading.FindStringSubmatch(lines[i])[1])
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// slug is the anchor GitHub gives a heading: its text as rendered (links and images by
// their text, no markup), lower-cased, spaces turned to '-', and every character other
// than letters, digits, '-' and '_' dropped.
func slug(heading string) string {
	text := mdLink.ReplaceAllString(heading, "$1")
	text = htmlTag.ReplaceAllString(text, "")
	text = strings.NewReplacer("`", "", "*", "").Replace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
