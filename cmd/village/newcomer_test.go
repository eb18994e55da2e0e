package main

// The first minutes of a self-hoster: `make run`, then the README's admin
// commands typed by hand in another terminal, without make run's settings.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// addrServedByHand is where the instances these tests serve listen: the
// serve tests' address (serve_test.go, a port picked at start), not
// 127.0.0.1, where other tests' outgoing connections take their source
// ports and one could take the instance's port before it listens; so they
// run in parallel.
const addrServedByHand = "127.0.0.66:0"

// configOf is the configuration a command line and an environment give.
func configOf(t *testing.T, env map[string]string, args ...string) *Config {
	t.Helper()
	root := (&app{}).rootCommand()
	if err := root.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(root.Flags(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestDataDirIsDecidedByOneRuleForServeAndEveryCommand(t *testing.T) {
	t.Parallel()
	const work = "/home/ann/village"
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		reachable bool // whether the cluster's OS user can enter the working folder
		want      string
		fellBack  bool
	}{
		{"defaults, as a user", nil, nil, true, work + "/data", false},
		{"defaults, as root from a folder postgres cannot enter", nil, nil, false, fallbackDataDir, true},
		{"given, although postgres cannot enter it", map[string]string{"VILLAGE_DATA_DIR": "/root/village-data"}, nil, false, "/root/village-data", false},
		{"given as ./data: no fallback either", map[string]string{"VILLAGE_DATA_DIR": "./data"}, nil, false, work + "/data", false},
		{"given relative", map[string]string{"VILLAGE_DATA_DIR": "./data-b"}, nil, true, work + "/data-b", false},
		{"given by flag over the environment", map[string]string{"VILLAGE_DATA_DIR": "/srv/a"}, []string{"--data-dir", "/srv/b"}, false, "/srv/b", false},
		{"a database URL: no private cluster, only uploads", map[string]string{"DATABASE_URL": "postgres://db.example/village"}, nil, false, work + "/data", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configOf(t, tt.env, tt.args...)
			var asked []string
			got, fellBack := chooseDataDir(cfg, work, func(dir string) bool {
				asked = append(asked, dir)
				return tt.reachable
			})
			if got != tt.want || fellBack != tt.fellBack {
				t.Errorf("chooseDataDir = %q, %v; want %q, %v", got, fellBack, tt.want, tt.fellBack)
			}
			if len(asked) > 0 && asked[0] != work+"/data" {
				t.Errorf("asked whether %v is reachable, want %s", asked, work+"/data")
			}
		})
	}
}

func TestDataDirOnThisMachineFallsBackOnlyWherePostgresCannotEnter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := configOf(t, nil)
	open := testenv.DataDir(t)
	if dir, fellBack := dataDir(ctx, cfg, open); dir != filepath.Join(open, "data") || fellBack {
		t.Errorf("in a folder open to others: %q, %v; want %s", dir, fellBack, filepath.Join(open, "data"))
	}
	closed := testenv.ClosedDir(t)
	if dir, fellBack := dataDir(ctx, cfg, closed); dir != fallbackDataDir || !fellBack {
		t.Errorf("in a folder closed to others (like /root): %q, %v; want %s", dir, fellBack, fallbackDataDir)
	}
}

