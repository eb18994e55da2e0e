package signature

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file reads and writes the subset of RFC 8941 Structured Field Values
// that RFC 9421 needs: a Dictionary whose members are Items or Inner Lists,
// with Parameters, and the bare item types Integer, String, Token, Byte
// Sequence and Boolean. Decimals, which no signature field uses, are refused.
//
// It is stricter than RFC 8941 in one way: a dictionary key given twice is an
// error (RFC 8941 lets the last one win), since two readers of a signature
// could otherwise pick different members.

// Bounds on what a header may hold, so that a hostile one costs little.
const (
	sfMaxLen     = 8 << 10 // bytes in one field value
	sfMaxMembers = 16      // dictionary members
	sfMaxItems   = 64      // items in one inner list
	sfMaxParams  = 16      // parameters on one item or list
)

// sfKind is the type of a bare item.
type sfKind int

const (
	sfInteger sfKind = iota + 1
	sfString
	sfToken
	sfBytes
	sfBoolean
)

// sfBare is a bare item.
type sfBare struct {
	kind  sfKind
	num   int64  // sfInteger
	str   string // sfString, sfToken
	bytes []byte // sfBytes
	flag  bool   // sfBoolean
}

type sfParam struct {
	name  string
	value sfBare
}

type sfParams []sfParam

// get returns the value of the named parameter.
func (ps sfParams) get(name string) (sfBare, bool) {
	for _, p := range ps {
		if p.name == name {
			return p.value, true
		}
	}
	return sfBare{}, false
}

// sfItem is a bare item with its parameters.
type sfItem struct {
	value  sfBare
	params sfParams
}

// sfMember is a dictionary member: an item, or an inner list of items with
// the list's parameters.
type sfMember struct {
	name   string
	inner  bool
	item   sfItem   // when !inner
	list   []sfItem // when inner
	params sfParams // of the inner list, when inner
}

// errSF marks every parse error of this file.
var errSF = errors.New("structured field")

// parseDictionary reads a Dictionary field value (RFC 8941 section 4.2.2).
func parseDictionary(s string) ([]sfMember, error) {
	if len(s) > sfMaxLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", errSF, len(s), sfMaxLen)
	}
	p := &sfParser{s: s}
	p.skipSP()
	var out []sfMember
	seen := make(map[string]bool)
	for !p.done() {
		name, err := p.key()
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: dictionary key %q given twice", errSF, name)
		}
		seen[name] = true
		m := sfMember{name: name}
		if p.peek() == '=' {
			p.i++
			if p.peek() == '(' {
				m.inner = true
				if m.list, m.params, err = p.innerList(); err != nil {
					return nil, err
				}
			} else if m.item, err = p.item(); err != nil {
				return nil, err
			}
		} else {
			m.item.value = sfBare{kind: sfBoolean, flag: true}
			if m.item.params, err = p.parameters(); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
		if len(out) > sfMaxMembers {
			return nil, fmt.Errorf("%w: more than %d dictionary members", errSF, sfMaxMembers)
		}
		p.skipOWS()
		if p.done() {
			break
		}
		if p.peek() != ',' {
			return nil, fmt.Errorf("%w: expected ',' at byte %d", errSF, p.i)
		}
		p.i++
		p.skipOWS()
		if p.done() {
			return nil, fmt.Errorf("%w: trailing comma", errSF)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty dictionary", errSF)
	}
	return out, nil
}

type sfParser struct {
	s string
	i int
}

func (p *sfParser) done() bool { return p.i >= len(p.s) }

