package federation

import (
	"errors"
	"strings"
	"testing"

	"github.com/village-social/village/federation/jsonguard"
)

// ParseObject refuses what the door's JSON guard refuses, whichever road
// the bytes took to it.
func TestParseObjectRefusesJSONBeyondTheGuardsLimits(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      error
	}{
		{"65 levels", `{"type":"Like","x":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`, jsonguard.ErrTooDeep},
		{"10,001 elements", `{"type":"Like","to":[` + strings.TrimSuffix(strings.Repeat(`"a",`, 10_001), ",") + `]}`, jsonguard.ErrTooManyElements},
		{"1,001 keys", `{"type":"Like","x":{` + strings.TrimSuffix(strings.Repeat(`"k":1,`, 1_001), ",") + `}}`, jsonguard.ErrTooManyKeys},
	} {
		t.Run(c.name, func(t *testing.T) {
			if o, err := ParseObject([]byte(c.doc)); !errors.Is(err, c.want) {
				t.Fatalf("got %v, %v; want %v", o.Type(), err, c.want)
			}
		})
	}
	if _, err := ParseObject([]byte(`{"type":"Like","x":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`)); err != nil {
		t.Fatalf("64 levels refused: %v", err)
	}
}