func TestBaseURLOfCommandsRunByHand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env         map[string]string
		served      string // what village serve recorded; "" before it ran
		want        string
		wantWarning bool
	}{
		{"nothing given, never served", nil, "", "", false},
		{"nothing given: what serve serves with", nil, "http://localhost:8080", "http://localhost:8080", false},
		{"the same domain given: serve's protocol", map[string]string{"VILLAGE_DOMAIN": "localhost:8080"}, "http://localhost:8080", "http://localhost:8080", false},
		{"a domain given, never served", map[string]string{"VILLAGE_DOMAIN": "village.example"}, "", "https://village.example", false},
		{"another domain given: it wins, with a warning", map[string]string{"VILLAGE_DOMAIN": "village.example"}, "http://localhost:8080", "https://village.example", true},
		{"a protocol given: it wins, with a warning", map[string]string{"VILLAGE_PROTOCOL": "https"}, "http://localhost:8080", "https://localhost:8080", true},
		{"both given as served", map[string]string{"VILLAGE_DOMAIN": "village.example", "VILLAGE_PROTOCOL": "https"}, "https://village.example", "https://village.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warning := chooseBaseURL(configOf(t, tt.env), tt.served)
			if got != tt.want || (warning != "") != tt.wantWarning {
				t.Errorf("chooseBaseURL = %q, warning %q; want %q, a warning: %v", got, warning, tt.want, tt.wantWarning)
			}
		})
	}
}

// byHand runs a program in dir as a newcomer types it in another terminal:
// with none of make run's settings (nor DATABASE_URL) in the environment,
// only those of env.
func byHand(t *testing.T, dir string, env map[string]string, name string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var clean []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VILLAGE_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			clean = append(clean, kv)
		}
	}
	for k, v := range env {
		clean = append(clean, k+"="+v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, clean
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return code, out.String(), errb.String()
}

// readmeAdminCommands are the admin commands of the README's Set-up section,
// as a newcomer copies them.
func readmeAdminCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	inSetUp, inCode := false, false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			inSetUp = line == "## Set-up"
		case strings.HasPrefix(line, "```"):
			inCode = !inCode
		case inSetUp && inCode && strings.HasPrefix(line, "./bin/village admin "):
			lines = append(lines, line)
		}
	}
	if len(lines) < 4 {
		t.Fatalf("the README's Set-up has %d admin commands, want the four that make an admin, a group, its moderator and a token: %q", len(lines), lines)
	}
	return lines
}

func TestReadmeSetUpAdminCommandsFindServesDataAndPrintNoDomainWarning(t *testing.T) {
	t.Parallel()
	commands := readmeAdminCommands(t)
	// The checkout: make run serves from it with no VILLAGE_DATA_DIR and no
	// DATABASE_URL, and the README's commands run there as ./bin/village.
	checkout := testenv.DataDir(t)
	if err := os.Mkdir(filepath.Join(checkout, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testenv.Binary(t), filepath.Join(checkout, "bin", "village")); err != nil {
		t.Fatal(err)
	}
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrServedByHand, PrivateCluster: true, Dir: checkout, Env: map[string]string{"VILLAGE_DATA_DIR": ""}})
	data := filepath.Join(checkout, "data")
	if !strings.Contains(v.Log(), "data="+data) {
		t.Errorf("serve does not say it keeps its data in %s:\n%s", data, v.Log())
	}

	for _, line := range commands {
		code, out, stderr := byHand(t, checkout, nil, "sh", "-c", line)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", line, code, out, stderr)
		}
		if strings.Contains(out+stderr, "VILLAGE_DOMAIN") || strings.Contains(stderr, "WARN") {
			t.Errorf("%s: prints a warning a newcomer cannot judge:\n%s%s", line, out, stderr)
		}
		if strings.Contains(line, " moderator add ") && !strings.Contains(out, "announces it to its members' servers") {
			t.Errorf("%s: the members' servers are not told:\n%s", line, out)
		}
	}
	// What the commands wrote is what the running server serves.
	var alice struct {
		ID string `json:"id"`
	}
	if code := testenv.GetActivity(t, v.BaseURL+"/users/alice", &alice); code != http.StatusOK || alice.ID != v.BaseURL+"/users/alice" {
		t.Errorf("GET /users/alice from serve: %d %q: the admin commands wrote elsewhere", code, alice.ID)
	}
	if _, err := os.Stat(filepath.Join(data, "postgres", "pgdata", "PG_VERSION")); err != nil {
		t.Errorf("no cluster in %s: %v", data, err)
	}
}

