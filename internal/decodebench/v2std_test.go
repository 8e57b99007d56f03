//go:build goexperiment.jsonv2

package decbench

import (
	"bytes"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"testing"
)

func walkStdV2(dec *jsontext.Decoder, fn func(*hostWire)) error {
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if tok.String() != "elements" {
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		for dec.PeekKind() != ']' {
			var w hostWire
			if err := jsonv2.UnmarshalDecode(dec, &w); err != nil {
				return err
			}
			fn(&w)
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

func BenchmarkDecodeStdV2(b *testing.B) {
	b.Run("stdv2-stream", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			n := 0
			err := walkStdV2(jsontext.NewDecoder(bytes.NewReader(body)), func(*hostWire) { n++ })
			return n, err
		})
	})
	b.Run("stdv1-under-jsonv2", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			n := 0
			err := walkV1(stdjsonNewDecoder(bytes.NewReader(body)), func(*hostWire) { n++ })
			return n, err
		})
	})
}
