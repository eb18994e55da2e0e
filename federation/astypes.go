package federation

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/village-social/village/federation/jsonguard"
)

// Incoming documents are read with encoding/json into maps, not go-fed's
// streams.ToType: that costs ~10x the time and allocations on the inbox's
// hot path, and real servers send shapes (single values for arrays, compacted
// JSON-LD, unknown extensions) that plain reading tolerates.

// Object is a decoded JSON-LD object.
type Object map[string]any

// ParseObject decodes a JSON object. A document nested deeper or wider than
// jsonguard allows is refused before it is decoded, whichever door it came
// through.
func ParseObject(b []byte) (Object, error) {
	if err := jsonguard.Check(b); err != nil {
		return nil, err
	}
	var o Object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errNotObject
	}
	return o, nil
}

type parseError string

func (e parseError) Error() string { return string(e) }

const errNotObject = parseError("not a JSON object")

// ID is the object's id.
func (o Object) ID() string { return str(o["id"]) }

// Type is the object's type (the first one when several are given).
func (o Object) Type() string {
	switch t := o["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if s, ok := v.(string); ok {
				return s
			}
		}
	}
	return ""
}

// String is a string property.
func (o Object) String(key string) string { return str(o[key]) }

// Bool is a boolean property.
func (o Object) Bool(key string) bool { b, _ := o[key].(bool); return b }

// Ref is the id of a property that may be an IRI, an embedded object with an
// id, or a one-element array of either (as compacted JSON-LD allows).
func (o Object) Ref(key string) string { return refOf(o[key]) }

// Refs are the ids of a property that may be one value or an array.
func (o Object) Refs(key string) []string {
	switch v := o[key].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if r := refOf(x); r != "" {
				out = append(out, r)
			}
		}
		return out
	case nil:
		return nil
	default:
		if r := refOf(v); r != "" {
			return []string{r}
		}
		return nil
	}
}

// Embedded is a property given as an embedded object (the first if an array).
func (o Object) Embedded(key string) Object {
	switch v := o[key].(type) {
	case map[string]any:
		return Object(v)
	case []any:
		if len(v) > 0 {
			if m, ok := v[0].(map[string]any); ok {
				return Object(m)
			}
		}
	}
	return nil
}

func refOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if id, ok := x["id"].(string); ok {
			return id
		}
		if href, ok := x["href"].(string); ok { // a Link
			return href
		}
	case []any:
		if len(x) > 0 {
			return refOf(x[0])
		}
	}
	return ""
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			if s, ok := x[0].(string); ok {
				return s
			}
		}
	}
	return ""
}

// SameOrigin reports whether two URLs share scheme, host and port: the rule
// by which one server may speak only for its own objects.
func SameOrigin(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil || ua.Host == "" {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil || ub.Host == "" {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

// Host is the host[:port] of a URL, lowercased; "" if it has none.
func Host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}