func TestAdminCommandWhereThereIsNoDataSaysWhereItLookedAndMakesNothing(t *testing.T) {
	t.Parallel()
	elsewhere := testenv.DataDir(t)
	code, _, stderr := byHand(t, elsewhere, nil, testenv.Binary(t), "admin", "user", "list")
	if code == 0 {
		t.Fatal("admin user list succeeded in a folder without data")
	}
	data := filepath.Join(elsewhere, "data")
	if !strings.Contains(stderr, "no Village data in "+data) || !strings.Contains(stderr, "VILLAGE_DATA_DIR") {
		t.Errorf("the error does not say where it looked and what to do: %q", stderr)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an admin command made %s (%v): an empty second instance", data, err)
	}
}

func TestAdminCommandsWithoutADomainUseTheOneServeRecorded(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrServedByHand})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	v.Admin("admin", "user", "create", "alice", "--password", "correct horse")
	v.Admin("admin", "user", "create", "bob", "--password", "correct horse")
	leo := testenv.NewRemote(t, "leo")
	testenv.JoinGroup(t, v, leo, "moms")

	// As typed by hand: the database, and no VILLAGE_DOMAIN or VILLAGE_PROTOCOL.
	byHandEnv := map[string]string{"DATABASE_URL": v.DatabaseURL}
	code, out, stderr := runVillage(t, byHandEnv, "admin", "group", "moderator", "add", "moms", "alice")
	if code != 0 || !strings.Contains(out, "announces it to its members' servers") || strings.Contains(out+stderr, "VILLAGE_DOMAIN") {
		t.Fatalf("moderator add: exit %d\n%s%s", code, out, stderr)
	}
	moms := v.BaseURL + "/groups/moms"
	testenv.Eventually(t, 30*time.Second, "Announce{Add alice to moderators} at leo's server", func() bool {
		for _, add := range testenv.AnnouncedOfType(leo.Received(), moms, "Add") {
			if add["object"] == v.BaseURL+"/users/alice" && add["target"] == moms+"/moderators" {
				return true
			}
		}
		return false
	})
	if _, out, _ := runVillage(t, byHandEnv, "admin", "invite", "create"); !strings.Contains(out, v.BaseURL+"/signup?invite=") {
		t.Errorf("the invite link is not on the served address %s:\n%s", v.BaseURL, out)
	}

	// A database no server has recorded its address in (as before this
	// release): where the domain is truly needed, a clear error, and nothing stored.
	execSQL(t, v, `DELETE FROM instance_settings WHERE key = 'served_url'`)
	before := rowCounts(t, v.DatabaseURL)
	for _, args := range [][]string{
		{"admin", "group", "moderator", "add", "moms", "bob"},
		{"admin", "user", "suspend", "bob"},
	} {
		code, _, stderr := runVillage(t, byHandEnv, args...)
		if code == 0 || !strings.Contains(stderr, "VILLAGE_DOMAIN: required here") || !strings.Contains(stderr, "village serve") {
			t.Errorf("%v without a known domain: exit %d, %q; want an error naming VILLAGE_DOMAIN", args, code, stderr)
		}
	}
	if after := rowCounts(t, v.DatabaseURL); !equalCounts(before, after) {
		t.Errorf("rows changed: %v -> %v", before, after)
	}
}

func TestServeThatCannotStartLeavesNoDataFolderBehind(t *testing.T) {
	t.Parallel()
	closed := testenv.ClosedDir(t) // as /root is
	data := filepath.Join(closed, "data")
	code, _, stderr := byHand(t, closed, map[string]string{"VILLAGE_DOMAIN": "localhost:8080", "VILLAGE_LISTEN": "127.0.0.1:0", "VILLAGE_DATA_DIR": data},
		testenv.Binary(t), "serve")
	if code == 0 || !strings.Contains(stderr, "cannot reach") {
		t.Fatalf("serve in a folder postgres cannot enter: exit %d, %q; want it to say so", code, stderr)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start left %s behind (%v)", data, err)
	}
}