func (p *sfParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

func (p *sfParser) skipSP() {
	for !p.done() && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// key reads a key: lcalpha or "*", then lcalpha, digits, "_-.*".
func (p *sfParser) key() (string, error) {
	start := p.i
	if c := p.peek(); !(isLCAlpha(c) || c == '*') {
		return "", fmt.Errorf("%w: expected a key at byte %d", errSF, p.i)
	}
	p.i++
	for !p.done() {
		c := p.s[p.i]
		if !(isLCAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*') {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

// innerList reads "(" items ")" and the list's parameters.
func (p *sfParser) innerList() ([]sfItem, sfParams, error) {
	p.i++ // "("
	items := []sfItem{}
	for {
		p.skipSP()
		if p.done() {
			return nil, nil, fmt.Errorf("%w: unterminated inner list", errSF)
		}
		if p.peek() == ')' {
			p.i++
			params, err := p.parameters()
			if err != nil {
				return nil, nil, err
			}
			return items, params, nil
		}
		it, err := p.item()
		if err != nil {
			return nil, nil, err
		}
		items = append(items, it)
		if len(items) > sfMaxItems {
			return nil, nil, fmt.Errorf("%w: more than %d items in an inner list", errSF, sfMaxItems)
		}
		if c := p.peek(); c != ' ' && c != ')' {
			return nil, nil, fmt.Errorf("%w: expected ' ' or ')' at byte %d", errSF, p.i)
		}
	}
}

// item reads a bare item and its parameters.
func (p *sfParser) item() (sfItem, error) {
	v, err := p.bare()
	if err != nil {
		return sfItem{}, err
	}
	params, err := p.parameters()
	if err != nil {
		return sfItem{}, err
	}
	return sfItem{value: v, params: params}, nil
}

// parameters reads any number of ";key[=value]". A repeated name is an error.
func (p *sfParser) parameters() (sfParams, error) {
	var out sfParams
	for p.peek() == ';' {
		p.i++
		p.skipSP()
		name, err := p.key()
		if err != nil {
			return nil, err
		}
		v := sfBare{kind: sfBoolean, flag: true}
		if p.peek() == '=' {
			p.i++
			if v, err = p.bare(); err != nil {
				return nil, err
			}
		}
		if _, dup := out.get(name); dup {
			return nil, fmt.Errorf("%w: parameter %q given twice", errSF, name)
		}
		out = append(out, sfParam{name: name, value: v})
		if len(out) > sfMaxParams {
			return nil, fmt.Errorf("%w: more than %d parameters", errSF, sfMaxParams)
		}
	}
	return out, nil
}

// bare reads an Integer, String, Token, Byte Sequence or Boolean.
func (p *sfParser) bare() (sfBare, error) {
	switch c := p.peek(); {
	case c == '-' || isDigit(c):
		return p.integer()
	case c == '"':
		return p.string()
	case c == ':':
		return p.byteSequence()
	case c == '?':
		return p.boolean()
	case isAlpha(c) || c == '*':
		return p.token(), nil
	}
	return sfBare{}, fmt.Errorf("%w: expected an item at byte %d", errSF, p.i)
}

// integer reads up to 15 digits, optionally negative. Decimals are refused.
func (p *sfParser) integer() (sfBare, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	digits := p.i
	for !p.done() && isDigit(p.s[p.i]) {
		p.i++
	}
	if n := p.i - digits; n == 0 || n > 15 {
		return sfBare{}, fmt.Errorf("%w: bad integer at byte %d", errSF, start)
	}
	if p.peek() == '.' {
		return sfBare{}, fmt.Errorf("%w: decimals are not used by signatures (byte %d)", errSF, start)
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil {
		return sfBare{}, fmt.Errorf("%w: bad integer at byte %d", errSF, start)
	}
	return sfBare{kind: sfInteger, num: n}, nil
}

// string reads a quoted string of printable ASCII; only \" and \\ escape.
func (p *sfParser) string() (sfBare, error) {
	start := p.i
	p.i++
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\\':
			if p.done() || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
				return sfBare{}, fmt.Errorf("%w: bad escape in string at byte %d", errSF, p.i)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c == '"':
			return sfBare{kind: sfString, str: b.String()}, nil
		case c < 0x20 || c > 0x7e:
			return sfBare{}, fmt.Errorf("%w: non-printable byte in string at byte %d", errSF, p.i-1)
		default:
			b.WriteByte(c)
		}
	}
	return sfBare{}, fmt.Errorf("%w: unterminated string at byte %d", errSF, start)
}

// token reads a token: ALPHA or "*", then tchar, ":" and "/".
func (p *sfParser) token() sfBare {
	start := p.i
	p.i++
	for !p.done() {
		c := p.s[p.i]
		if !(isTokenChar(c) || c == ':' || c == '/') {
			break
		}
		p.i++
	}
	return sfBare{kind: sfToken, str: p.s[start:p.i]}
}

// byteSequence reads ":base64:" (standard alphabet; padding as sent).
func (p *sfParser) byteSequence() (sfBare, error) {
	start := p.i
	p.i++
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 {
		return sfBare{}, fmt.Errorf("%w: unterminated byte sequence at byte %d", errSF, start)
	}
	enc := p.s[p.i : p.i+end]
	p.i += end + 1
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !(isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=') {
			return sfBare{}, fmt.Errorf("%w: bad byte in byte sequence at byte %d", errSF, start+1+i)
		}
	}
	b, err := decodeBase64(enc)
	if err != nil {
		return sfBare{}, fmt.Errorf("%w: byte sequence is not base64: %w", errSF, err)
	}
	return sfBare{kind: sfBytes, bytes: b}, nil
}

func (p *sfParser) boolean() (sfBare, error) {
	p.i++
	switch p.peek() {
	case '1':
		p.i++
		return sfBare{kind: sfBoolean, flag: true}, nil
	case '0':
		p.i++
		return sfBare{kind: sfBoolean, flag: false}, nil
	}
	return sfBare{}, fmt.Errorf("%w: bad boolean at byte %d", errSF, p.i)
}

func isLCAlpha(c byte) bool { return 'a' <= c && c <= 'z' }
func isAlpha(c byte) bool   { return isLCAlpha(c) || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool   { return '0' <= c && c <= '9' }

// Serialization (RFC 8941 section 4.1), as the signature base needs it.

func (v sfBare) serialize(b *strings.Builder) {
	switch v.kind {
	case sfInteger:
		b.WriteString(strconv.FormatInt(v.num, 10))
	case sfString:
		b.WriteByte('"')
		for i := 0; i < len(v.str); i++ {
			if v.str[i] == '"' || v.str[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v.str[i])
		}
		b.WriteByte('"')
	case sfToken:
		b.WriteString(v.str)
	case sfBytes:
		b.WriteByte(':')
		b.WriteString(base64.StdEncoding.EncodeToString(v.bytes))
		b.WriteByte(':')
	case sfBoolean:
		if v.flag {
			b.WriteString("?1")
		} else {
			b.WriteString("?0")
		}
	}
}

func (ps sfParams) serialize(b *strings.Builder) {
	for _, p := range ps {
		b.WriteByte(';')
		b.WriteString(p.name)
		if p.value.kind == sfBoolean && p.value.flag {
			continue
		}
		b.WriteByte('=')
		p.value.serialize(b)
	}
}

func (it sfItem) serialize(b *strings.Builder) {
	it.value.serialize(b)
	it.params.serialize(b)
}

// serializeInnerList writes "(item item);params".
func serializeInnerList(b *strings.Builder, items []sfItem, params sfParams) {
	b.WriteByte('(')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(' ')
		}
		it.serialize(b)
	}
	b.WriteByte(')')
	params.serialize(b)
}

// serializeDictionary writes members as a Dictionary field value.
func serializeDictionary(members []sfMember) string {
	var b strings.Builder
	for i, m := range members {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.name)
		switch {
		case m.inner:
			b.WriteByte('=')
			serializeInnerList(&b, m.list, m.params)
		case m.item.value.kind == sfBoolean && m.item.value.flag:
			m.item.params.serialize(&b)
		default:
			b.WriteByte('=')
			m.item.serialize(&b)
		}
	}
	return b.String()
}
