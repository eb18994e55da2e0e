package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// fetchSite is an instance at apBase (alice, the public group Brooklyn
// Moms, an activity of alice's) that verifies signed fetches, keys fetched
// from loopback peers; authorized fetch on or off.
type fetchSite struct {
	e        *echo.Echo
	db       *pgxpool.Pool
	resolver *federation.Resolver
	activity string
}

func newFetchSite(t *testing.T, authorized bool, setup func(s fetchSite)) fetchSite {
	t.Helper()
	base := newAPServer(t)
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	urls := federation.NewURLs(apBase)
	resolver := federation.NewResolver(base.db, urls, client, federation.ResolverOptions{Scheme: "http"})
	s := fetchSite{db: base.db, resolver: resolver, activity: storeActivity(t, base.db, localActor(t, base.db, "alice"), true)}
	if setup != nil {
		setup(s) // before the server reads its block lists
	}
	auth := federation.NewAuthenticator(resolver)
	out := outbox.New(base.db, urls, delivery.Enqueue, nil)
	s.e = web.New(web.Options{DB: base.db, URLs: urls, Version: "test", Resolver: resolver, Auth: auth,
		Outbox: out, Inbox: inbox.New(base.db, urls, resolver, out, auth, nil), AuthorizedFetch: authorized})
	return s
}

// get sends a GET of path, signed by r with scheme unless r is nil.
func (s fetchSite) get(t *testing.T, path, accept string, r *testenv.Remote, scheme signature.Scheme) *httptest.ResponseRecorder {
	t.Helper()
	path = strings.TrimPrefix(path, apBase)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = apHost
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if r != nil {
		out, err := http.NewRequest(http.MethodGet, apBase+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := signature.Sign(scheme, out, nil, r.KeyID, r.Key, time.Now()); err != nil {
			t.Fatal(err)
		}
		for k, v := range out.Header {
			if k != "Host" {
				req.Header[k] = v
			}
		}
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

// With authorized fetch on, every ActivityPub document but discovery and
// the instance actor asks for a signature (401, with a JSON error), and
// pages for browsers stay open; off, nothing asks for one.
func TestAuthorizedFetchAsksUnsignedFetchesForASignatureOnlyWhenOn(t *testing.T) {
	t.Parallel()
	on := newFetchSite(t, true, nil)
	off := newFetchSite(t, false, nil)
	tests := []struct {
		name, path, accept string
		open               bool // served unsigned with authorized fetch on
	}{
		{"a person", "/users/alice", mastodonGET, false},
		{"a group", "/groups/brooklyn_moms", asLDJSON, false},
		{"the reports actor", "/actors/reports", asJSON, false},
		{"an outbox", "/users/alice/outbox", asJSON, false},
		{"followers", "/groups/brooklyn_moms/followers", asJSON, false},
		{"following", "/users/alice/following", asJSON, false},
		{"moderators", "/groups/brooklyn_moms/moderators", asJSON, false},
		{"featured", "/groups/brooklyn_moms/featured", asJSON, false},
		{"the instance actor's outbox", "/actor/outbox", asJSON, false},
		{"an activity", on.activity, asJSON, false},
		{"a collection asked for without Accept", "/users/alice/followers", "", false},
		{"the instance actor", "/actor", asJSON, true},
		{"WebFinger", "/.well-known/webfinger?resource=acct:alice@" + apHost, "application/jrd+json", true},
		{"host-meta", "/.well-known/host-meta", "", true},
		{"NodeInfo links", "/.well-known/nodeinfo", "", true},
		{"NodeInfo", "/nodeinfo/2.1", "", true},
		{"a person's page for a browser", "/users/alice", browserGET, true},
		{"a group's page for a browser", "/groups/brooklyn_moms", browserGET, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := strings.Replace(tt.path, on.activity, off.activity, 1)
			if rec := off.get(t, path, tt.accept, nil, signature.Cavage); rec.Code != http.StatusOK {
				t.Errorf("off: %d %s, want 200", rec.Code, rec.Body)
			}
			rec := on.get(t, tt.path, tt.accept, nil, signature.Cavage)
			if tt.open {
				if rec.Code != http.StatusOK {
					t.Errorf("on: %d %s, want 200", rec.Code, rec.Body)
				}
				return
			}
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("on: %d, want 401", rec.Code)
			}
			if tt.accept != "" {
				if doc := decodeJSON(t, rec); doc["error"] == nil || doc["id"] != nil {
					t.Errorf("on: the 401 is %v, want a JSON error and nothing of the document", doc)
				}
			}
		})
	}
}

// With authorized fetch on, a fetch signed (either scheme) by a server not
// blocked is served; a bad signature gets 401; a suspended server or
// account gets 403 and is not served, even when its signature is good.
func TestAuthorizedFetchServesOnlyValidSignaturesOfServersNotBlocked(t *testing.T) {
	t.Parallel()
	friend := testenv.NewRemote(t, "friend")
	silenced := testenv.NewRemote(t, "quiet")
	blockedServer := testenv.NewRemote(t, "spammer")
	blockedAccount := testenv.NewRemote(t, "troll")
	s := newFetchSite(t, true, func(s fetchSite) {
		ctx := context.Background()
		for domain, severity := range map[string]string{
			federation.HostOf(blockedServer.ActorID): models.BlockSuspend,
			federation.HostOf(silenced.ActorID):      models.BlockSilence,
		} {
			if _, err := models.PutDomainBlock(ctx, s.db, models.DomainBlock{Domain: domain, Severity: severity}, nil); err != nil {
				t.Fatal(err)
			}
		}
		troll, err := s.resolver.FetchActor(ctx, blockedAccount.ActorID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.SuspendRemote(ctx, s.db, troll.ID, nil, "trolling"); err != nil {
			t.Fatal(err)
		}
	})
	forged := testenv.NewRemote(t, "forger")
	forged.KeyID = friend.KeyID // signs in friend's name with its own key

	tests := []struct {
		name   string
		signer *testenv.Remote
		scheme signature.Scheme
		want   int
	}{
		{"draft-cavage signature of a server not blocked", friend, signature.Cavage, http.StatusOK},
		{"RFC 9421 signature of a server not blocked", friend, signature.RFC9421, http.StatusOK},
		{"signature of a silenced server", silenced, signature.Cavage, http.StatusOK},
		{"forged signature", forged, signature.Cavage, http.StatusUnauthorized},
		{"forged RFC 9421 signature", forged, signature.RFC9421, http.StatusUnauthorized},
		{"valid signature of a suspended server", blockedServer, signature.Cavage, http.StatusForbidden},
		{"valid RFC 9421 signature of a suspended server", blockedServer, signature.RFC9421, http.StatusForbidden},
		{"valid signature of a suspended account", blockedAccount, signature.Cavage, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/users/alice", "/groups/brooklyn_moms/followers", s.activity} {
				rec := s.get(t, path, asJSON, tt.signer, tt.scheme)
				if rec.Code != tt.want {
					t.Fatalf("GET %s: %d %s, want %d", path, rec.Code, rec.Body, tt.want)
				}
				if tt.want != http.StatusOK && strings.Contains(rec.Body.String(), `"type"`) {
					t.Errorf("GET %s: the refusal shows the document: %s", path, rec.Body)
				}
			}
		})
	}
	if n := blockedServer.ActorFetches(); n != 0 {
		t.Errorf("the suspended server's key was fetched %d times, want never", n)
	}
}

