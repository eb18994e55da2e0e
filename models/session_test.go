package models_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func newAccount(t *testing.T, db models.DB, name string) *models.Account {
	t.Helper()
	acc, err := models.CreateAccount(context.Background(), db, models.NewAccount{
		Username: name, Password: "password1", Email: name + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func TestSessionStoresOnlyTheTokenHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice := newAccount(t, db, "alice")
	token, s, err := models.CreateSession(ctx, db, alice.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s.Account.Actor.Username != "alice" || len(token) < 40 {
		t.Fatalf("session %+v, token %q", s, token)
	}
	var stored []byte
	if err := db.QueryRow(ctx, `SELECT token_sha256 FROM sessions WHERE id = $1`, s.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	if !bytes.Equal(stored, sum[:]) {
		t.Error("the stored value is not the token's SHA-256")
	}
	var leaks int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM sessions s WHERE s::text LIKE '%' || $1 || '%'`, token).Scan(&leaks); err != nil || leaks != 0 {
		t.Errorf("the plain token is stored (%d rows, %v)", leaks, err)
	}
}

func TestSessionExpiresThirtyDaysAfterItsLastUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice := newAccount(t, db, "alice")
	start := time.Now().Truncate(time.Second)
	token, _, err := models.CreateSession(ctx, db, alice.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	find := func(at time.Time) (*models.Session, error) { return models.SessionByToken(ctx, db, token, at) }

	s, err := find(start.Add(29 * day))
	if err != nil {
		t.Fatalf("after 29 days: %v", err)
	}
	if s.NeedsRefresh(start.Add(30*time.Minute)) || !s.NeedsRefresh(start.Add(29*day)) {
		t.Error("a session should slide about once an hour, not on every request")
	}
	if err := models.RefreshSession(ctx, db, s, start.Add(29*day)); err != nil {
		t.Fatal(err)
	}
	if _, err := find(start.Add(58 * day)); err != nil {
		t.Errorf("used on day 29, gone on day 58: %v", err)
	}
	if _, err := find(start.Add(59*day + time.Minute)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unused for 30 days: got %v, want ErrNotFound", err)
	}
	if _, err := models.SessionByToken(ctx, db, token+"x", start); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
}

func TestDeletingSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice := newAccount(t, db, "alice")
	now := time.Now()
	tokens := make([]string, 3)
	sessions := make([]*models.Session, 3)
	for i := range tokens {
		var err error
		if tokens[i], sessions[i], err = models.CreateSession(ctx, db, alice.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := models.DeleteSession(ctx, db, tokens[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SessionByToken(ctx, db, tokens[0], now); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a deleted session still works: %v", err)
	}
	n, err := models.DeleteOtherSessions(ctx, db, alice.ID, sessions[2].ID)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d other sessions (%v), want 1", n, err)
	}
	if _, err := models.SessionByToken(ctx, db, tokens[2], now); err != nil {
		t.Errorf("the kept session is gone: %v", err)
	}
}

func TestFindCredentialsChecksNameOrEmailWithoutSayingWhichWasWrong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice := newAccount(t, db, "alice")
	for _, tt := range []struct {
		name, login, password string
		want                  error
	}{
		{"username", "alice", "password1", nil},
		{"username with @ and capitals", "@Alice", "password1", nil},
		{"email in any case", "ALICE@example.org", "password1", nil},
		{"wrong password", "alice", "password2", models.ErrBadCredentials},
		{"unknown name", "bob", "password1", models.ErrBadCredentials},
		{"unknown email", "bob@example.org", "password1", models.ErrBadCredentials},
		{"empty", "", "", models.ErrBadCredentials},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := models.FindCredentials(ctx, db, tt.login)
			if err != nil {
				t.Fatal(err)
			}
			if err := cred.Check(tt.password); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("Check = %v, want %v", err, tt.want)
			}
			if tt.want == nil && cred.AccountID != alice.ID {
				t.Errorf("account %d, want %d", cred.AccountID, alice.ID)
			}
		})
	}
}

func TestChangePasswordNeedsTheCurrentOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice := newAccount(t, db, "alice")
	if err := models.ChangePassword(ctx, db, alice.ID, "wrong-one", "new password"); !errors.Is(err, models.ErrWrongPassword) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := models.ChangePassword(ctx, db, alice.ID, "password1", "short"); !errors.Is(err, models.ErrPasswordTooShort) {
		t.Fatalf("too short a new password: %v", err)
	}
	if err := models.ChangePassword(ctx, db, alice.ID, "password1", "new password"); err != nil {
		t.Fatal(err)
	}
	cred, err := models.FindCredentials(ctx, db, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if cred.Check("password1") == nil || cred.Check("new password") != nil {
		t.Error("the old password still works, or the new one does not")
	}
}

func TestSignupModeIsApprovalUntilAnAdminSetsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	if m, err := models.InstanceSignupMode(ctx, db); err != nil || m != models.SignupApproval {
		t.Fatalf("fresh instance: %q %v, want approval", m, err)
	}
	if err := models.SetSignupMode(ctx, db, "wide-open"); !errors.Is(err, models.ErrInvalidSignupMode) {
		t.Errorf("a made-up mode: %v", err)
	}
	for _, m := range []models.SignupMode{models.SignupOpen, models.SignupInvite} {
		if err := models.SetSignupMode(ctx, db, m); err != nil {
			t.Fatal(err)
		}
		if got, err := models.InstanceSignupMode(ctx, db); err != nil || got != m {
			t.Errorf("after setting %q: %q %v", m, got, err)
		}
	}
}

func TestRegisterFollowsTheSignupMode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	now := time.Now()
	past := now.Add(-time.Hour)
	single, err := models.CreateInvite(ctx, db, models.NewInvite{MaxUses: 1})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := models.CreateInvite(ctx, db, models.NewInvite{ExpiresAt: &past})
	if err != nil {
		t.Fatal(err)
	}
	multi, err := models.CreateInvite(ctx, db, models.NewInvite{MaxUses: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		mode        models.SignupMode
		invite      string
		wantErr     error
		wantPending bool
	}{
		{"open lets anyone in", models.SignupOpen, "", nil, false},
		{"open ignores a stale invite", models.SignupOpen, expired.Code, nil, false},
		{"approval makes the account wait", models.SignupApproval, "", nil, true},
		{"an invite skips the approval", models.SignupApproval, multi.Code, nil, false},
		{"invite mode refuses without an invite", models.SignupInvite, "", models.ErrInviteRequired, false},
		{"invite mode refuses an unknown invite", models.SignupInvite, "nosuchcode", models.ErrInvalidInvite, false},
		{"invite mode refuses an expired invite", models.SignupInvite, expired.Code, models.ErrInvalidInvite, false},
		{"invite mode takes a valid invite", models.SignupInvite, single.Code, nil, false},
		{"a single-use invite works once", models.SignupInvite, single.Code, models.ErrInvalidInvite, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.NewReplacer(" ", "_", "-", "_").Replace(tt.name)
			if len(name) > 30 {
				name = name[:30]
			}
			acc, pending, err := models.Register(ctx, db, models.SignUp{
				Account: models.NewAccount{Username: name, Password: "password1", Admin: true},
				Mode:    tt.mode, InviteCode: tt.invite, Now: now})
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if _, err := models.AccountByUsername(ctx, db, name); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("a refused sign-up left an account: %v", err)
				}
				return
			}
			if pending != tt.wantPending || acc.IsAdmin {
				t.Errorf("pending %v (want %v), admin %v", pending, tt.wantPending, acc.IsAdmin)
			}
			cred, err := models.FindCredentials(ctx, db, name)
			if err != nil {
				t.Fatal(err)
			}
			if err := cred.Check("password1"); tt.wantPending != errors.Is(err, models.ErrAccountPending) {
				t.Errorf("log-in check: %v", err)
			}
		})
	}
	invites, err := models.ListInvites(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	uses := map[string]int{}
	for _, inv := range invites {
		uses[inv.Code] = inv.Uses
	}
	if uses[single.Code] != 1 || uses[multi.Code] != 1 || uses[expired.Code] != 0 {
		t.Errorf("uses: single %d, multi %d, expired %d; want 1, 1, 0", uses[single.Code], uses[multi.Code], uses[expired.Code])
	}
}

func TestARefusedSignupDoesNotUseTheInvite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	newAccount(t, db, "taken")
	inv, err := models.CreateInvite(ctx, db, models.NewInvite{MaxUses: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = models.Register(ctx, db, models.SignUp{Account: models.NewAccount{Username: "taken", Password: "password1"},
		Mode: models.SignupInvite, InviteCode: inv.Code, Now: time.Now()})
	if !errors.Is(err, models.ErrNameTaken) {
		t.Fatalf("err = %v, want ErrNameTaken", err)
	}
	if _, err := models.UsableInvite(ctx, db, inv.Code, time.Now()); err != nil {
		t.Errorf("the invite was used up by a sign-up that failed: %v", err)
	}
}

func TestApprovalLetsAWaitingAccountLogIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	now := time.Now()
	acc, pending, err := models.Register(ctx, db, models.SignUp{
		Account: models.NewAccount{Username: "newmom", Password: "password1"},
		Mode:    models.SignupApproval, Reason: "I live on 5th Street", Now: now})
	if err != nil || !pending {
		t.Fatalf("pending %v, err %v", pending, err)
	}
	// Even a session made for it does not count until the approval.
	token, _, err := models.CreateSession(ctx, db, acc.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.SessionByToken(ctx, db, token, now); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a waiting account's session works: %v", err)
	}
	waiting, err := models.PendingSignups(ctx, db)
	if err != nil || len(waiting) != 1 || waiting[0].Account.Actor.Username != "newmom" || waiting[0].Reason != "I live on 5th Street" {
		t.Fatalf("pending sign-ups: %+v %v", waiting, err)
	}
	if _, err := models.ApproveAccount(ctx, db, "newmom"); err != nil {
		t.Fatal(err)
	}
	if _, err := models.ApproveAccount(ctx, db, "nobody"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("approving nobody: %v", err)
	}
	cred, err := models.FindCredentials(ctx, db, "newmom")
	if err != nil {
		t.Fatal(err)
	}
	if err := cred.Check("password1"); err != nil {
		t.Errorf("after approval: %v", err)
	}
	if waiting, _ := models.PendingSignups(ctx, db); len(waiting) != 0 {
		t.Errorf("still pending: %+v", waiting)
	}
}

func TestInstanceKeyIsMadeOnceAndKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	a, err := models.InstanceKey(ctx, db, "csrf")
	if err != nil {
		t.Fatal(err)
	}
	b, err := models.InstanceKey(ctx, db, "csrf")
	if err != nil {
		t.Fatal(err)
	}
	other, err := models.InstanceKey(ctx, db, "other")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, other) {
		t.Errorf("keys: %x %x %x", a, b, other)
	}
}

func TestUpdateProfileKeepsPlainTextWithinLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice := newAccount(t, db, "alice")
	for _, tt := range []struct {
		name     string
		edit     models.ProfileEdit
		want     error
		wantName string
		wantBio  string
	}{
		{"trimmed, control characters dropped, line breaks kept",
			models.ProfileEdit{DisplayName: "  Alice\x07 B ", Bio: "Mom of two.\r\nPark Slope.\x00"}, nil, "Alice B", "Mom of two.\nPark Slope."},
		{"too long a name", models.ProfileEdit{DisplayName: strings.Repeat("a", models.MaxDisplayNameLength+1)}, models.ErrDisplayNameTooLong, "", ""},
		{"too long a bio", models.ProfileEdit{Bio: strings.Repeat("é", models.MaxBioLength+1)}, models.ErrBioTooLong, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := models.UpdateProfile(ctx, db, alice.Actor.ID, tt.edit)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			got, err := models.AccountByID(ctx, db, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Actor.DisplayName != tt.wantName || got.Actor.Summary != tt.wantBio {
				t.Errorf("stored %q / %q", got.Actor.DisplayName, got.Actor.Summary)
			}
		})
	}
}
