package decbench

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"sync"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	gojson "github.com/goccy/go-json"
	segjson "github.com/segmentio/encoding/json"
)

type tokDec interface {
	Token() (stdjson.Token, error)
	More() bool
	Decode(any) error
}

// v1-style token walk, generic over API-compatible decoders.
func walkV1(dec tokDec, fn func(*hostWire)) error {
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok != "elements" {
			var skip stdjson.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		for dec.More() {
			var w hostWire
			if err := dec.Decode(&w); err != nil {
				return err
			}
			fn(&w)
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

type gojsonDec struct{ *gojson.Decoder }

func (d gojsonDec) Token() (stdjson.Token, error) { t, err := d.Decoder.Token(); return t, err }

func walkV2(dec *jsontext.Decoder, fn func(*hostWire)) error {
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

// pipelined: one goroutine splits raw elements (validating), another unmarshals.
func walkPipe(dec *jsontext.Decoder, fn func(*hostWire)) error {
	type batch struct {
		buf  []byte
		ends []int
	}
	ch := make(chan batch, 4)
	pool := sync.Pool{New: func() any { return batch{buf: make([]byte, 0, 256<<10)} }}
	var werr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range ch {
			start := 0
			for _, e := range b.ends {
				var w hostWire
				if werr == nil {
					if err := jsonv2.Unmarshal(b.buf[start:e], &w); err != nil {
						werr = err
					}
				}
				fn(&w)
				start = e
			}
			b.buf, b.ends = b.buf[:0], b.ends[:0]
			pool.Put(b)
		}
	}()
	err := func() error {
		defer close(ch)
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
			b := pool.Get().(batch)
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return err
				}
				b.buf = append(b.buf, v...)
				b.ends = append(b.ends, len(b.buf))
				if len(b.buf) >= 200<<10 {
					ch <- b
					b = pool.Get().(batch)
				}
			}
			ch <- b
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
		}
		_, err := dec.ReadToken()
		return err
	}()
	<-done
	if err != nil {
		return err
	}
	return werr
}

func bench(b *testing.B, f func([]byte) (int, error)) {
	body := getBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		n, err := f(body)
		if err != nil || n != 10000 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	b.Logf("body %d", len(getBody(b)))
	b.Run("v1-stream", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			n := 0
			err := walkV1(stdjson.NewDecoder(bytes.NewReader(body)), func(*hostWire) { n++ })
			return n, err
		})
	})
	b.Run("goccy-stream", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			n := 0
			err := walkV1(gojsonDec{gojson.NewDecoder(bytes.NewReader(body))}, func(*hostWire) { n++ })
			return n, err
		})
	})
	b.Run("segmentio-unmarshal-whole", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			var p struct {
				Elements []hostWire `json:"elements"`
			}
			err := segjson.Unmarshal(body, &p)
			return len(p.Elements), err
		})
	})
	b.Run("goccy-unmarshal-whole", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			var p struct {
				Elements []hostWire `json:"elements"`
			}
			err := gojson.Unmarshal(body, &p)
			return len(p.Elements), err
		})
	})
	b.Run("v2exp-stream", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			n := 0
			err := walkV2(jsontext.NewDecoder(bytes.NewReader(body)), func(*hostWire) { n++ })
			return n, err
		})
	})
	b.Run("v2exp-pipe2", func(b *testing.B) {
		bench(b, func(body []byte) (int, error) {
			n := 0
			err := walkPipe(jsontext.NewDecoder(bytes.NewReader(body)), func(*hostWire) { n++ })
			return n, err
		})
	})
}

var _ = fmt.Sprint

func stdjsonNewDecoder(r *bytes.Reader) *stdjson.Decoder { return stdjson.NewDecoder(r) }
