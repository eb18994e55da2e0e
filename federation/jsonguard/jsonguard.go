// Package jsonguard checks the shape of JSON before anything decodes it.
//
// encoding/json decodes a document of any depth and width (up to its own
// nesting limit of 10,000), building a map or slice for every level and
// element. A hostile peer can make a small body cost much more to decode and
// walk than its size suggests. Check reads the raw bytes once, with no
// allocation per token, and refuses a document that is not valid JSON or
// that goes beyond these limits:
//
//   - MaxDepth (64) levels of nested arrays and objects; a scalar at the top
//     is depth 0, "[]" depth 1. Brackets inside strings are not nesting.
//   - MaxArrayElements (10,000) elements in any one array: real collection
//     pages hold 20 to a few hundred items, addressing lists a few.
//   - MaxObjectKeys (1,000) members in any one object (duplicates count):
//     the largest real objects are JSON-LD contexts of a few dozen terms.
//   - MaxNumberLength (100) bytes in a number literal, and no number outside
//     the range of a float64 (what encoding/json would refuse later anyway).
//
// The total size is bounded by whoever reads the body (request body limits,
// the fetch client's body cap), so these limits need no total token budget.
//
// The package imports nothing of Village's, so every door can use it: the
// inboxes and the client API (web), and every document fetched
// (federation/fetch).
package jsonguard

import (
	"errors"
	"fmt"
	"strconv"
)

// The limits Check applies.
const (
	MaxDepth         = 64
	MaxArrayElements = 10_000
	MaxObjectKeys    = 1_000
	MaxNumberLength  = 100
)

// Sentinel errors: every error of Check wraps exactly one of them.
var (
	// ErrSyntax: the input is not one JSON value (with optional white
	// space around it).
	ErrSyntax = errors.New("not valid JSON")
	// ErrTooDeep: arrays and objects nest deeper than the limit.
	ErrTooDeep = errors.New("JSON nested too deep")
	// ErrTooManyElements: an array has more elements than the limit.
	ErrTooManyElements = errors.New("JSON array too long")
	// ErrTooManyKeys: an object has more members than the limit.
	ErrTooManyKeys = errors.New("JSON object has too many keys")
	// ErrNumber: a number literal is too long or out of a float64's range.
	ErrNumber = errors.New("JSON number too large")
)

// Error is a refusal of Check: what was wrong, and where.
type Error struct {
	Err    error // one of the sentinels
	Offset int   // byte offset in the input where the problem was found
	Limit  int   // the limit exceeded, or 0 for syntax errors
}

// Error implements error, e.g. "JSON nested too deep (more than 64 levels) at byte 64".
func (e *Error) Error() string {
	switch e.Err {
	case ErrTooDeep:
		return fmt.Sprintf("%v (more than %d levels) at byte %d", e.Err, e.Limit, e.Offset)
	case ErrTooManyElements:
		return fmt.Sprintf("%v (more than %d elements) at byte %d", e.Err, e.Limit, e.Offset)
	case ErrTooManyKeys:
		return fmt.Sprintf("%v (more than %d) at byte %d", e.Err, e.Limit, e.Offset)
	case ErrNumber:
		return fmt.Sprintf("%v (at most %d characters, within the range of a float64) at byte %d", e.Err, e.Limit, e.Offset)
	}
	return fmt.Sprintf("%v: unexpected input at byte %d", e.Err, e.Offset)
}

// Unwrap lets errors.Is match the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// limits are what a check enforces; tests use small ones.
type limits struct {
	depth, elements, keys, number int
}

// Check reports whether b is a single JSON value within the package's
// limits; the error is an *Error wrapping one of the sentinels. It never
// decodes anything and allocates only its stack of open containers.
func Check(b []byte) error {
	return check(b, limits{depth: MaxDepth, elements: MaxArrayElements, keys: MaxObjectKeys, number: MaxNumberLength})
}

// IsBlank reports whether b holds nothing but JSON white space: a request
// with a JSON content type and no body.
func IsBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// frame is an open array or object and how many elements or members it
// has had so far.
type frame struct {
	object bool
	count  int
}

type scanner struct {
	b     []byte
	i     int
	lim   limits
	stack []frame
}

