package browsertests

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances of the cross-server moderation test, on the loopback
// addresses kept for them (ports picked at start).
const (
	addrCrossA = "127.0.0.80:0"
	addrCrossB = "127.0.0.81:0"
)

// idOf is the row id of a post or an actor an instance stores, 0 when none.
func idOf(t *testing.T, v *testenv.Village, table, uri string) int64 {
	t.Helper()
	var id int64
	testenv.QueryOne(t, v, &id, `SELECT coalesce((SELECT id FROM `+table+` WHERE uri = $1), 0)`, uri)
	return id
}

// A person on Village B who moderates a group on Village A moderates it
// from B's web app: she finds the group's posts on B's /moderate pages and
// removes one (A tombstones it and announces her Delete), locks a thread,
// bans a member (A refuses the member's later posts) and lifts the ban,
// approves one request to join a members-only group that A sent her and
// rejects another, and finds in her queue on B a report filed on A about
// the group, with a notification; a stranger's Flag about the group is
// refused on B, and B's other people cannot open the page. Naming a
// moderator with the command line announces Add, as the web control does.
func TestRemoteModeratorActsFromHerOwnVillage(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrCrossA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrCrossB})
	a.Admin("admin", "group", "create", "moms", "--title", "Moms")
	a.Admin("admin", "group", "create", "club", "--title", "Club", "--private")
	a.User("olga")
	a.Admin("admin", "group", "moderator", "add", "moms", "olga", "--owner")
	a.Admin("admin", "group", "moderator", "add", "club", "olga", "--owner")
	alice := a.User("alice")
	nina := b.User("nina")
	b.User("bob")
	momsURL, clubURL := a.BaseURL+"/groups/moms", a.BaseURL+"/groups/club"
	testenv.JoinFromVillage(t, alice, "moms")
	testenv.JoinFromVillage(t, nina, "@moms@"+a.Addr)
	mia, leo := testenv.NewRemote(t, "mia"), testenv.NewRemote(t, "leo")
	testenv.JoinGroup(t, a, mia, "moms")
	testenv.JoinGroup(t, a, leo, "moms")

	// The owner names nina, on B, a moderator of both groups.
	ninaURL := b.BaseURL + "/users/nina"
	olga := a.SignIn("olga")
	olga.MustSubmit("/groups/moms/moderators", url.Values{"handle": {ninaURL}})
	olga.MustSubmit("/groups/club/moderators", url.Values{"handle": {ninaURL}})

	// Mia posts three times into the group; B gets the posts.
	notes := []map[string]any{testenv.GroupNote(mia, 1, momsURL, "spam spam spam"), testenv.GroupNote(mia, 2, momsURL, "a heated thread"),
		testenv.GroupNote(mia, 3, momsURL, "something to report")}
	for _, n := range notes {
		if code := testenv.PostInto(t, mia, momsURL, n); code != http.StatusAccepted {
			t.Fatalf("mia's post into the group: %d", code)
		}
	}
	onB := make([]int64, len(notes))
	testenv.Eventually(t, 30*time.Second, "mia's posts on B", func() bool {
		for i, n := range notes {
			onB[i] = idOf(t, b, "posts", n["id"].(string))
		}
		return onB[0] > 0 && onB[1] > 0 && onB[2] > 0
	})
	momsOnB := idOf(t, b, "actors", momsURL)
	page := "/moderate/" + strconv.FormatInt(momsOnB, 10)

	// Bob, on B, moderates nothing: the page does not exist for him, and
	// his forms send nothing.
	bobWeb := b.SignIn("bob")
	if code, _ := bobWeb.Get(page); code != http.StatusNotFound {
		t.Errorf("a non-moderator opens %s: %d, want 404", page, code)
	}
	if code, _ := bobWeb.SubmitFrom("/settings", page+"/remove", url.Values{"post": {strconv.FormatInt(onB[0], 10)}}); code != http.StatusNotFound {
		t.Errorf("a non-moderator's remove form: %d, want 404", code)
	}
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM activities WHERE type = 'Delete'`); n != 0 {
		t.Errorf("a non-moderator's form stored %d Delete activities on B", n)
	}
	ninaWeb := b.SignIn("nina")
	var ninaOnB int64
	testenv.QueryOne(t, b, &ninaOnB, `SELECT id FROM actors WHERE username = 'nina' AND domain IS NULL`)
	for _, p := range []string{"/moderate/abc", "/moderate/-1", "/moderate/" + strconv.FormatInt(ninaOnB, 10), "/moderate/999999"} {
		if code, _ := ninaWeb.Get(p); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (not a remote group)", p, code)
		}
	}
	if code, body := ninaWeb.Get("/moderate"); code != 200 || !strings.Contains(body, page) {
		t.Fatalf("nina's list of groups she moderates elsewhere: %d, lacks %s:\n%s", code, page, body)
	}
	if code, body := ninaWeb.Get(page); code != 200 || !strings.Contains(body, "spam spam spam") || !strings.Contains(body, page+"/remove") {
		t.Fatalf("nina's moderation page of the group: %d, lacks the post and its remove form:\n%s", code, body)
	}

	// A post that is not the group's is refused, and nothing is sent.
	if code, _ := ninaWeb.SubmitFrom(page, page+"/remove", url.Values{"post": {"999999"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("removing a post not in the group: %d, want 422", code)
	}
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM activities WHERE type = 'Delete'`); n != 0 {
		t.Errorf("a refused remove form stored a Delete on B")
	}

	// 1. She removes a post: A tombstones it and announces her Delete.
	ninaWeb.MustSubmit(page+"/remove", url.Values{"post": {strconv.FormatInt(onB[0], 10)}, "reason": {"spam"}})
	testenv.Eventually(t, 30*time.Second, "A announces nina's Delete to its members", func() bool {
		for _, del := range testenv.AnnouncedOfType(leo.Received(), momsURL, "Delete") {
			if del["actor"] == ninaURL && del["object"] == notes[0]["id"] && del["summary"] == "spam" && del["audience"] == momsURL {
				return true
			}
		}
		return false
	})
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM posts WHERE uri = $1 AND deleted_at IS NOT NULL`, notes[0]["id"]); n != 1 {
		t.Errorf("the removed post is not a tombstone on A")
	}
	testenv.Eventually(t, 30*time.Second, "the removed post gone on B too", func() bool {
		return testenv.QueryCount(t, b, `SELECT count(*) FROM posts WHERE id = $1 AND deleted_at IS NOT NULL`, onB[0]) == 1
	})
	var sent string
	testenv.QueryOne(t, b, &sent, `SELECT coalesce((SELECT uri FROM activities WHERE type = 'Delete' AND object_uri = $1), '')`, notes[0]["id"])
	if code := testenv.GetActivity(t, sent, &map[string]any{}); sent == "" || code != 200 {
		t.Errorf("nina's Delete is not stored on B or does not dereference (%q: %d)", sent, code)
	}

	// 2. She locks a thread: A locks it.
	ninaWeb.MustSubmit(page+"/lock", url.Values{"post": {strconv.FormatInt(onB[1], 10)}})
	testenv.Eventually(t, 30*time.Second, "the thread locked on A", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM posts WHERE uri = $1 AND locked_at IS NOT NULL`, notes[1]["id"]) == 1
	})

	// 3. She bans mia for 7 days: A refuses mia's later posts; then she lifts it.
	ninaWeb.MustSubmit(page+"/bans", url.Values{"handle": {mia.ActorID}, "reason": {"spamming"}, "days": {"7"}})
	testenv.Eventually(t, 30*time.Second, "mia banned on A", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM group_bans b JOIN actors g ON g.id = b.group_id JOIN actors m ON m.id = b.actor_id
			WHERE g.username = 'moms' AND g.domain IS NULL AND m.uri = $1 AND b.ends_at > now() + interval '6 days'`, mia.ActorID) == 1
	})
	if code := testenv.PostInto(t, mia, momsURL, testenv.GroupNote(mia, 4, momsURL, "banned but posting")); code != http.StatusForbidden {
		t.Errorf("a banned member's post into the group: %d, want 403", code)
	}
	testenv.Eventually(t, 30*time.Second, "the ban, announced by A, listed on nina's page on B", func() bool {
		_, body := ninaWeb.Get(page)
		return strings.Contains(body, page+"/unban") && strings.Contains(body, "spamming")
	})
	var miaOnB int64
	testenv.QueryOne(t, b, &miaOnB, `SELECT id FROM actors WHERE uri = $1`, mia.ActorID)
	ninaWeb.MustSubmit(page+"/unban", url.Values{"actor": {strconv.FormatInt(miaOnB, 10)}})
	testenv.Eventually(t, 30*time.Second, "the ban lifted on A", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM group_bans b JOIN actors m ON m.id = b.actor_id WHERE m.uri = $1`, mia.ActorID) == 0
	})

	// 4. A request to join the members-only club reaches her on B; she approves it.
	lea := testenv.NewRemote(t, "lea")
	follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": lea.ActorID + "/follows/club",
		"type": "Follow", "actor": lea.ActorID, "object": clubURL}
	if resp, body := lea.Deliver(a.BaseURL+"/inbox", follow); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("lea's Follow of the club: %d %s", resp.StatusCode, body)
	}
	var clubOnB int64
	testenv.Eventually(t, 30*time.Second, "lea's request to join the club on B", func() bool {
		testenv.QueryOne(t, b, &clubOnB, `SELECT coalesce((SELECT group_id FROM remote_join_requests WHERE follow_uri = $1), 0)`, follow["id"])
		return clubOnB > 0
	})
	clubPage := "/moderate/" + strconv.FormatInt(clubOnB, 10)
	if _, body := ninaWeb.Get("/moderate"); !strings.Contains(body, clubPage) {
		t.Errorf("nina's list lacks the club, whose join request she got")
	}
	var requestID int64
	testenv.QueryOne(t, b, &requestID, `SELECT id FROM remote_join_requests WHERE follow_uri = $1`, follow["id"])
	if _, body := ninaWeb.Get(clubPage); !strings.Contains(body, fmt.Sprintf("%s/requests/%d/approve", clubPage, requestID)) {
		t.Fatalf("nina's page of the club does not offer to approve lea's request:\n%s", body)
	}
	if len(testenv.ReceivedOfType(lea, "Accept")) != 0 {
		t.Fatalf("lea was accepted before anyone approved her")
	}
	ninaWeb.MustSubmit(fmt.Sprintf("%s/requests/%d/approve", clubPage, requestID), url.Values{})
	testenv.Eventually(t, 30*time.Second, "the club's Accept at lea's server", func() bool {
		for _, acc := range testenv.ReceivedOfType(lea, "Accept") {
			if acc["actor"] == clubURL && testenv.ObjectID(acc["object"]) == follow["id"] {
				return true
			}
		}
		return false
	})
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors m ON m.id = f.follower_id WHERE m.uri = $1 AND f.state = 'accepted'`, lea.ActorID); n != 1 {
		t.Errorf("lea is not a member of the club on A")
	}

	// A second request, which she rejects: the club turns it down.
	max := testenv.NewRemote(t, "max")
	maxFollow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": max.ActorID + "/follows/club",
		"type": "Follow", "actor": max.ActorID, "object": clubURL}
	if resp, body := max.Deliver(a.BaseURL+"/inbox", maxFollow); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("max's Follow of the club: %d %s", resp.StatusCode, body)
	}
	var maxRequest int64
	testenv.Eventually(t, 30*time.Second, "max's request to join the club on B", func() bool {
		testenv.QueryOne(t, b, &maxRequest, `SELECT coalesce((SELECT id FROM remote_join_requests WHERE follow_uri = $1), 0)`, maxFollow["id"])
		return maxRequest > 0
	})
	ninaWeb.MustSubmit(fmt.Sprintf("%s/requests/%d/reject", clubPage, maxRequest), url.Values{})
	testenv.Eventually(t, 30*time.Second, "the club's Reject at max's server", func() bool {
		for _, rej := range testenv.ReceivedOfType(max, "Reject") {
			if rej["actor"] == clubURL && testenv.ObjectID(rej["object"]) == maxFollow["id"] {
				return true
			}
		}
		return false
	})
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors m ON m.id = f.follower_id WHERE m.uri = $1`, max.ActorID); n != 0 {
		t.Errorf("a rejected request still waits or counts on A")
	}
	if _, body := ninaWeb.Get(clubPage); strings.Contains(body, "/requests/") {
		t.Errorf("answered requests are still offered on nina's page")
	}

	// Two more requests: olga approves one on A, and the other's sender
	// takes it back (Undo{Follow}). The club tells nina's server, whose
	// page stops offering them.
	quinn, ruth := testenv.NewRemote(t, "quinn"), testenv.NewRemote(t, "ruth")
	follows := map[*testenv.Remote]map[string]any{}
	for _, r := range []*testenv.Remote{quinn, ruth} {
		follows[r] = map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": r.ActorID + "/follows/club",
			"type": "Follow", "actor": r.ActorID, "object": clubURL}
		if resp, body := r.Deliver(a.BaseURL+"/inbox", follows[r]); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s's Follow of the club: %d %s", r.ActorID, resp.StatusCode, body)
		}
	}
	testenv.Eventually(t, 30*time.Second, "both requests offered on nina's page on B", func() bool {
		return testenv.QueryCount(t, b, `SELECT count(*) FROM remote_join_requests WHERE decided_at IS NULL`) == 2
	})
	var quinnOnA int64
	testenv.QueryOne(t, a, &quinnOnA, `SELECT f.id FROM follows f JOIN actors m ON m.id = f.follower_id WHERE m.uri = $1`, quinn.ActorID)
	olga.MustSubmit(fmt.Sprintf("/groups/club/requests/%d/approve", quinnOnA), url.Values{})
	if resp, body := ruth.Deliver(a.BaseURL+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": ruth.ActorID + "/follows/club/undo", "type": "Undo", "actor": ruth.ActorID, "object": follows[ruth]}); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ruth's Undo{Follow}: %d %s", resp.StatusCode, body)
	}
	testenv.Eventually(t, 30*time.Second, "the settled requests gone from nina's page on B", func() bool {
		_, body := ninaWeb.Get(clubPage)
		return testenv.QueryCount(t, b, `SELECT count(*) FROM remote_join_requests WHERE decided_at IS NULL`) == 0 && !strings.Contains(body, "/requests/")
	})
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM remote_join_requests WHERE follow_uri = $1 AND accepted`, follows[quinn]["id"]); n != 1 {
		t.Errorf("quinn's request is not recorded as approved on B")
	}

	// 5. Alice, on A, reports mia's third post: the report reaches nina's queue on B.
	var miaOnA, postOnA int64
	testenv.QueryOne(t, a, &miaOnA, `SELECT id FROM actors WHERE uri = $1`, mia.ActorID)
	testenv.QueryOne(t, a, &postOnA, `SELECT id FROM posts WHERE uri = $1`, notes[2]["id"])
	if code := alice.Do(http.MethodPost, "/api/v1/reports", url.Values{"account_id": {strconv.FormatInt(miaOnA, 10)},
		"status_ids[]": {strconv.FormatInt(postOnA, 10)}, "comment": {"please look at this"}}, nil); code != 200 {
		t.Fatalf("alice's report: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the report in nina's queue on B", func() bool {
		_, body := ninaWeb.Get(page)
		return strings.Contains(body, "please look at this") && strings.Contains(body, "something to report")
	})
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM notifications n JOIN actors r ON r.id = n.recipient_id
		WHERE r.username = 'nina' AND r.domain IS NULL AND n.type = 'admin.report' AND n.group_id = $1`, momsOnB); n != 1 {
		t.Errorf("nina has %d report notifications on B, want 1", n)
	}
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM reports WHERE group_id = $1 AND state = 'open'`, momsOnB); n != 1 {
		t.Errorf("B holds %d open reports about the group, want 1", n)
	}
	if _, body := ninaWeb.Get("/notifications"); !strings.Contains(body, `href="`+page+`"`) {
		t.Errorf("nina's notification of the report does not link her page of the group")
	}

	// A stranger's Flag about the group is refused on B and stored nowhere.
	stranger := testenv.NewRemote(t, "stranger")
	resp, body := stranger.Deliver(b.BaseURL+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": stranger.ActorID + "/flags/1", "type": "Flag", "actor": stranger.ActorID, "to": []any{momsURL},
		"object": []any{mia.ActorID, notes[2]["id"]}, "content": "a stranger's complaint"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a stranger's Flag about the group: %d %s, want 400", resp.StatusCode, body)
	}
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM reports WHERE comment LIKE '%stranger%'`); n != 0 {
		t.Errorf("a stranger's Flag about a remote group was stored on B")
	}

	// 6. She bans mia and takes down what mia wrote there: A removes mia's
	// posts in the group (Block{removeData: true}).
	ninaWeb.MustSubmit(page+"/bans", url.Values{"handle": {mia.ActorID}, "reason": {"spam again"}, "remove_posts": {"1"}})
	testenv.Eventually(t, 30*time.Second, "mia's posts removed from the group on A", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM posts WHERE uri = ANY($1) AND deleted_at IS NULL`,
			[]string{notes[1]["id"].(string), notes[2]["id"].(string)}) == 0
	})
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM activities WHERE type = 'Block' AND body->>'removeData' = 'true'`); n != 1 {
		t.Errorf("B stored %d Blocks with removeData, want nina's one", n)
	}

	// Her pages pass axe-core's WCAG A/AA rules in both themes, at phone
	// and desktop widths (screenshots in test-artifacts/).
	t.Run("in a real browser", func(t *testing.T) {
		br := newBrowser(t)
		br.BaseURL = b.BaseURL
		br.Visit("/login?next=" + url.QueryEscape("/moderate"))
		br.Fill("#login", "nina")
		br.Fill("#password", "password-nina")
		br.Submit("main form[action='/login'] [type=submit]")
		br.WaitText("main", "Groups you moderate elsewhere")
		checkEveryWay(t, br.In(t), "remote-moderation-list")
		br.Submit("main a[href='" + page + "']")
		br.WaitText("main", "please look at this")
		checkEveryWay(t, br.In(t), "remote-moderation-group")
	})

	// 6. The command line names alice a moderator: the group announces Add.
	if out := a.Admin("admin", "group", "moderator", "add", "moms", "alice"); !strings.Contains(out, "alice now moderates moms") {
		t.Errorf("moderator add says: %s", out)
	}
	testenv.Eventually(t, 30*time.Second, "Announce{Add alice to moderators} at leo's server", func() bool {
		for _, add := range testenv.AnnouncedOfType(leo.Received(), momsURL, "Add") {
			if add["object"] == a.BaseURL+"/users/alice" && add["target"] == momsURL+"/moderators" {
				return true
			}
		}
		return false
	})
}
