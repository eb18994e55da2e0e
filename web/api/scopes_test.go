package api

import "testing"

func TestScopesGrantWhatMastodonsDo(t *testing.T) {
	for _, c := range []struct {
		granted  []string
		required string
		want     bool
	}{
		{[]string{"read"}, "read:statuses", true},
		{[]string{"read"}, "write:statuses", false},
		{[]string{"read:statuses"}, "read:statuses", true},
		{[]string{"read:statuses"}, "read:accounts", false},
		{[]string{"write"}, "write:media", true},
		{[]string{"write:statuses"}, "write:favourites", false},
		{[]string{"follow"}, "write:follows", true},
		{[]string{"follow"}, "read:mutes", true},
		{[]string{"follow"}, "write:statuses", false},
		{[]string{"read"}, "admin:read:reports", false},
		{[]string{"admin:read"}, "admin:read:reports", true},
		{[]string{"admin:read"}, "admin:write:reports", false},
		{[]string{"profile"}, "profile", true},
		{nil, "read:statuses", false},
	} {
		if got := scopeGranted(c.granted, c.required); got != c.want {
			t.Errorf("%v grants %s: %v, want %v", c.granted, c.required, got, c.want)
		}
	}
}
