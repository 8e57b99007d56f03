package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/actions"
)

// decode reads an optional JSON request body into the struct v. The body
// must be one JSON object whose keys are exactly (case-sensitively) v's json
// field names, each at most once: encoding/json alone would accept
// {"dry_run":true,"dry_run":false} (last wins), "DRY_RUN" and null, and a
// request meant as a dry run could start an upgrade.
func decode(body []byte, v any) error {
	if body == nil {
		return nil
	}
	if err := checkObject(body, jsonFields(v)); err != nil {
		return badRequest("malformed JSON body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("malformed JSON body: trailing data")
	}
	return nil
}

// bodyError is a malformed request body: a 400, as the engine's
// ErrInvalid.
type bodyError struct{ msg string }

func (e *bodyError) Error() string { return e.msg }

func (e *bodyError) Unwrap() error { return actions.ErrInvalid }

func badRequest(format string, args ...any) error {
	return &bodyError{fmt.Sprintf(format, args...)}
}

// checkObject checks that b is a single JSON object with keys from allowed,
// none repeated. Values are checked for duplicate keys too.
func checkObject(b []byte, allowed map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return fmt.Errorf("the body must be a JSON object, not %s", tokenKind(t))
	}
	return checkMembers(dec, allowed)
}

// checkMembers reads an object's members after its '{' up to its '}'.
func checkMembers(dec *json.Decoder, allowed map[string]bool) error {
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string) // the decoder only yields strings as keys
		if seen[k] {
			return fmt.Errorf("duplicate key %q", k)
		}
		seen[k] = true
		if allowed != nil && !allowed[k] {
			return fmt.Errorf("unknown key %q (keys are case-sensitive)", k)
		}
		if err := checkValue(dec); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

func checkValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch t {
	case json.Delim('{'):
		return checkMembers(dec, nil)
	case json.Delim('['):
		for dec.More() {
			if err := checkValue(dec); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil
}

func tokenKind(t json.Token) string {
	switch t.(type) {
	case nil:
		return "null"
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", t)
}

// jsonFields returns the json names of the struct v points to.
func jsonFields(v any) map[string]bool {
	rt := reflect.TypeOf(v)
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	out := map[string]bool{}
	if rt.Kind() != reflect.Struct {
		panic(errors.New("actions: decode needs a struct"))
	}
	for f := range rt.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}
