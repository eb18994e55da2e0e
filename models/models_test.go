package models_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func ptr(f float64) *float64 { return &f }

// count returns the number of rows in a table.
func count(t *testing.T, db models.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t) // already migrated once
	schema := func() string {
		var s string
		err := db.QueryRow(ctx, `SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
			FROM information_schema.columns WHERE table_schema = 'public'`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := schema()
	n, err := models.Migrate(ctx, db)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if n != 0 {
		t.Errorf("second migrate applied %d migrations, want 0", n)
	}
	if after := schema(); after != before {
		t.Errorf("schema changed on second migrate:\nbefore %s\nafter  %s", before, after)
	}
	if !strings.Contains(before, "actors.public_key_pem") || !strings.Contains(before, "groups.visibility") {
		t.Errorf("schema lacks expected columns: %s", before)
	}
}

func TestCreateAccountStoresActorWithKeysAndHashedPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "correct horse", Email: "alice@example.org", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Actor.Username != "alice" || acc.Actor.Type != models.ActorPerson || !acc.IsAdmin || acc.Email != "alice@example.org" {
		t.Errorf("account = %+v, actor = %+v", acc, acc.Actor)
	}
	if !acc.Actor.IsLocal() || !strings.Contains(acc.Actor.PublicKeyPEM, "BEGIN PUBLIC KEY") || !strings.Contains(acc.Actor.PrivateKeyPEM, "BEGIN PRIVATE KEY") {
		t.Errorf("actor keys missing: local=%v pub=%q", acc.Actor.IsLocal(), acc.Actor.PublicKeyPEM[:min(30, len(acc.Actor.PublicKeyPEM))])
	}
	var hash string
	if err := db.QueryRow(ctx, "SELECT password_hash FROM accounts WHERE id = $1", acc.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, "correct horse") || !strings.HasPrefix(hash, "$2") {
		t.Errorf("password stored as %q, want a bcrypt hash", hash)
	}
}

func TestCreateAccountRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1", Email: "a@example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "moms", Title: "Moms"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   models.NewAccount
		want error
	}{
		{"duplicate name", models.NewAccount{Username: "alice", Password: "password1"}, models.ErrNameTaken},
		{"name of an existing group", models.NewAccount{Username: "moms", Password: "password1"}, models.ErrNameTaken},
		{"duplicate email, other case", models.NewAccount{Username: "bob", Password: "password1", Email: "A@example.org"}, models.ErrEmailTaken},
		{"uppercase name", models.NewAccount{Username: "Bob", Password: "password1"}, models.ErrInvalidName},
		{"empty name", models.NewAccount{Username: "", Password: "password1"}, models.ErrInvalidName},
		{"name with hyphen", models.NewAccount{Username: "bob-smith", Password: "password1"}, models.ErrInvalidName},
		{"name with space", models.NewAccount{Username: "bob smith", Password: "password1"}, models.ErrInvalidName},
		{"name of 31 characters", models.NewAccount{Username: strings.Repeat("b", 31), Password: "password1"}, models.ErrInvalidName},
		{"non-ASCII name", models.NewAccount{Username: "zoë", Password: "password1"}, models.ErrInvalidName},
		{"reserved name", models.NewAccount{Username: "admin", Password: "password1"}, models.ErrReservedName},
		{"reserved name inbox", models.NewAccount{Username: "inbox", Password: "password1"}, models.ErrReservedName},
		{"reserved name of the reports actor", models.NewAccount{Username: "reports", Password: "password1"}, models.ErrReservedName},
		{"password of 7 characters", models.NewAccount{Username: "bob", Password: "1234567"}, models.ErrPasswordTooShort},
		{"password over 72 bytes", models.NewAccount{Username: "bob", Password: strings.Repeat("p", 73)}, models.ErrPasswordTooLong},
		{"invalid email", models.NewAccount{Username: "bob", Password: "password1", Email: "not-an-email"}, models.ErrInvalidEmail},
		{"email with display name", models.NewAccount{Username: "bob", Password: "password1", Email: "Bob <bob@example.org>"}, models.ErrInvalidEmail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actors, accounts := count(t, db, "actors"), count(t, db, "accounts")
			_, err := models.CreateAccount(ctx, db, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if a, b := count(t, db, "actors"), count(t, db, "accounts"); a != actors || b != accounts {
				t.Errorf("rows changed: actors %d -> %d, accounts %d -> %d", actors, a, accounts, b)
			}
		})
	}
}