func check(b []byte, lim limits) error {
	s := &scanner{b: b, lim: lim}
	if err := s.run(); err != nil {
		return err
	}
	s.space()
	if s.i != len(s.b) {
		return s.fail(ErrSyntax, 0)
	}
	return nil
}

func (s *scanner) fail(err error, limit int) error {
	return &Error{Err: err, Offset: s.i, Limit: limit}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) space() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// peek is the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// run reads one value, iteratively: the stack holds the open containers,
// so no input can make it recurse.
func (s *scanner) run() error {
	for {
		// A value is expected here.
		switch c := s.peek(); c {
		case '{', '[':
			if len(s.stack) >= s.lim.depth {
				return s.fail(ErrTooDeep, s.lim.depth)
			}
			s.i++
			s.stack = append(s.stack, frame{object: c == '{'})
			closer := byte(']')
			if c == '{' {
				closer = '}'
			}
			if s.peek() == closer {
				s.i++
				s.stack = s.stack[:len(s.stack)-1]
				break // the container was the value
			}
			if err := s.element(); err != nil {
				return err
			}
			continue // the first element's value
		case '"':
			if err := s.str(); err != nil {
				return err
			}
		case 't':
			if err := s.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := s.literal("false"); err != nil {
				return err
			}
		case 'n':
			if err := s.literal("null"); err != nil {
				return err
			}
		default:
			if c == '-' || (c >= '0' && c <= '9') {
				if err := s.number(); err != nil {
					return err
				}
				break
			}
			return s.fail(ErrSyntax, 0)
		}
		// A value ended: close what it ends, or go on to the next element.
		for {
			if len(s.stack) == 0 {
				return nil
			}
			top := &s.stack[len(s.stack)-1]
			c := s.peek()
			if c == ',' {
				s.i++
				if err := s.element(); err != nil {
					return err
				}
				break
			}
			if (top.object && c == '}') || (!top.object && c == ']') {
				s.i++
				s.stack = s.stack[:len(s.stack)-1]
				continue
			}
			return s.fail(ErrSyntax, 0)
		}
	}
}

// element counts a new element of the innermost container; in an object it
// reads the member's key and colon, leaving its value next.
func (s *scanner) element() error {
	top := &s.stack[len(s.stack)-1]
	top.count++
	if !top.object {
		if top.count > s.lim.elements {
			return s.fail(ErrTooManyElements, s.lim.elements)
		}
		return nil
	}
	if top.count > s.lim.keys {
		return s.fail(ErrTooManyKeys, s.lim.keys)
	}
	if s.peek() != '"' {
		return s.fail(ErrSyntax, 0)
	}
	if err := s.str(); err != nil {
		return err
	}
	if s.peek() != ':' {
		return s.fail(ErrSyntax, 0)
	}
	s.i++
	return nil
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail(ErrSyntax, 0)
	}
	s.i += len(word)
	return nil
}

// str reads a string whose opening quote is at s.i. Bytes from 0x80 up are
// taken as they are (encoding/json replaces invalid UTF-8; it does not
// refuse it).
func (s *scanner) str() error {
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c < 0x20:
			return s.fail(ErrSyntax, 0)
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return s.fail(ErrSyntax, 0)
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				for range 4 {
					if s.i >= len(s.b) || !isHex(s.b[s.i]) {
						return s.fail(ErrSyntax, 0)
					}
					s.i++
				}
			default:
				return s.fail(ErrSyntax, 0)
			}
		default:
			s.i++
		}
	}
	return s.fail(ErrSyntax, 0)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and checks
// its length and range.
func (s *scanner) number() error {
	start := s.i
	digits := func() bool {
		n := 0
		for s.i < len(s.b) && isDigit(s.b[s.i]) {
			s.i++
			n++
		}
		return n > 0
	}
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case !digits():
		return s.fail(ErrSyntax, 0)
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !digits() {
			return s.fail(ErrSyntax, 0)
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !digits() {
			return s.fail(ErrSyntax, 0)
		}
	}
	lit := s.b[start:s.i]
	if len(lit) > s.lim.number {
		s.i = start
		return s.fail(ErrNumber, s.lim.number)
	}
	if _, err := strconv.ParseFloat(string(lit), 64); err != nil {
		s.i = start
		return s.fail(ErrNumber, s.lim.number)
	}
	return nil
}
