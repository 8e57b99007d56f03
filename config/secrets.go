package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// MinActionsTokenLength is the shortest /actions token accepted: the token
// starts upgrades of a datacenter, so it must be out of reach of guessing
// (`openssl rand -hex 16` prints 32 characters).
const MinActionsTokenLength = 32

var errShortToken = fmt.Errorf("the token is shorter than %d characters; generate one with `openssl rand -hex 32`", MinActionsTokenLength)

// ReadTokenFile reads a token file; an empty token is an error.
func ReadTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	return tok, nil
}

// ReadActionsTokenFile reads the token file of the /actions API, which must
// hold at least MinActionsTokenLength characters. The error names the
// file, never the token.
func ReadActionsTokenFile(path string) (string, error) {
	tok, err := ReadTokenFile(path)
	if err != nil {
		return "", err
	}
	if len(tok) < MinActionsTokenLength {
		return "", fmt.Errorf("token file %s: %w", path, errShortToken)
	}
	return tok, nil
}

// SecretFiles lists the files of c that hold secrets: target passwords,
// /actions tokens and InfluxDB tokens.
func (c *Config) SecretFiles() []string {
	var out []string
	for _, t := range c.Targets {
		out = append(out, t.PasswordFile)
	}
	for _, t := range c.Actions.Tokens {
		out = append(out, t.TokenFile)
	}
	for _, s := range c.InfluxDB {
		out = append(out, s.TokenFile)
	}
	return out
}

// SecretWarnings is the subscriber that runs WarnReadableSecrets at
// every (re)load on the configuration's secret files and flagFiles, the
// flags' own.
func SecretWarnings(logger *slog.Logger, flagFiles ...string) func(*Config) error {
	return func(c *Config) error {
		WarnReadableSecrets(logger, append(c.SecretFiles(), flagFiles...)...)
		return nil
	}
}

// WarnReadableSecrets logs one line for each file that group or others
// may read (empty paths are skipped). Such a file still works: refusing it
// would break running setups on a reload; the line says how to fix it.
func WarnReadableSecrets(logger *slog.Logger, paths ...string) {
	seen := map[string]bool{}
	for _, p := range paths {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if err := CheckSecretFileMode(p); err != nil {
			logger.Warn("secret file readable by others", "err", err)
		}
	}
}

// CheckSecretFileMode returns an error when group or others may read the
// file at path.
func CheckSecretFileMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // reading it reports that
		}
		return err
	}
	if mode := fi.Mode().Perm(); mode&0o044 != 0 {
		return fmt.Errorf("%s has mode %#o: group or others can read it; run chmod 600 %s", path, mode, path)
	}
	return nil
}
