package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestRoleDefaultsToAllAndTheFlagOverridesTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Role
	}{
		{"default", nil, nil, roleAll},
		{"variable", map[string]string{"VILLAGE_ROLE": "worker"}, nil, roleWorker},
		{"any case", map[string]string{"VILLAGE_ROLE": "Web"}, nil, roleWeb},
		{"flag over variable", map[string]string{"VILLAGE_ROLE": "worker"}, []string{"--role", "web"}, roleWeb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := (&app{}).rootCommand()
			if err := root.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(root.Flags(), func(k string) string { return tt.env[k] })
			if err != nil || cfg.Role != tt.want {
				t.Errorf("role %q, %v; want %q", cfg.Role, err, tt.want)
			}
		})
	}
}

// An older binary started against a database a newer one migrated: serve
// and migrate both refuse, say what to do, and leave the schema alone.
func TestAnOlderBinaryRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	newer := models.KnownSchemaVersion() + 2
	if _, err := db.Exec(ctx, "UPDATE schema_version SET version = $1", newer); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"DATABASE_URL": db.Config().ConnString(), "VILLAGE_DATA_DIR": t.TempDir(),
		"VILLAGE_DOMAIN": "127.0.0.111:1", "VILLAGE_LISTEN": "127.0.0.111:0", "VILLAGE_PROTOCOL": "http",
	}
	for _, args := range [][]string{{"serve"}, {"serve", "--role", "worker"}, {"migrate"}} {
		code, _, stderr := runVillage(t, env, args...)
		want := "the database's schema is at version " + strconv.Itoa(newer) + ", but this village (built for version " +
			strconv.Itoa(models.KnownSchemaVersion()) + ") is older: upgrade this binary"
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("village %v: code %d, stderr %q; want a refusal saying %q", args, code, stderr, want)
		}
		t.Logf("village %s: %s", strings.Join(args, " "), strings.TrimSpace(stderr))
	}
	if v, err := models.SchemaVersion(ctx, db); err != nil || v != newer {
		t.Errorf("schema version after the refusals: %d, %v; want %d untouched", v, err, newer)
	}
}