func TestCreateGroupValidatesAndWritesNothingOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "park_slope", Title: " Park Slope Parents ", Summary: "Hi",
		Location: "Park Slope, Brooklyn", Latitude: ptr(40.67), Longitude: ptr(-73.98), MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.Actor.Type != models.ActorGroup || g.Title != "Park Slope Parents" || !g.MembersOnly() || !g.Actor.ManuallyApprovesFollowers ||
		g.Location != "Park Slope, Brooklyn" || g.Latitude == nil || *g.Latitude != 40.67 {
		t.Errorf("group = %+v actor = %+v", g, g.Actor)
	}
	tests := []struct {
		name string
		in   models.NewGroup
		want error
	}{
		{"duplicate name", models.NewGroup{Name: "park_slope", Title: "X"}, models.ErrNameTaken},
		{"invalid name", models.NewGroup{Name: "Park Slope", Title: "X"}, models.ErrInvalidName},
		{"reserved name", models.NewGroup{Name: "groups", Title: "X"}, models.ErrReservedName},
		{"reserved name of the reports actor", models.NewGroup{Name: "reports", Title: "X"}, models.ErrReservedName},
		{"missing title", models.NewGroup{Name: "a", Title: "  "}, models.ErrInvalidGroup},
		{"title too long", models.NewGroup{Name: "a", Title: strings.Repeat("t", 101)}, models.ErrInvalidGroup},
		{"latitude without longitude", models.NewGroup{Name: "a", Title: "A", Latitude: ptr(1)}, models.ErrInvalidGroup},
		{"latitude out of range", models.NewGroup{Name: "a", Title: "A", Latitude: ptr(91), Longitude: ptr(0)}, models.ErrInvalidGroup},
		{"longitude out of range", models.NewGroup{Name: "a", Title: "A", Latitude: ptr(0), Longitude: ptr(-181)}, models.ErrInvalidGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actors, groups := count(t, db, "actors"), count(t, db, "groups")
			_, err := models.CreateGroup(ctx, db, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if a, b := count(t, db, "actors"), count(t, db, "groups"); a != actors || b != groups {
				t.Errorf("rows changed: actors %d -> %d, groups %d -> %d", actors, a, groups, b)
			}
		})
	}
}

func TestAddModerator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "moms", Title: "Moms"})
	if err != nil {
		t.Fatal(err)
	}
	if err := models.AddModerator(ctx, db, "moms", "alice"); err != nil {
		t.Fatal(err)
	}
	mods, err := models.Moderators(ctx, db, g.Actor.ID)
	if err != nil || len(mods) != 1 || mods[0].Username != "alice" {
		t.Fatalf("moderators = %v, %v", mods, err)
	}
	for _, tt := range []struct {
		name, group, user string
		want              error
	}{
		{"again", "moms", "alice", models.ErrAlreadyModerator},
		{"unknown group", "dads", "alice", models.ErrNotFound},
		{"unknown user", "moms", "zed", models.ErrNotFound},
		{"a group as moderator", "moms", "moms", models.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := models.AddModerator(ctx, db, tt.group, tt.user); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if n := count(t, db, "group_moderators"); n != 1 {
				t.Errorf("group_moderators has %d rows, want 1", n)
			}
		})
	}
}

func TestTokensAreStoredHashedAndFindTheirAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := models.CreateToken(ctx, db, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) < 40 {
		t.Errorf("token %q is too short to be unguessable", token)
	}
	var stored []byte
	if err := db.QueryRow(ctx, "SELECT token_sha256 FROM access_tokens").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(token)); string(stored) != string(sum[:]) {
		t.Errorf("stored %x, want the SHA-256 of the token", stored)
	}
	got, err := models.AccountByToken(ctx, db, token)
	if err != nil || got.ID != acc.ID {
		t.Fatalf("AccountByToken = %v, %v", got, err)
	}
	if _, err := models.AccountByToken(ctx, db, token+"x"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("wrong token: err = %v, want ErrNotFound", err)
	}
}

func TestATokenOfAnAccountWaitingForApprovalDoesNotWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "wren", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := models.CreateToken(ctx, db, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE accounts SET approved_at = NULL WHERE id = $1`, acc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.AccountByToken(ctx, db, token); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a waiting account's token: err = %v, want ErrNotFound", err)
	}
	if _, err := models.ApproveAccount(ctx, db, "wren"); err != nil {
		t.Fatal(err)
	}
	if got, err := models.AccountByToken(ctx, db, token); err != nil || got.ID != acc.ID {
		t.Errorf("after approval: %v, %v", got, err)
	}
}

func TestLanguageTakesISO6391CodesOnly(t *testing.T) {
	tests := []struct {
		tag  string
		want string
		ok   bool
	}{
		{"en", "en", true},
		{"DE", "de", true},
		{"pt-BR", "pt", true},
		{" fr ", "fr", true},
		{"eng", "", false},
		{"xx", "", false},
		{"", "", false},
		{"e", "", false},
	}
	for _, tt := range tests {
		got, ok := models.Language(tt.tag)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Language(%q) = %q, %v; want %q, %v", tt.tag, got, ok, tt.want, tt.ok)
		}
	}
}
