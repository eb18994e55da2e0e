package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/village-social/village"

// room is one row of the README's architecture table: the packages it holds
// and the rooms they may depend on, directly or through others.
type room struct {
	name     string
	packages []string // module-relative; "x/..." is x and everything below it
	mayUse   []string // names of other rooms
}

// rooms is the architecture table. Arrows point one way: models imports
// nothing of ours; the wire imports only models; inbox and outbox import no
// web package; the faces of web share only the small packages of the web
// core, never each other.
var rooms = []room{
	{name: "models", packages: []string{"models/..."}},
	// The JSON guard sits in the federation folder but is a room of its
	// own, before federation's (the first room that covers a package is
	// its room): it imports nothing of ours, and every room may use it.
	{name: "jsonguard", packages: []string{"federation/jsonguard"}},
	{name: "federation", packages: []string{"federation/..."}, mayUse: []string{"models", "jsonguard"}},
	{name: "outbox", packages: []string{"outbox"}, mayUse: []string{"models", "federation", "jsonguard"}},
	{name: "inbox", packages: []string{"inbox"}, mayUse: []string{"models", "federation", "jsonguard", "outbox"}},
	{name: "web core", packages: []string{"web/access", "web/blocklist", "web/compose", "web/eventform", "web/helpform", "web/httperr", "web/i18n", "web/media",
		"web/metrics", "web/negotiate", "web/oauth", "web/push", "web/ratelimit", "web/reporting"},
		mayUse: []string{"models", "federation", "jsonguard", "outbox"}},
	{name: "web/activitypub", packages: []string{"web/activitypub"}, mayUse: []string{"models", "federation", "jsonguard", "inbox", "outbox", "web core"}},
	{name: "web/api", packages: []string{"web/api"}, mayUse: []string{"models", "federation", "jsonguard", "outbox", "web core"}},
	{name: "web/app", packages: []string{"web/app"}, mayUse: []string{"models", "federation", "jsonguard", "outbox", "web core"}},
	{name: "web/feeds", packages: []string{"web/feeds"}, mayUse: []string{"models", "federation", "jsonguard", "web core"}},
	{name: "web", packages: []string{"web"}, mayUse: []string{"models", "federation", "jsonguard", "inbox", "outbox", "web core",
		"web/activitypub", "web/api", "web/app", "web/feeds"}},
	{name: "cmd", packages: []string{"cmd/..."}, mayUse: []string{"models", "federation", "jsonguard", "inbox", "outbox", "web core",
		"web/activitypub", "web/api", "web/app", "web/feeds", "web"}},
	{name: "test helpers", packages: []string{"internal/..."}, mayUse: []string{"models", "federation", "jsonguard", "inbox", "outbox",
		"web core", "web/activitypub", "web/api", "web/app", "web/feeds", "web"}},
}

// covers reports whether a package pattern of the table names pkg.
func covers(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// roomOf is the room a module-relative package belongs to, or nil.
func roomOf(pkg string) *room {
	for i := range rooms {
		for _, p := range rooms[i].packages {
			if covers(p, pkg) {
				return &rooms[i]
			}
		}
	}
	return nil
}

// ourDeps lists, for each package of the module, the packages of the module
// it depends on (its transitive dependencies, as `go list` computes them
// for the build, tests left out).
func ourDeps(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		deps[pkg] = nil
		for _, d := range fields[1:] {
			if rel, ok := strings.CutPrefix(d, module+"/"); ok {
				deps[pkg] = append(deps[pkg], rel)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return deps
}

func TestEveryPackageBelongsToARoomOfTheArchitectureTable(t *testing.T) {
	t.Parallel()
	for pkg := range ourDeps(t) {
		if roomOf(pkg) == nil {
			t.Errorf("%s is in no room of the architecture table (rooms_test.go and the README): add it deliberately", pkg)
		}
	}
}

func TestRoomsDependOnlyOnTheRoomsTheTableAllows(t *testing.T) {
	t.Parallel()
	for pkg, deps := range ourDeps(t) {
		from := roomOf(pkg)
		if from == nil {
			continue // the test above names it
		}
		for _, dep := range deps {
			to := roomOf(dep)
			if to == nil || to.name == from.name {
				continue
			}
			allowed := false
			for _, r := range from.mayUse {
				allowed = allowed || r == to.name
			}
			if !allowed {
				t.Errorf("%s (room %s) depends on %s (room %s): the table allows %s only %v",
					pkg, from.name, dep, to.name, from.name, from.mayUse)
			}
		}
	}
}

// TestTheRuleCatchesABackEdge checks the checker: the table refuses the
// back-edges the architecture forbids, so a passing run means something.
func TestTheRuleCatchesABackEdge(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ from, to string }{
		{"models", "federation/fetch"},
		{"federation/jsonguard", "models"},
		{"federation/jsonguard", "federation/fetch"},
		{"federation/delivery", "outbox"},
		{"outbox", "inbox"},
		{"inbox", "web/negotiate"},
		{"web/api", "web/app"},
		{"web/app", "web/activitypub"},
		{"web/feeds", "web"},
		{"web/ratelimit", "web/api"},
		{"models/pgserver", "internal/testenv"},
	} {
		from, to := roomOf(c.from), roomOf(c.to)
		if from == nil || to == nil {
			t.Fatalf("%s or %s is in no room", c.from, c.to)
		}
		for _, r := range from.mayUse {
			if r == to.name {
				t.Errorf("the table lets %s depend on %s (%s -> %s)", c.from, c.to, from.name, path.Base(to.name))
			}
		}
	}
}
