package federation

import (
	"errors"
	"testing"
)

func TestSplitHandleTakesHandlesOfEveryShape(t *testing.T) {
	for handle, want := range map[string][2]string{
		"@alice@social.example":         {"alice", "social.example"},
		"alice@Social.EXAMPLE":          {"alice", "social.example"},
		"acct:moms@127.0.0.3:8080":      {"moms", "127.0.0.3:8080"},
		" @rosa@[::1]:8080 ":            {"rosa", "[::1]:8080"},
		"@anna.b-c_d@xn--mnchen-3ya.de": {"anna.b-c_d", "xn--mnchen-3ya.de"},
	} {
		name, host, err := SplitHandle(handle)
		if err != nil || name != want[0] || host != want[1] {
			t.Errorf("SplitHandle(%q) = %q, %q, %v; want %q, %q", handle, name, host, err, want[0], want[1])
		}
	}
}

func TestSplitHandleRefusesWhatIsNoUserAtAHost(t *testing.T) {
	for _, handle := range []string{
		"", "@", "@@", "alice", "@alice@", "@@host", "@a@b@c", "@a/b@host", "@a@host/path", "@a@host?q", "@a@host#f",
		"@a@user:pw",     // a port that is no number
		"@a@host:80:90",  // two ports
		"@a@ho st",       // a space
		"@a@ho\tst",      // a control character
		"@a\n@host",      // a line break in the name
		"@a@h%2Fst",      // an escape
		"@a@h\\st",       // a backslash browsers read as a slash
		"@a:b@host",      // a colon in the name
		"@<script>@host", // markup in the name
		"@a@:8080",       // a port and no host
	} {
		if name, host, err := SplitHandle(handle); !errors.Is(err, ErrNotActor) {
			t.Errorf("SplitHandle(%q) = %q, %q, %v; want ErrNotActor", handle, name, host, err)
		}
	}
}