// An inbox POST signed with RFC 9421 (as Mastodon 4.5 and Fedify sign) is
// taken; spoilt, it gets 401 and leaves nothing stored.
func TestInboxTakesRFC9421SignaturesAndRefusesSpoiltOnes(t *testing.T) {
	t.Parallel()
	s := newFetchSite(t, false, nil)
	remote := testenv.NewRemote(t, "rita")
	follow := func(n string) []byte {
		return testenv.Activity(t, map[string]any{"id": remote.ActorID + "/follows/" + n, "type": "Follow",
			"actor": remote.ActorID, "object": apBase + "/users/alice"})
	}
	// post signs body for path at signedAt, lets spoil change the request
	// (sent is the body that goes out), and answers the status.
	post := func(body []byte, signedAt time.Time, spoil func(r *http.Request) []byte) int {
		t.Helper()
		out, err := http.NewRequest(http.MethodPost, apBase+"/users/alice/inbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := signature.SignRFC9421(out, body, remote.KeyID, remote.Key, signedAt); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/users/alice/inbox", nil)
		req.Host = apHost
		for k, v := range out.Header {
			if k != "Host" {
				req.Header[k] = v
			}
		}
		req.Header.Set("Content-Type", "application/activity+json")
		sent := body
		if spoil != nil {
			if b := spoil(req); b != nil {
				sent = b
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(sent))
		req.ContentLength = int64(len(sent))
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, req)
		return rec.Code
	}
	tests := []struct {
		name     string
		signedAt time.Time
		spoil    func(r *http.Request) []byte
		want     int
	}{
		{"a genuine RFC 9421 signature", time.Now(), nil, http.StatusAccepted},
		{"wrong signature bytes", time.Now(), func(r *http.Request) []byte {
			r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(make([]byte, 256))+":")
			return nil
		}, http.StatusUnauthorized},
		{"the target changed after signing", time.Now(), func(r *http.Request) []byte {
			r.URL.Path, r.RequestURI = "/inbox", "/inbox"
			return nil
		}, http.StatusUnauthorized},
		{"a Content-Digest that does not match the body", time.Now(), func(r *http.Request) []byte {
			return []byte(strings.Replace(string(follow("digest")), "Follow", "Block", 1))
		}, http.StatusUnauthorized},
		{"created too old", time.Now().Add(-2 * time.Hour), nil, http.StatusUnauthorized},
		{"created in the future", time.Now().Add(time.Hour), nil, http.StatusUnauthorized},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := follow(strconv.Itoa(i))
			if tt.name == "a Content-Digest that does not match the body" {
				body = follow("digest")
			}
			if got := post(body, tt.signedAt, tt.spoil); got != tt.want {
				t.Fatalf("%d, want %d", got, tt.want)
			}
			var stored int
			if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM inbox_activities WHERE activity_uri LIKE $1`,
				remote.ActorID+"/follows/%").Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != 1 {
				t.Errorf("%d activities of the peer stored, want only the genuine one", stored)
			}
		})
	}
}
