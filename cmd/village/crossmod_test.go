package main

import (
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// Without VILLAGE_DOMAIN the command line cannot name this instance's
// actors in an activity: it stores the role, sends nothing, and says so.
func TestModeratorAddWithoutADomainStoresTheRoleAndSaysMembersWereNotTold(t *testing.T) {
	t.Parallel()
	dbURL := testenv.DatabaseURL(t)
	env := map[string]string{"DATABASE_URL": dbURL, "VILLAGE_LOG_LEVEL": "warn"}
	for _, args := range [][]string{
		{"admin", "user", "create", "alice", "--password", "correct horse"},
		{"admin", "group", "create", "moms", "--title", "Moms"},
	} {
		if code, _, stderr := runVillage(t, env, args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	code, out, stderr := runVillage(t, env, "admin", "group", "moderator", "add", "moms", "alice")
	if code != 0 || !strings.Contains(out, "alice now moderates moms") || !strings.Contains(out, "were not told") {
		t.Fatalf("moderator add: exit %d, out %q, err %q", code, out, stderr)
	}
	if counts := rowCounts(t, dbURL); counts["group_moderators"] != 1 {
		t.Errorf("group_moderators: %d rows, want 1", counts["group_moderators"])
	}
	if code, _, _ := runVillage(t, env, "admin", "group", "moderator", "add", "moms", "alice"); code == 0 {
		t.Errorf("naming a moderator twice succeeded, want an error")
	}
	if code, out, _ := runVillage(t, env, "admin", "group", "moderator", "add", "moms", "alice", "--owner"); code != 0 || !strings.Contains(out, "alice now owns moms") {
		t.Errorf("raising a moderator to owner: exit %d, %q", code, out)
	}
}
