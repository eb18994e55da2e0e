package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
)

// rowCounts counts the rows admin commands may write.
func rowCounts(t *testing.T, url string) map[string]int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	counts := map[string]int{}
	for _, table := range []string{"actors", "accounts", "groups", "group_moderators", "access_tokens"} {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

func TestAdminCommandsCreateAndList(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "VILLAGE_LOG_LEVEL": "warn"}
	steps := []struct {
		args []string
		want []string // substrings of stdout
	}{
		{[]string{"admin", "user", "create", "alice", "--password", "correct horse", "--email", "alice@example.org", "--admin"}, []string{"Created admin alice"}},
		{[]string{"admin", "user", "create", "bob", "--password", "hunter2hunter2"}, []string{"Created user bob"}},
		{[]string{"admin", "group", "create", "park_slope", "--title", "Park Slope Parents", "--summary", "Strollers and coffee",
			"--location", "Park Slope, Brooklyn", "--latitude", "40.67", "--longitude", "-73.98", "--private"}, []string{"Created members-only group park_slope"}},
		{[]string{"admin", "group", "create", "nicu_leeds", "--title", "NICU parents of Leeds"}, []string{"Created public group nicu_leeds"}},
		{[]string{"admin", "group", "moderator", "add", "park_slope", "alice"}, []string{"alice now moderates park_slope"}},
		{[]string{"admin", "user", "list"}, []string{"NAME", "alice", "alice@example.org", "bob"}},
		{[]string{"admin", "group", "list"}, []string{"park_slope", "Park Slope Parents", "members", "Park Slope, Brooklyn", "alice", "nicu_leeds", "public"}},
	}
	for _, s := range steps {
		code, out, stderr := runVillage(t, env, s.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, code, stderr)
		}
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", s.args, w, out)
			}
		}
	}
	code, out, stderr := runVillage(t, env, "admin", "user", "list")
	if code != 0 {
		t.Fatal(stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "true") || !strings.Contains(lines[2], "false") {
		t.Errorf("user list should show alice as admin and bob not:\n%s", out)
	}
}

func TestAdminTokenCreatePrintsTokenOnLastLine(t *testing.T) {
	t.Parallel()
	url := testenv.DatabaseURL(t)
	env := map[string]string{"DATABASE_URL": url, "VILLAGE_LOG_LEVEL": "warn"}
	if code, _, stderr := runVillage(t, env, "admin", "user", "create", "alice", "--password", "password1"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := runVillage(t, env, "admin", "token", "create", "alice")
	if code != 0 {
		t.Fatal(stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if len(token) < 40 || strings.ContainsAny(token, " :") {
		t.Fatalf("last line %q is not a bare token", token)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The printed line is the token whose SHA-256, and only that, is stored.
	var stored []byte
	if err := conn.QueryRow(ctx, "SELECT token_sha256 FROM access_tokens").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(token)); !bytes.Equal(stored, sum[:]) {
		t.Errorf("stored %x, want sha256 of the printed token", stored)
	}
}

func TestAdminCommandsRefuseBadInputAndWriteNothing(t *testing.T) {
	t.Parallel()
	url := testenv.DatabaseURL(t)
	env := map[string]string{"DATABASE_URL": url, "VILLAGE_LOG_LEVEL": "warn"}
	for _, args := range [][]string{
		{"admin", "user", "create", "alice", "--password", "password1", "--email", "alice@example.org"},
		{"admin", "group", "create", "moms", "--title", "Moms"},
		{"admin", "group", "moderator", "add", "moms", "alice"},
	} {
		if code, _, stderr := runVillage(t, env, args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	tests := []struct {
		name string
		args []string
		want string // in the error message
	}{
		{"duplicate user", []string{"admin", "user", "create", "alice", "--password", "password1"}, "already taken"},
		{"user named like a group", []string{"admin", "user", "create", "moms", "--password", "password1"}, "already taken"},
		{"duplicate email", []string{"admin", "user", "create", "bob", "--password", "password1", "--email", "alice@example.org"}, "already in use"},
		{"invalid user name", []string{"admin", "user", "create", "Bob!", "--password", "password1"}, "lowercase letters"},
		{"reserved user name", []string{"admin", "user", "create", "admin", "--password", "password1"}, "reserved"},
		{"short password", []string{"admin", "user", "create", "bob", "--password", "short"}, "at least 8 characters"},
		{"missing password", []string{"admin", "user", "create", "bob"}, "--password is required"},
		{"invalid email", []string{"admin", "user", "create", "bob", "--password", "password1", "--email", "bob"}, "not a valid email"},
		{"missing user name", []string{"admin", "user", "create", "--password", "password1"}, "expects 1 argument"},
		{"duplicate group", []string{"admin", "group", "create", "moms", "--title", "Moms again"}, "already taken"},
		{"group named like a user", []string{"admin", "group", "create", "alice", "--title", "Alice's"}, "already taken"},
		{"invalid group name", []string{"admin", "group", "create", "Brooklyn Moms", "--title", "B"}, "lowercase letters"},
		{"group without title", []string{"admin", "group", "create", "dads"}, "title is required"},
		{"latitude alone", []string{"admin", "group", "create", "dads", "--title", "Dads", "--latitude", "40"}, "both latitude and longitude"},
		{"latitude out of range", []string{"admin", "group", "create", "dads", "--title", "Dads", "--latitude", "95", "--longitude", "1"}, "between -90 and 90"},
		{"latitude not a number", []string{"admin", "group", "create", "dads", "--title", "Dads", "--latitude", "north"}, "invalid argument"},
		{"moderator of unknown group", []string{"admin", "group", "moderator", "add", "dads", "alice"}, `group "dads": not found`},
		{"unknown moderator", []string{"admin", "group", "moderator", "add", "moms", "zed"}, `user "zed": not found`},
		{"moderator twice", []string{"admin", "group", "moderator", "add", "moms", "alice"}, "already a moderator"},
		{"token for unknown user", []string{"admin", "token", "create", "zed"}, `user "zed": not found`},
		{"token for a group", []string{"admin", "token", "create", "moms"}, `user "moms": not found`},
		{"stray argument", []string{"admin", "user", "list", "extra"}, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rowCounts(t, url)
			code, _, stderr := runVillage(t, env, tt.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure")
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want it to say %q", stderr, tt.want)
			}
			if after := rowCounts(t, url); !equalCounts(before, after) {
				t.Errorf("rows changed: %v -> %v", before, after)
			}
		})
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "VILLAGE_LOG_LEVEL": "warn"}
	code, out, stderr := runVillage(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "Applied") {
		t.Fatalf("first migrate: %d %q %q", code, out, stderr)
	}
	code, out, stderr = runVillage(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %q %q", code, out, stderr)
	}
}
