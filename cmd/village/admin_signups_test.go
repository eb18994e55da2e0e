package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestAdminSignupCommandsSetTheModeApproveAndInvite(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "VILLAGE_LOG_LEVEL": "warn", "VILLAGE_DOMAIN": "village.example"}
	steps := []struct {
		args     []string
		wantCode int
		want     []string // substrings of stdout, or of stderr when the command fails
	}{
		{[]string{"admin", "signups"}, 0, []string{"Sign-ups: approval"}},
		{[]string{"admin", "signups", "wide-open"}, 1, []string{`"open", "approval" or "invite"`}},
		{[]string{"admin", "signups", "invite"}, 0, []string{"Sign-ups: invite"}},
		{[]string{"admin", "invite", "create", "--uses", "3", "--expires", "48h"}, 0, []string{"0 of 3 used", "https://village.example/signup?invite="}},
		{[]string{"admin", "invite", "list"}, 0, []string{"CODE", "0 of 3 used", "true"}},
		{[]string{"admin", "user", "approve", "nobody"}, 1, []string{"not found"}},
	}
	var code string
	for _, s := range steps {
		exit, out, stderr := runVillage(t, env, s.args...)
		if exit != s.wantCode {
			t.Fatalf("%v: exit %d, want %d: %s %s", s.args, exit, s.wantCode, out, stderr)
		}
		for _, w := range s.want {
			if !strings.Contains(out+stderr, w) {
				t.Errorf("%v: output lacks %q:\n%s%s", s.args, w, out, stderr)
			}
		}
		if s.args[1] == "invite" && s.args[2] == "create" {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			_, code, _ = strings.Cut(lines[len(lines)-1], "invite=")
		}
	}
	if code == "" {
		t.Fatal("no invite code printed")
	}
	if exit, out, stderr := runVillage(t, env, "admin", "invite", "revoke", code); exit != 0 || !strings.Contains(out, "Revoked") {
		t.Fatalf("revoke: %d %s %s", exit, out, stderr)
	}
	if _, out, _ := runVillage(t, env, "admin", "invite", "list"); !strings.Contains(out, "false") {
		t.Errorf("a revoked invite is listed as usable:\n%s", out)
	}
	// A sign-up waiting for approval is listed with its reason, then approved.
	ctx := context.Background()
	db, err := models.Open(ctx, env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, pending, err := models.Register(ctx, db, models.SignUp{
		Account: models.NewAccount{Username: "newmom", Password: "password1"},
		Mode:    models.SignupApproval, Reason: "New to Park Slope", Now: time.Now()}); err != nil || !pending {
		t.Fatalf("register: pending %v, %v", pending, err)
	}
	if _, out, _ := runVillage(t, env, "admin", "user", "pending"); !strings.Contains(out, "newmom") || !strings.Contains(out, "New to Park Slope") {
		t.Errorf("pending does not list newmom and her reason:\n%s", out)
	}
	if exit, out, stderr := runVillage(t, env, "admin", "user", "approve", "newmom"); exit != 0 || !strings.Contains(out, "Approved newmom") {
		t.Fatalf("approve: %d %s %s", exit, out, stderr)
	}
	if _, out, _ := runVillage(t, env, "admin", "user", "pending"); strings.Contains(out, "newmom") {
		t.Errorf("still pending after approval:\n%s", out)
	}
	// An account made by an admin is approved; approving it again is harmless.
	if exit, _, stderr := runVillage(t, env, "admin", "user", "create", "alice", "--password", "correct horse"); exit != 0 {
		t.Fatal(stderr)
	}
	if exit, out, stderr := runVillage(t, env, "admin", "user", "approve", "alice"); exit != 0 || !strings.Contains(out, "Approved alice") {
		t.Fatalf("approve: %d %s %s", exit, out, stderr)
	}
	if exit, out, _ := runVillage(t, env, "admin", "user", "pending"); exit != 0 || strings.Contains(out, "alice") {
		t.Errorf("pending lists an approved account:\n%s", out)
	}
}
