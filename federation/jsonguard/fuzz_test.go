package jsonguard

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// reference decides the same question as check by another road: a
// recursive walk over encoding/json's Decoder.Token, which validates the
// syntax, counting depth, elements and keys, and reading numbers the way
// encoding/json's decoding of a float64 does.
func reference(b []byte, lim limits) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var value func(depth int) error
	value = func(depth int) error {
		tok, err := dec.Token()
		if err != nil {
			return ErrSyntax
		}
		switch tok := tok.(type) {
		case json.Number:
			if len(tok) > lim.number {
				return ErrNumber
			}
			if _, err := tok.Float64(); err != nil {
				return ErrNumber
			}
		case json.Delim:
			if tok == ']' || tok == '}' {
				return ErrSyntax
			}
			if depth+1 > lim.depth {
				return ErrTooDeep
			}
			n := 0
			for dec.More() {
				n++
				if tok == '{' {
					if n > lim.keys {
						return ErrTooManyKeys
					}
					if k, err := dec.Token(); err != nil {
						return ErrSyntax
					} else if _, ok := k.(string); !ok {
						return ErrSyntax
					}
				} else if n > lim.elements {
					return ErrTooManyElements
				}
				if err := value(depth + 1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // the closer
				return ErrSyntax
			}
		}
		return nil
	}
	if err := value(0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrSyntax
	}
	return nil
}

// FuzzCheck: check accepts exactly what the reference accepts, with the
// package's limits and with small ones (so that the fuzzer reaches them),
// never panics, and anything it accepts decodes with encoding/json.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		`{"@context":"https://www.w3.org/ns/activitystreams","type":"Like","object":["a",{"b":[1,2.5e3,-0]}]}`,
		`[[[[[[[[1]]]]]]]]`, `{"a":{"b":{"c":{"d":{"e":{}}}}}}`, `[1,2,3,4,5,6]`, `{"a":1,"b":2,"c":3,"a":4}`,
		`"[[[[{{{{"`, `"\u00e9\n\"\\"`, `1e309`, `123456789012345678901234567890`, `[1,]`, `{"a" 1}`, ` `, `[}`,
		"\"\xff\"", `true false`, `nul`,
	} {
		f.Add([]byte(seed))
	}
	small := limits{depth: 5, elements: 5, keys: 3, number: 12}
	full := limits{depth: MaxDepth, elements: MaxArrayElements, keys: MaxObjectKeys, number: MaxNumberLength}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, lim := range []limits{small, full} {
			got, want := check(b, lim), reference(b, lim)
			if (got == nil) != (want == nil) {
				t.Fatalf("limits %+v: check says %v, the reference %v, for %q", lim, got, want, b)
			}
		}
		if check(b, full) == nil {
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("accepted %q, which encoding/json refuses: %v", b, err)
			}
		}
	})
}
