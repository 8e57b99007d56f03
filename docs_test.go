package main

// The documentation's checks: every relative link and anchor resolves (as
// GitHub renders them), the README stays a front door, and docs/metrics.md
// lists exactly the metric families the exporter serves.

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docFiles are the pages whose links are checked; docs/pending/ holds
// drafts that are folded into docs/ before a release.
func docFiles(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	files := []string{"README.md", "CHANGELOG.md", "vcfsim/README.md"}
	more, err := fs.Glob(fsys, "docs/*.md")
	require.NoError(t, err)
	return append(files, more...)
}

var (
	mdLink     = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)\)`)
	mdHeading  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	inlineCode = regexp.MustCompile("`[^`]*`")
)

// githubAnchor is the id GitHub gives a heading: its text without markup,
// lower case, every character other than letters, digits, marks, "_", "-"
// and space dropped, spaces turned into "-".
func githubAnchor(heading string) string {
	text := mdLink.ReplaceAllStringFunc(heading, func(l string) string { return l[1:strings.Index(l, "](")] })
	text = strings.NewReplacer("`", "", "*", "", "~", "").Replace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdScan returns a Markdown file's anchors and its link targets, outside
// code blocks and inline code.
func mdScan(text string) (anchors map[string]bool, links []string) {
	anchors = map[string]bool{}
	seen := map[string]int{}
	fence := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			switch {
			case fence == "":
				fence = trimmed[:3]
			case strings.HasPrefix(trimmed, fence):
				fence = ""
			}
			continue
		}
		if fence != "" {
			continue
		}
		if m := mdHeading.FindStringSubmatch(line); m != nil {
			a := githubAnchor(m[1])
			if n := seen[a]; n > 0 {
				anchors[a+"-"+strconv.Itoa(n)] = true
			} else {
				anchors[a] = true
			}
			seen[a]++
		}
		for _, m := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			links = append(links, m[1])
		}
	}
	return anchors, links
}

// brokenLinks lists the relative links of files that do not resolve.
func brokenLinks(fsys fs.FS, files []string) []string {
	var broken []string
	anchorsOf := map[string]map[string]bool{}
	read := func(name string) (string, bool) {
		b, err := fs.ReadFile(fsys, name)
		return string(b), err == nil
	}
	for _, f := range files {
		text, ok := read(f)
		if !ok {
			broken = append(broken, f+": missing")
			continue
		}
		anchorsOf[f], _ = mdScan(text)
	}
	for _, f := range files {
		text, _ := read(f)
		_, links := mdScan(text)
		for _, l := range links {
			if strings.Contains(l, "://") || strings.HasPrefix(l, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(l, "#")
			name := f
			if target != "" {
				name = path.Clean(path.Join(path.Dir(f), target))
				if _, err := fs.Stat(fsys, strings.TrimSuffix(name, "/")); err != nil {
					broken = append(broken, f+": "+l+": no such file")
					continue
				}
			}
			if anchor == "" {
				continue
			}
			anchors, ok := anchorsOf[name]
			if !ok && strings.HasSuffix(name, ".md") {
				t, _ := read(name)
				anchors, _ = mdScan(t)
				anchorsOf[name] = anchors
			}
			if !anchors[anchor] {
				broken = append(broken, f+": "+l+": no such anchor")
			}
		}
	}
	return broken
}

func TestGithubAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"VCF 9.0.2 mode": "vcf-902-mode",
		"Actions: upgrading a domain through the exporter": "actions-upgrading-a-domain-through-the-exporter",
		"`/actions` beside basic auth":                     "actions-beside-basic-auth",
		"Dashboards, alerts and the whole stack":           "dashboards-alerts-and-the-whole-stack",
		"Series per entity (10,000 hosts)":                 "series-per-entity-10000-hosts",
		"[Home Assistant](home-assistant.md) automations":  "home-assistant-automations",
		"snake_case and  two spaces":                       "snake_case-and--two-spaces",
		"Ünïcode – dash":                                   "ünïcode--dash",
	} {
		assert.Equal(t, want, githubAnchor(heading), heading)
	}
}

func TestBrokenLinksFinds(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md":     {Data: []byte("# Top\n## API\n## API\n[a](docs/x.md#two) [b](#api-1) [c](#api-2) [d](docs/y.md) [e](https://example.com/#nope)\n```\n[f](nope.md)\n```\n`[g](nope.md)`\n")},
		"docs/x.md":     {Data: []byte("# One\n## Two\n[back](../README.md#top) [dir](../vcfsim/) [bad](../README.md#bottom)\n")},
		"vcfsim/go.txt": {Data: []byte("x")},
	}
	require.Equal(t, []string{
		"README.md: #api-2: no such anchor",
		"README.md: docs/y.md: no such file",
		"docs/x.md: ../README.md#bottom: no such anchor",
	}, sorted(brokenLinks(fsys, []string{"README.md", "docs/x.md"})))
}

