package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTargetNames: a name must be usable as a label value, a file name
// component, a query value and an MQTT topic level; anything else is
// refused at load with the rule in the message.
func TestTargetNames(t *testing.T) {
	target := func(name string) string {
		return "targets:\n  - name: '" + name + "'\n    url: https://a.example.com\n    username: u\n    password: p\n"
	}
	for _, good := range []string{"lab", "a", "sddc-manager.lab.example.com", "SFO_01", "9", strings.Repeat("a", 63)} {
		_, err := Parse([]byte(target(good)))
		require.NoError(t, err, good)
	}
	for _, bad := range []string{
		strings.Repeat("a", 300), strings.Repeat("a", 64), "-lab", ".lab", "_lab", "lab/x", "lab name",
		"lab:1", "lab+x", "lab#", "läb", "lab%20", "lab?x", "lab\\x",
	} {
		_, err := Parse([]byte(target(bad)))
		require.Error(t, err, "accepted %q", bad)
		assert.Contains(t, err.Error(), "targets[0]: name ")
		assert.Contains(t, err.Error(), TargetNameRule)
		assert.Less(t, len(err.Error()), 250, "a long name is shortened in the message")
	}
}

// TestActionsTokenLength: an /actions token under 32 characters is refused,
// from a file or inline, with a message naming the file (or the token's
// name) and never the token.
func TestActionsTokenLength(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.token")
	require.NoError(t, os.WriteFile(short, []byte("abc\n"), 0o600))
	long := filepath.Join(dir, "long.token")
	good := strings.Repeat("x", MinActionsTokenLength)
	require.NoError(t, os.WriteFile(long, []byte(good+"\n"), 0o600))

	_, err := ReadActionsTokenFile(short)
	require.ErrorContains(t, err, short+": the token is shorter than 32 characters")
	require.NotContains(t, err.Error(), "abc")
	tok, err := ReadActionsTokenFile(long)
	require.NoError(t, err)
	require.Equal(t, good, tok)
	tok, err = ReadTokenFile(short) // InfluxDB tokens have no such rule
	require.NoError(t, err)
	require.Equal(t, "abc", tok)

	c, err := Parse([]byte("actions:\n  tokens:\n    - name: ha\n      token_file: " + short + "\n"))
	require.NoError(t, err)
	err = c.CheckFiles()
	require.ErrorContains(t, err, `actions token "ha": token file `+short+": the token is shorter")

	_, err = Parse([]byte("actions:\n  tokens:\n    - name: ha\n      token: tooShortInline\n"))
	require.ErrorContains(t, err, "actions.tokens[0]: the token is shorter than 32 characters")
	require.NotContains(t, err.Error(), "tooShortInline")
	_, err = ActionsToken{Name: "x", Token: "tooShortInline"}.Resolve()
	require.Error(t, err, "a configuration built without Parse is checked too")
	_, err = Parse([]byte("actions:\n  tokens:\n    - name: ha\n      token: " + good + "\n"))
	require.NoError(t, err)
}

// TestReadableSecrets: one warning line per secret file that group or
// others can read, naming the file and the fix; none for 0600 files.
func TestReadableSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("the-secret-value\n"), 0o600))
		require.NoError(t, os.Chmod(p, mode))
		return p
	}
	world, group, private := write("world", 0o644), write("group", 0o640), write("private", 0o600)
	require.NoError(t, CheckSecretFileMode(private))
	require.ErrorContains(t, CheckSecretFileMode(world), "mode 0644: group or others can read it; run chmod 600 "+world)
	require.Error(t, CheckSecretFileMode(group))
	require.NoError(t, CheckSecretFileMode(filepath.Join(dir, "missing")), "reading it reports that")

	c := &Config{
		Targets:  []TargetConfig{{Name: "a", PasswordFile: group}},
		Actions:  ActionsConfig{Tokens: []ActionsToken{{Name: "ha", TokenFile: world}}},
		InfluxDB: []InfluxDBConfig{{TokenFile: private}},
	}
	var log strings.Builder
	WarnReadableSecrets(slog.New(slog.NewTextHandler(&log, nil)), append(c.SecretFiles(), world, "")...)
	require.Equal(t, 2, strings.Count(log.String(), "level=WARN"), log.String())
	require.Contains(t, log.String(), world)
	require.Contains(t, log.String(), group)
	require.NotContains(t, log.String(), private)
	require.NotContains(t, log.String(), "the-secret-value")
}
