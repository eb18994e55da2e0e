package jsonguard

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// nested is depth levels of arrays (or objects) around inner.
func nested(depth int, object bool, inner string) string {
	open, end := "[", "]"
	if object {
		open, end = `{"a":`, "}"
	}
	return strings.Repeat(open, depth) + inner + strings.Repeat(end, depth)
}

// array is a JSON array of n small numbers.
func array(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]"
}

// object is a JSON object of n members.
func object(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteString("}")
	return b.String()
}

func TestCheckAcceptsJSONWithinTheLimits(t *testing.T) {
	for _, c := range []struct{ name, doc string }{
		{"an activity", `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.example/1","type":"Like","actor":"https://a.example/u","object":"https://b.example/n","to":["https://www.w3.org/ns/activitystreams#Public"]}`},
		{"every scalar", `[true,false,null,0,-0,1.5,-2e10,3E+2,4e-2,"s","\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00",{}]`},
		{"white space around and inside", " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n"},
		{"a scalar alone", `"just a string"`},
		{"64 levels of arrays", nested(64, false, "1")},
		{"64 levels of objects", nested(64, true, `"x"`)},
		{"64 levels of empty arrays", nested(63, false, "[]")},
		{"brackets in strings are not nesting", `{"a":"` + strings.Repeat("[{", 500) + `"}`},
		{"escaped quotes do not end strings", `["\"[[[[[[\"", "\\"]`},
		{"an array of 10,000 elements", array(10_000)},
		{"an object of 1,000 keys", object(1_000)},
		{"many arrays of 10,000 elements", "[" + strings.TrimSuffix(strings.Repeat(array(10_000)+",", 3), ",") + "]"},
		{"a number of 100 characters", "1" + strings.Repeat("0", 99)},
		{"the largest float64", "1.7976931348623157e308"},
		{"an underflow, which is zero", "1e-400"},
		{"invalid UTF-8 in a string, as encoding/json takes it", "\"\xff\xfe\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := Check([]byte(c.doc)); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

func TestCheckRefusesWhatGoesBeyondTheLimits(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      error
	}{
		{"65 levels of arrays", nested(65, false, "1"), ErrTooDeep},
		{"65 levels of objects", nested(65, true, `"x"`), ErrTooDeep},
		{"65 levels of mixed containers", strings.Repeat(`[{"a":`, 33) + "1" + strings.Repeat("}]", 33), ErrTooDeep},
		{"100,000 levels, unclosed", strings.Repeat("[", 100_000), ErrTooDeep},
		{"an array of 10,001 elements", array(10_001), ErrTooManyElements},
		{"a long array deep inside", nested(10, true, array(10_001)), ErrTooManyElements},
		{"an object of 1,001 keys", object(1_001), ErrTooManyKeys},
		{"1,001 members under one repeated key", "{" + strings.TrimSuffix(strings.Repeat(`"a":1,`, 1_001), ",") + "}", ErrTooManyKeys},
		{"a number of 101 characters", "1" + strings.Repeat("0", 100), ErrNumber},
		{"a number beyond float64", "1e309", ErrNumber},
		{"a negative number beyond float64", `{"n":-1e99999}`, ErrNumber},
		{"empty input", "", ErrSyntax},
		{"white space only", " \n ", ErrSyntax},
		{"two values", `{} {}`, ErrSyntax},
		{"trailing garbage", `{"a":1}x`, ErrSyntax},
		{"an unclosed object", `{"a":1`, ErrSyntax},
		{"an unclosed string", `["abc`, ErrSyntax},
		{"a trailing comma in an array", `[1,]`, ErrSyntax},
		{"a trailing comma in an object", `{"a":1,}`, ErrSyntax},
		{"a missing colon", `{"a" 1}`, ErrSyntax},
		{"a key that is no string", `{a:1}`, ErrSyntax},
		{"a mismatched closer", `[1}`, ErrSyntax},
		{"single quotes", `{'a':1}`, ErrSyntax},
		{"a control character in a string", "\"a\nb\"", ErrSyntax},
		{"a bad escape", `"\x41"`, ErrSyntax},
		{"a short unicode escape", `"\u12"`, ErrSyntax},
		{"a leading zero", `01`, ErrSyntax},
		{"a bare minus", `-`, ErrSyntax},
		{"a point with no digits", `1.`, ErrSyntax},
		{"an exponent with no digits", `1e+`, ErrSyntax},
		{"a truncated literal", `tru`, ErrSyntax},
		{"NaN", `NaN`, ErrSyntax},
		{"a byte order mark", "\xef\xbb\xbf{}", ErrSyntax},
		{"a NUL byte", "{\x00}", ErrSyntax},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Check([]byte(c.doc))
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(c.doc) {
				t.Errorf("error %v does not say where (offset of %d bytes)", err, len(c.doc))
			}
		})
	}
}

func TestCheckErrorsNameTheLimitAndThePlace(t *testing.T) {
	err := Check([]byte(nested(65, false, "1")))
	if got, want := err.Error(), "JSON nested too deep (more than 64 levels) at byte 64"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIsBlankTellsAnEmptyBodyFromJSON(t *testing.T) {
	for doc, want := range map[string]bool{"": true, " \r\n\t": true, "{}": false, " x": false, "\x00": false} {
		if got := IsBlank([]byte(doc)); got != want {
			t.Errorf("IsBlank(%q) = %v, want %v", doc, got, want)
		}
	}
}

func BenchmarkCheckActivity(b *testing.B) {
	doc := []byte(`{"@context":["https://www.w3.org/ns/activitystreams",{"toot":"http://joinmastodon.org/ns#","sensitive":"as:sensitive"}],"id":"https://a.example/users/u/statuses/1/activity","type":"Create","actor":"https://a.example/users/u","published":"2026-12-06T10:00:00Z","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://a.example/users/u/followers","https://village.example/groups/moms"],"object":{"id":"https://a.example/users/u/statuses/1","type":"Note","attributedTo":"https://a.example/users/u","content":"<p>Anyone know a pediatrician near Prospect Park? \u00e9</p>","tag":[{"type":"Mention","href":"https://village.example/groups/moms","name":"@moms@village.example"}],"sensitive":false,"attachment":[]}}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if err := Check(doc); err != nil {
			b.Fatal(err)
		}
	}
}