func sorted(s []string) []string { sort.Strings(s); return s }

func TestDocsLinks(t *testing.T) {
	fsys := os.DirFS(".")
	require.Empty(t, brokenLinks(fsys, docFiles(t, fsys)))
}

// TestREADMEFrontDoor: the README stays short and maps every page of docs/.
func TestREADMEFrontDoor(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	require.LessOrEqual(t, strings.Count(readme, "\n"), 400, "README.md is the front door: move details to docs/")
	pages, err := filepath.Glob("docs/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, pages)
	for _, p := range append(pages, "vcfsim/README.md", "CHANGELOG.md") {
		assert.Contains(t, readme, "("+filepath.ToSlash(p)+")", "README.md links %s", p)
	}
}

var (
	goldenType = regexp.MustCompile(`(?m)^# TYPE (vcf_\w+) `)
	sourceName = regexp.MustCompile(`(?:NewDesc\(|Name:|Counter\()\s*"(vcf_\w+)"`)
	// The collectors' tables name a family vcf_<subsystem>_<name> (or
	// vcf_<name> with an empty subsystem): collector.newDesc.
	sourceDesc  = regexp.MustCompile(`newDesc\(\s*"(\w*)",\s*"(\w+)"`)
	tableFamily = regexp.MustCompile("^\\| `([^|]*)` \\|")
	braces      = regexp.MustCompile(`\{([^}]*)\}`)
)

// servedFamilies are the vcf_ families the exporter serves: those in the
// end-to-end and collector golden files (the whole /metrics of the real
// binary, and every family a collector describes), and those registered by
// full name in the code (the ones that need /actions, a sink or a bad
// value to appear).
func servedFamilies(t *testing.T) []string {
	t.Helper()
	set := map[string]bool{}
	goldens, err := filepath.Glob("testdata/*.golden")
	require.NoError(t, err)
	protos, err := filepath.Glob("collector/testdata/*.prom")
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	require.NotEmpty(t, protos)
	for _, f := range append(goldens, protos...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range goldenType.FindAllStringSubmatch(string(b), -1) {
			set[m[1]] = true
		}
	}
	require.NoError(t, filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == "internal" || p == "vcfsim" || p == "cmd" || strings.HasPrefix(d.Name(), ".")) && p != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for _, m := range sourceName.FindAllStringSubmatch(string(b), -1) {
			set[m[1]] = true
		}
		for _, m := range sourceDesc.FindAllStringSubmatch(string(b), -1) {
			name := "vcf_" + m[2]
			if m[1] != "" {
				name = "vcf_" + m[1] + "_" + m[2]
			}
			set[name] = true
		}
		return nil
	}))
	var out []string
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// expandBraces turns vcf_a_{b,c}_d into vcf_a_b_d and vcf_a_c_d.
func expandBraces(s string) []string {
	m := braces.FindStringSubmatchIndex(s)
	if m == nil {
		return []string{s}
	}
	var out []string
	for _, alt := range strings.Split(s[m[2]:m[3]], ",") {
		out = append(out, expandBraces(s[:m[0]]+alt+s[m[1]:])...)
	}
	return out
}

// documentedFamilies are the vcf_ families of the tables of docs/metrics.md.
func documentedFamilies(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("docs/metrics.md")
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		m := tableFamily.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, name := range strings.Split(m[1], "`, `") {
			if strings.HasPrefix(name, "vcf_") {
				out = append(out, expandBraces(name)...)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestExpandBraces(t *testing.T) {
	require.Equal(t, []string{"vcf_a_x_1", "vcf_a_x_2", "vcf_a_y_1", "vcf_a_y_2"}, expandBraces("vcf_a_{x,y}_{1,2}"))
	require.Equal(t, []string{"vcf_up"}, expandBraces("vcf_up"))
}

// TestMetricsDocumented: docs/metrics.md has a row for every family the
// exporter serves, and none for a family it does not.
func TestMetricsDocumented(t *testing.T) {
	served, documented := servedFamilies(t), documentedFamilies(t)
	require.Greater(t, len(served), 50)
	for _, f := range served {
		assert.True(t, slices.Contains(documented, f), "docs/metrics.md: add a row for %s", f)
	}
	for _, f := range documented {
		assert.True(t, slices.Contains(served, f), "docs/metrics.md documents %s, which the exporter does not serve", f)
	}
	assert.Len(t, slices.Compact(slices.Clone(documented)), len(documented), "a family documented twice")
}
