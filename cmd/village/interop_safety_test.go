package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// Loopback addresses kept for the interop safety tests.
const (
	addrInteropFlags   = "127.0.0.60:0"
	addrInteropMember  = "127.0.0.61:0"
	addrInteropSending = "127.0.0.62:0"
)

const asPublic = "https://www.w3.org/ns/activitystreams#Public"

// payload reads a fixture of testdata/payloads with its placeholders filled.
func payload(t *testing.T, file string, r *strings.Replacer) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "payloads", file))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(r.Replace(string(raw)))
}

// Reports and people's blocks arrive in the shapes Mastodon, GoToSocial,
// Misskey and Lemmy send them (testdata/payloads, from their serializers),
// and each lands where it should: a report in the instance's queue or, when
// addressed to a group, in the group's; a block is kept, and its Undo lifts it.
func TestFlagsAndBlocksInTheShapesRealServersSend(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrInteropFlags})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	testenv.JoinFromVillage(t, alice, "moms")
	st := testenv.PostStatus(t, alice, url.Values{"status": {"@moms who has a stroller to lend?"}})
	// Mastodon, GoToSocial and Misskey report from their instance actor.
	inst := testenv.NewRemote(t, "instance")
	doc := inst.ActorDocument()
	doc["type"] = "Application"
	inst.Serve("/users/instance", doc)
	leo := testenv.NewRemote(t, "leo") // a Lemmy person
	mia := testenv.NewRemote(t, "mia") // a Mastodon person
	aliceURI, groupURI := v.BaseURL+"/users/alice", v.BaseURL+"/groups/moms"
	var groupID, aliceID int64
	testenv.QueryOne(t, v, &groupID, `SELECT id FROM actors WHERE username = 'moms' AND type = 'Group' AND domain IS NULL`)
	testenv.QueryOne(t, v, &aliceID, `SELECT id FROM actors WHERE username = 'alice' AND type = 'Person' AND domain IS NULL`)
	fill := func(r *testenv.Remote) *strings.Replacer {
		return strings.NewReplacer("{{ACTOR}}", r.ActorID, "{{ORIGIN}}", r.Server.URL, "{{TARGET}}", aliceURI,
			"{{STATUS}}", st.URI, "{{GROUP}}", groupURI)
	}
	type report struct {
		target, posts int64
		group         *int64
		comment       string
	}
	reportOf := func(flagID string) *report {
		var r report
		var n int
		testenv.QueryOne(t, v, &n, `SELECT count(*) FROM reports WHERE flag_uri = $1`, flagID)
		if n != 1 {
			return nil
		}
		testenv.QueryOne(t, v, &r.target, `SELECT target_id FROM reports WHERE flag_uri = $1`, flagID)
		testenv.QueryOne(t, v, &r.group, `SELECT group_id FROM reports WHERE flag_uri = $1`, flagID)
		testenv.QueryOne(t, v, &r.comment, `SELECT comment FROM reports WHERE flag_uri = $1`, flagID)
		testenv.QueryOne(t, v, &r.posts, `SELECT count(*) FROM report_posts rp JOIN reports r ON r.id = rp.report_id WHERE r.flag_uri = $1`, flagID)
		return &r
	}
	blocks := func() int {
		return testenv.QueryCount(t, v, `SELECT count(*) FROM blocks WHERE blocked_id = $1`, aliceID)
	}

	steps := []struct {
		file  string
		from  *testenv.Remote
		inbox string
		check func(id string) string
	}{
		{"mastodon_flag.json", inst, "/users/alice/inbox", func(id string) string {
			r := reportOf(id)
			if r == nil || r.target != aliceID || r.posts != 1 || r.group != nil || !strings.Contains(r.comment, "shaming replies") {
				return fmt.Sprintf("want an instance report about alice with her post and the content as comment, got %+v", r)
			}
			return ""
		}},
		{"mastodon_flag.json", inst, "/users/alice/inbox", func(id string) string { // delivered twice
			if n := testenv.QueryCount(t, v, `SELECT count(*) FROM reports WHERE flag_uri = $1`, id); n != 1 {
				return fmt.Sprintf("a replayed Flag made %d reports", n)
			}
			return ""
		}},
		{"gotosocial_flag_account_only.json", inst, "/inbox", func(id string) string {
			if r := reportOf(id); r == nil || r.target != aliceID || r.posts != 0 {
				return fmt.Sprintf("want a report about alice alone, got %+v", r)
			}
			return ""
		}},
		{"misskey_flag.json", inst, "/inbox", func(id string) string {
			if r := reportOf(id); r == nil || r.target != aliceID || r.posts != 1 || r.comment != "Misskey-shaped report" {
				return fmt.Sprintf("want a report about alice's post, got %+v", r)
			}
			return ""
		}},
		{"lemmy_flag_post.json", leo, "/inbox", func(id string) string {
			r := reportOf(id)
			if r == nil || r.group == nil || *r.group != groupID || r.target != aliceID || r.posts != 1 || !strings.Contains(r.comment, "breaks rule 2") {
				return fmt.Sprintf("want a report in the group's queue with summary as comment, got %+v", r)
			}
			return ""
		}},
		{"mastodon_block.json", mia, "/users/alice/inbox", func(string) string {
			if blocks() != 1 {
				return "mia's block of alice is not kept"
			}
			return ""
		}},
		{"mastodon_undo_block.json", mia, "/users/alice/inbox", func(string) string {
			if blocks() != 0 {
				return "mia's Undo{Block} did not lift it"
			}
			return ""
		}},
		{"gotosocial_block.json", mia, "/inbox", func(string) string {
			if blocks() != 1 {
				return "the GoToSocial block of alice is not kept"
			}
			return ""
		}},
		{"gotosocial_undo_block.json", mia, "/inbox", func(string) string {
			if blocks() != 0 {
				return "the GoToSocial Undo{Block} did not lift it"
			}
			return ""
		}},
	}
	for _, s := range steps {
		body := payload(t, s.file, fill(s.from))
		obj := map[string]any{}
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		if code := s.from.Post(v.BaseURL+s.inbox, body, time.Now()); code != http.StatusAccepted {
			t.Errorf("%s: %d, want 202", s.file, code)
			continue
		}
		if problem := s.check(obj["id"].(string)); problem != "" {
			t.Errorf("%s: %s", s.file, problem)
		}
	}
	// A Flag that names nothing here is refused and stored nowhere.
	before := testenv.QueryCount(t, v, `SELECT count(*) FROM reports`)
	stray := strings.NewReplacer("{{ACTOR}}", inst.ActorID, "{{ORIGIN}}", inst.Server.URL, "{{TARGET}}", mia.ActorID,
		"{{STATUS}}", mia.ActorID+"/statuses/9", "7c1e5f0a", "7c1e5f0b")
	if code := inst.Post(v.BaseURL+"/inbox", payload(t, "mastodon_flag.json", stray), time.Now()); code != http.StatusBadRequest {
		t.Errorf("a Flag about nobody here: %d, want 400", code)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM reports`); n != before {
		t.Errorf("a Flag about nobody here was stored")
	}
}

// Village as a member of a Lemmy community: the community announces what
// its moderators do in Lemmy's own shapes (lock, ban with the older
// expires, their Undo, a removal with summary and its Undo whose Delete
// names a Tombstone, a featured Add, an Update of the community), and each
// applies here only when its actor is in the collection the community's
// attributedTo names. The same Lock by someone else changes nothing.
func TestLemmyCommunityModerationAppliesOnlyFromItsModerators(t *testing.T) {
	t.Parallel()
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrInteropMember})
	club, ann, rita, nina := testenv.NewRemote(t, "club"), testenv.NewRemote(t, "ann"), testenv.NewRemote(t, "rita"), testenv.NewRemote(t, "nina")
	clubDoc := club.ActorDocument()
	clubDoc["type"] = "Group"
	clubDoc["name"] = "Club"
	clubDoc["attributedTo"] = club.ActorID + "/moderators" // Lemmy names its moderators only there
	clubDoc["featured"] = club.ActorID + "/featured"
	clubDoc["postingRestrictedToMods"] = false
	club.Serve("/users/club", clubDoc)
	club.Serve("/users/club/moderators", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"type": "OrderedCollection", "id": club.ActorID + "/moderators", "orderedItems": []string{rita.ActorID}})
	postID := ann.Server.URL + "/post/7"
	page := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "type": "Page", "id": postID,
		"attributedTo": ann.ActorID, "to": []string{club.ActorID, asPublic}, "audience": club.ActorID,
		"name": "Spare car seat", "content": "<p>who has a spare car seat?</p>", "published": time.Now().UTC().Format(time.RFC3339)}
	ann.Serve("/post/7", page)
	share := testenv.Activity(t, map[string]any{"id": club.Server.URL + "/activities/announce/create/1", "type": "Announce",
		"actor": club.ActorID, "to": []string{asPublic}, "cc": []string{club.ActorID + "/followers"},
		"object": map[string]any{"id": ann.Server.URL + "/activities/create/1", "type": "Create", "actor": ann.ActorID,
			"to": []string{asPublic}, "cc": []string{club.ActorID}, "audience": club.ActorID, "object": page}})
	if code := club.Post(b.BaseURL+"/inbox", share, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the community's share: %d", code)
	}
	expires := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
	fill := func(mod *testenv.Remote) *strings.Replacer {
		return strings.NewReplacer("{{COMMUNITY}}", club.ActorID, "{{CORIGIN}}", club.Server.URL, "{{MOD}}", mod.ActorID,
			"{{USER}}", ann.ActorID, "{{POST}}", postID, "{{EXPIRES}}", expires.Format(time.RFC3339Nano))
	}
	state := func() (deleted, locked bool, bans int, banEnds *time.Time) {
		testenv.QueryOne(t, b, &deleted, `SELECT deleted_at IS NOT NULL FROM posts WHERE uri = $1`, postID)
		testenv.QueryOne(t, b, &locked, `SELECT locked_at IS NOT NULL FROM posts WHERE uri = $1`, postID)
		testenv.QueryOne(t, b, &bans, `SELECT count(*) FROM group_bans`)
		if bans == 1 {
			testenv.QueryOne(t, b, &banEnds, `SELECT ends_at FROM group_bans`)
		}
		return
	}

	// Someone not in the moderators collection: accepted, ignored.
	forged := strings.ReplaceAll(string(payload(t, "lemmy_announce_lock.json", fill(nina))), "6f1b2c3d", "6f1b2c3e")
	if code := club.Post(b.BaseURL+"/inbox", []byte(forged), time.Now()); code != http.StatusAccepted {
		t.Errorf("a non-moderator's Lock announced: %d, want 202", code)
	}
	if _, locked, _, _ := state(); locked {
		t.Errorf("a Lock by someone not a moderator locked the thread")
	}

	steps := []struct {
		file    string
		deleted bool
		locked  bool
		bans    int
	}{
		{"lemmy_announce_lock.json", false, true, 0},
		{"lemmy_announce_undo_lock.json", false, false, 0},
		{"lemmy_announce_block.json", false, false, 1},
		{"lemmy_announce_undo_block.json", false, false, 0},
		{"lemmy_announce_add_featured.json", false, false, 0},
		{"lemmy_announce_remove_mod.json", false, false, 0},
		{"lemmy_announce_remove.json", true, false, 0},
		{"lemmy_announce_undo_remove.json", false, false, 0},
	}
	for _, s := range steps {
		if code := club.Post(b.BaseURL+"/inbox", payload(t, s.file, fill(rita)), time.Now()); code != http.StatusAccepted {
			t.Errorf("%s: %d, want 202", s.file, code)
			continue
		}
		deleted, locked, bans, ends := state()
		if deleted != s.deleted || locked != s.locked || bans != s.bans {
			t.Errorf("after %s: deleted %v, locked %v, bans %d; want %v, %v, %d", s.file, deleted, locked, bans, s.deleted, s.locked, s.bans)
		}
		if s.file == "lemmy_announce_block.json" && (ends == nil || !ends.Equal(expires)) {
			t.Errorf("the ban ends at %v, want Lemmy's expires %v", ends, expires)
		}
	}

	// A member here banned by the community's moderator: B keeps the ban,
	// with Lemmy's expires as its end.
	b.User("bea")
	beaURI := b.BaseURL + "/users/bea"
	banBea := strings.ReplaceAll(strings.ReplaceAll(string(payload(t, "lemmy_announce_block.json", fill(rita))), "5d42fffb", "5d42fffc"), "8b3c4d5e", "8b3c4d5f")
	banBea = strings.ReplaceAll(banBea, ann.ActorID, beaURI)
	if code := club.Post(b.BaseURL+"/inbox", []byte(banBea), time.Now()); code != http.StatusAccepted {
		t.Errorf("the ban of a member here: %d, want 202", code)
	}
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM group_bans g JOIN actors a ON a.id = g.actor_id WHERE a.username = 'bea' AND a.domain IS NULL AND g.ends_at IS NOT NULL`); n != 1 {
		t.Errorf("the ban of bea, a member here, is not kept with its end (%d rows)", n)
	}

	// The community announces an Update of itself: B reads it again from
	// its origin rather than believing the copy inside.
	clubDoc["name"] = "Club, renamed"
	club.Serve("/users/club", clubDoc)
	if code := club.Post(b.BaseURL+"/inbox", payload(t, "lemmy_announce_update_group.json", fill(rita)), time.Now()); code != http.StatusAccepted {
		t.Fatalf("Announce{Update{Group}}: %d", code)
	}
	var name string
	testenv.QueryOne(t, b, &name, `SELECT display_name FROM actors WHERE uri = $1`, club.ActorID)
	if name != "Club, renamed" {
		t.Errorf("the community is called %q here, want the name its origin serves", name)
	}
}

// What Village sends for its groups' moderation has the fields Lemmy's
// receivers require (Delete with summary, Undo embedding the whole Delete,
// Block and Lock, cc on each, Block's endTime and expires, a pin as the
// moderator's Add announced) and what Mastodon needs (Undo of the boost,
// the group's own Add, Reject and Accept embedding the Follow they answer,
// a Flag naming the account first).
func TestModerationWeSendHasTheFieldsLemmyAndMastodonRead(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrInteropSending})
	a.Admin("admin", "group", "create", "moms", "--title", "Moms")
	a.Admin("admin", "group", "create", "circle", "--title", "Circle", "--private")
	olgaAPI := a.User("olga")
	a.Admin("admin", "group", "moderator", "add", "moms", "olga", "--owner")
	a.Admin("admin", "group", "moderator", "add", "circle", "olga", "--owner")
	alice := a.User("alice")
	testenv.JoinFromVillage(t, alice, "moms")
	leo, mia := testenv.NewRemote(t, "leo"), testenv.NewRemote(t, "mia")
	leo.Software, mia.Software = "lemmy", "mastodon"
	testenv.JoinGroup(t, a, leo, "moms")
	testenv.JoinGroup(t, a, mia, "moms")
	olga := a.SignIn("olga")
	groupURL, olgaURI := a.BaseURL+"/groups/moms", a.BaseURL+"/users/olga"
	st := testenv.PostStatus(t, alice, url.Values{"status": {"@moms strollers for twins?"}})
	testenv.Eventually(t, 30*time.Second, "the group's boost at the Mastodon member", func() bool { return len(testenv.ReceivedOfType(mia, "Announce")) > 0 })

	inner := func(r *testenv.Remote, typ string, match func(map[string]any) bool) map[string]any {
		var found map[string]any
		testenv.Eventually(t, 30*time.Second, "Announce{"+typ+"} at "+r.Username, func() bool {
			for _, an := range testenv.AnnouncedOfType(r.Received(), groupURL, typ) {
				if match(an) {
					found = an
					return true
				}
			}
			return false
		})
		return found
	}
	hasAll := func(what string, m map[string]any, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s has no %q (Lemmy requires it): %v", what, k, m)
			}
		}
	}
	addressedPublic := func(what string, m map[string]any) {
		t.Helper()
		to, _ := m["to"].([]any)
		if !slices.Contains(to, any(asPublic)) {
			t.Errorf("%s: to %v has no Public (Lemmy checks to alone for a public community)", what, m["to"])
		}
	}

	// Removal without a reason: still a removal to Lemmy.
	olga.MustSubmit("/groups/moms/remove", url.Values{"post": {st.ID}})
	del := inner(leo, "Delete", func(m map[string]any) bool { return m["object"] == st.URI })
	hasAll("the moderator's Delete", del, "id", "actor", "to", "cc", "summary", "audience")
	addressedPublic("the moderator's Delete", del)
	if del["actor"] != olgaURI {
		t.Errorf("the Delete's actor is %v, want the moderator", del["actor"])
	}
	testenv.Eventually(t, 30*time.Second, "Undo{Announce} at the Mastodon member", func() bool {
		for _, u := range testenv.ReceivedOfType(mia, "Undo") {
			in := testenv.InnerOf(u)
			if in["type"] == "Announce" && in["object"] == st.URI && in["id"] != nil && in["actor"] == groupURL {
				return true
			}
		}
		return false
	})

	// Restore: the Undo embeds the whole Delete.
	olga.MustSubmit("/groups/moms/restore", url.Values{"post": {st.ID}})
	undo := inner(leo, "Undo", func(m map[string]any) bool { return testenv.InnerOf(m)["type"] == "Delete" })
	hasAll("Undo{Delete}", undo, "id", "actor", "to", "cc")
	hasAll("the Delete inside Undo", testenv.InnerOf(undo), "id", "actor", "to", "cc", "summary", "object")

	// Lock and unlock: the Undo embeds the whole Lock.
	olga.MustSubmit("/groups/moms/lock", url.Values{"post": {st.ID}})
	lock := inner(leo, "Lock", func(m map[string]any) bool { return m["object"] == st.URI })
	hasAll("Lock", lock, "id", "actor", "to", "cc")
	olga.MustSubmit("/groups/moms/unlock", url.Values{"post": {st.ID}})
	unlock := inner(leo, "Undo", func(m map[string]any) bool { return testenv.InnerOf(m)["type"] == "Lock" })
	hasAll("the Lock inside Undo", testenv.InnerOf(unlock), "id", "actor", "to", "cc", "object")

	// A ban for a week: endTime and expires; lifted: the Undo embeds the whole Block.
	olga.MustSubmit("/groups/moms/bans", url.Values{"handle": {mia.ActorID}, "reason": {"spam"}, "days": {"7"}})
	block := inner(leo, "Block", func(m map[string]any) bool { return m["object"] == mia.ActorID })
	hasAll("Block", block, "id", "actor", "to", "cc", "target", "endTime", "expires", "summary")
	if block["endTime"] != block["expires"] {
		t.Errorf("endTime %v and expires %v differ", block["endTime"], block["expires"])
	}
	var miaID int64
	testenv.QueryOne(t, a, &miaID, `SELECT id FROM actors WHERE uri = $1`, mia.ActorID)
	olga.MustSubmit("/groups/moms/unban", url.Values{"actor": {fmt.Sprint(miaID)}})
	unban := inner(leo, "Undo", func(m map[string]any) bool { return testenv.InnerOf(m)["type"] == "Block" })
	hasAll("the Block inside Undo", testenv.InnerOf(unban), "id", "actor", "to", "cc", "target", "object")

	// A pin: Lemmy gets the moderator's Add announced, Mastodon the group's own Add.
	// The ban ended mia's follow: she follows again (a new Follow id).
	accepts := len(testenv.ReceivedOfType(mia, "Accept"))
	again := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/follows/moms-again", "type": "Follow", "actor": mia.ActorID, "object": groupURL})
	if code := mia.Post(a.BaseURL+"/inbox", again, time.Now()); code != http.StatusAccepted {
		t.Fatalf("mia follows again: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "mia's new Accept", func() bool { return len(testenv.ReceivedOfType(mia, "Accept")) > accepts })
	st2 := testenv.PostStatus(t, alice, url.Values{"status": {"@moms welcome, read the rules"}})
	olga.MustSubmit("/groups/moms/pins", url.Values{"post": {st2.ID}})
	add := inner(leo, "Add", func(m map[string]any) bool { return m["object"] == st2.URI })
	if add["actor"] != olgaURI || add["target"] != groupURL+"/featured" {
		t.Errorf("the announced Add: actor %v target %v, want the moderator and the featured collection", add["actor"], add["target"])
	}
	testenv.Eventually(t, 30*time.Second, "the group's own Add at the Mastodon member", func() bool {
		for _, m := range testenv.ReceivedOfType(mia, "Add") {
			if m["actor"] == groupURL && m["object"] == st2.URI && m["target"] == groupURL+"/featured" {
				return true
			}
		}
		return false
	})

	// Saving the settings: the group's own Update{Group} for Mastodon, the
	// moderator's Update announced for Lemmy.
	olga.MustSubmit("/groups/moms/settings", url.Values{"title": {"Moms of Park Slope"}, "summary": {"Parents helping parents."}})
	edit := inner(leo, "Update", func(m map[string]any) bool { return testenv.InnerOf(m)["type"] == "Group" })
	if edit["actor"] != olgaURI || testenv.InnerOf(edit)["id"] != groupURL || testenv.InnerOf(edit)["name"] != "Moms of Park Slope" {
		t.Errorf("the announced Update: actor %v, object %v; want the moderator and the group's new document", edit["actor"], testenv.InnerOf(edit)["id"])
	}
	hasAll("the announced Update{Group}", edit, "id", "actor", "to", "cc")
	testenv.Eventually(t, 30*time.Second, "the group's own Update{Group} at the Mastodon member", func() bool {
		for _, m := range testenv.ReceivedOfType(mia, "Update") {
			if m["actor"] == groupURL && testenv.InnerOf(m)["name"] == "Moms of Park Slope" {
				return true
			}
		}
		return false
	})

	// Members-only group: a refused and an approved request are answered
	// with the Follow embedded (id, actor, object), as Mastodon and Lemmy match it.
	follow := func(r *testenv.Remote) string {
		id := r.ActorID + "/follows/circle"
		body := testenv.Activity(t, map[string]any{"id": id, "type": "Follow", "actor": r.ActorID, "object": a.BaseURL + "/groups/circle"})
		if code := r.Post(a.BaseURL+"/inbox", body, time.Now()); code != http.StatusAccepted {
			t.Fatalf("%s asks to join: %d", r.Username, code)
		}
		return id
	}
	answered := func(r *testenv.Remote, typ, followID string) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, typ+" at "+r.Username, func() bool {
			for _, m := range testenv.ReceivedOfType(r, typ) {
				f := testenv.InnerOf(m)
				if m["actor"] == a.BaseURL+"/groups/circle" && f["type"] == "Follow" && f["id"] == followID &&
					f["actor"] == r.ActorID && f["object"] == a.BaseURL+"/groups/circle" {
					return true
				}
			}
			return false
		})
	}
	leoFollow, miaFollow := follow(leo), follow(mia)
	var leoReq, miaReq int64
	testenv.QueryOne(t, a, &leoReq, `SELECT id FROM follows WHERE uri = $1`, leoFollow)
	testenv.QueryOne(t, a, &miaReq, `SELECT id FROM follows WHERE uri = $1`, miaFollow)
	olga.MustSubmit(fmt.Sprintf("/groups/circle/requests/%d/approve", leoReq), url.Values{})
	olga.MustSubmit(fmt.Sprintf("/groups/circle/requests/%d/reject", miaReq), url.Values{})
	answered(leo, "Accept", leoFollow)
	answered(mia, "Reject", miaFollow)

	// Moderation in a members-only group goes to members only, never
	// Public, and still has the cc Lemmy's parser requires.
	circleURL := a.BaseURL + "/groups/circle"
	olga.MustSubmit("/groups/circle/bans", url.Values{"handle": {mia.ActorID}, "reason": {"spam"}})
	var private map[string]any
	testenv.Eventually(t, 30*time.Second, "Announce{Block} of the members-only group at leo", func() bool {
		for _, an := range testenv.ReceivedOfType(leo, "Announce") {
			if an["actor"] == circleURL && testenv.InnerOf(an)["type"] == "Block" {
				private = an
				return true
			}
		}
		return false
	})
	testenv.PostStatus(t, olgaAPI, url.Values{"status": {"@circle welcome, all"}})
	var shared map[string]any
	testenv.Eventually(t, 30*time.Second, "Announce{Create} of the members-only group at leo", func() bool {
		for _, an := range testenv.ReceivedOfType(leo, "Announce") {
			if an["actor"] == circleURL && testenv.InnerOf(an)["type"] == "Create" {
				shared = an
				return true
			}
		}
		return false
	})
	for what, m := range map[string]map[string]any{"Announce{Block}": private, "Block": testenv.InnerOf(private), "Announce{Create}": shared} {
		hasAll(what+" in a members-only group", m, "to", "cc")
		if strings.Contains(fmt.Sprint(m["to"], m["cc"]), asPublic) {
			t.Errorf("%s in a members-only group is addressed Public: to %v cc %v", what, m["to"], m["cc"])
		}
	}

	// A report forwarded to Mastodon: Flag from the instance actor, the
	// account first in object, the comment in content.
	miaAcct := testenv.Lookup(t, alice, "mia@"+strings.TrimPrefix(mia.Server.URL, "http://"))
	var rep map[string]any
	alice.Post("/api/v1/reports", url.Values{"account_id": {miaAcct.ID}, "comment": {"rude to new parents"}, "forward": {"true"}}, &rep)
	testenv.Eventually(t, 30*time.Second, "the Flag at the Mastodon member's server", func() bool {
		for _, f := range testenv.ReceivedOfType(mia, "Flag") {
			// One object may come as a plain IRI: Mastodon reads both (Array()).
			objs, _ := f["object"].([]any)
			if s, ok := f["object"].(string); ok {
				objs = []any{s}
			}
			if f["actor"] == a.BaseURL+"/actor" && len(objs) > 0 && objs[0] == mia.ActorID && f["content"] == "rude to new parents" {
				return true
			}
		}
		return false
	})
	// A person's block, and its Undo, as Mastodon's Block handler reads
	// them: id (kept as the block's uri), actor, object the local account.
	alice.Post("/api/v1/accounts/"+miaAcct.ID+"/block", nil, nil)
	alice.Post("/api/v1/accounts/"+miaAcct.ID+"/unblock", nil, nil)
	aliceURI := a.BaseURL + "/users/alice"
	testenv.Eventually(t, 30*time.Second, "Block and Undo{Block} at mia", func() bool {
		var blockID any
		for _, b := range testenv.ReceivedOfType(mia, "Block") {
			if b["actor"] == aliceURI && b["object"] == mia.ActorID && b["id"] != nil {
				blockID = b["id"]
			}
		}
		for _, u := range testenv.ReceivedOfType(mia, "Undo") {
			in := testenv.InnerOf(u)
			if blockID != nil && u["actor"] == aliceURI && in["type"] == "Block" && in["id"] == blockID && in["object"] == mia.ActorID {
				return true
			}
		}
		return false
	})
	if rep["forwarded"] != true {
		t.Errorf("the report answer says it was not forwarded: %v", rep)
	}
}
