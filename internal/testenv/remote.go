package testenv

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/village-social/village/federation/signature"
)

// Remote is a minimal fediverse server on a loopback address with one
// actor: it serves the actor's document, records what its inbox receives,
// and signs requests as the actor. Tests use it where they need a peer that
// sends exactly what they choose, including bad requests.
type Remote struct {
	t        testing.TB
	Server   *httptest.Server
	ActorID  string
	KeyID    string
	Key      *rsa.PrivateKey
	Username string
	// Delay holds each inbox answer back, to keep deliveries in flight.
	Delay time.Duration
	// Software is the name its NodeInfo gives (e.g. "mastodon"); empty
	// serves no NodeInfo.
	Software string

	mu         sync.Mutex
	received   [][]byte
	deliveries []Delivery
	hits       int
	// actorFetches counts fetches of the actor document.
	actorFetches int
	docs         map[string]any // extra documents served by path
}

// NewRemote starts a remote peer with an actor named username.
func NewRemote(t testing.TB, username string) *Remote {
	t.Helper()
	return newRemote(t, username, nil)
}

// newRemote starts the peer on listener, or on 127.0.0.1 when it is nil.
func newRemote(t testing.TB, username string, listener net.Listener) *Remote {
	t.Helper()
	r := &Remote{t: t, Key: BorrowKey(t), Username: username, docs: map[string]any{}}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	if listener != nil {
		r.Server.Listener.Close()
		r.Server.Listener = listener
	}
	r.Server.Start()
	t.Cleanup(r.Server.Close)
	r.ActorID = r.Server.URL + "/users/" + username
	r.KeyID = r.ActorID + "#main-key"
	return r
}

// ActorDocument is the actor's document, as served.
func (r *Remote) ActorDocument() map[string]any {
	r.mu.Lock()
	key := r.Key
	r.mu.Unlock()
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		r.t.Fatal(err)
	}
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                r.ActorID,
		"type":              "Person",
		"preferredUsername": r.Username,
		"name":              "Remote " + r.Username,
		"inbox":             r.ActorID + "/inbox",
		"outbox":            r.ActorID + "/outbox",
		"followers":         r.ActorID + "/followers",
		"endpoints":         map[string]any{"sharedInbox": r.Server.URL + "/inbox"},
		"publicKey": map[string]any{
			"id": r.KeyID, "owner": r.ActorID,
			"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		},
	}
}

// Serve makes the peer answer GET path with doc as activity+json.
func (r *Remote) Serve(path string, doc any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.docs[path] = doc
}

func (r *Remote) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits++
	doc, ok := r.docs[req.URL.Path]
	delay := r.Delay
	r.mu.Unlock()
	switch {
	case req.Method == http.MethodPost:
		body, _ := io.ReadAll(req.Body)
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			// The sender gave up (or died) before our answer: for it, this
			// delivery did not happen, so it is not counted either.
			return
		}
		r.mu.Lock()
		r.received = append(r.received, body)
		r.deliveries = append(r.deliveries, Delivery{Request: req.Clone(context.Background()), Body: body, At: time.Now()})
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	case ok:
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(doc)
	case req.URL.Path == "/.well-known/nodeinfo" && r.Software != "":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"links": []any{map[string]any{
			"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": r.Server.URL + "/nodeinfo/2.0"}}})
	case req.URL.Path == "/nodeinfo/2.0" && r.Software != "":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"version": "2.0", "software": map[string]any{"name": r.Software, "version": "4.3.0"},
			"protocols": []string{"activitypub"}})
	case req.URL.Path == "/users/"+r.Username:
		r.mu.Lock()
		r.actorFetches++
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(r.ActorDocument())
	default:
		http.NotFound(w, req)
	}
}

// Received returns the activities POSTed to the peer so far, decoded.
func (r *Remote) Received() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]map[string]any, 0, len(r.received))
	for _, b := range r.received {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Delivery is one POST the peer received, as it arrived: tests check its
// HTTP signature as the receiving server would.
type Delivery struct {
	Request *http.Request // method, URL, Host and headers (the body is Body)
	Body    []byte
	At      time.Time
}

// Deliveries returns the POSTs the peer received so far, in order.
func (r *Remote) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.deliveries...)
}

// ActorFetches counts fetches of the actor's document.
func (r *Remote) ActorFetches() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.actorFetches
}

// Hits counts every request the peer has answered.
func (r *Remote) Hits() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits
}

// Post sends body to url signed as the actor (at time now), returning the status.
func (r *Remote) Post(url string, body []byte, now time.Time) int {
	r.t.Helper()
	req := r.NewPost(url, body)
	r.mu.Lock()
	key := r.Key
	r.mu.Unlock()
	if err := signature.SignRequest(req, body, r.KeyID, key, now); err != nil {
		r.t.Fatal(err)
	}
	return Send(r.t, req)
}

// Deliver signs an activity as the actor, POSTs it to inbox now, and
// returns the response with its body read, for tests that check why a
// delivery was refused or when to come back.
func (r *Remote) Deliver(inbox string, activity map[string]any) (*http.Response, string) {
	r.t.Helper()
	body := Activity(r.t, activity)
	req := r.NewPost(inbox, body)
	r.mu.Lock()
	key := r.Key
	r.mu.Unlock()
	if err := signature.SignRequest(req, body, r.KeyID, key, time.Now()); err != nil {
		r.t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		r.t.Fatalf("POST %s: %v", inbox, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("POST %s: %v", inbox, err)
	}
	return resp, string(b)
}

// NewPost builds an unsigned POST of an activity.
func (r *Remote) NewPost(url string, body []byte) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	return req
}

// Send sends a prepared request and returns the status code.
func Send(t testing.TB, req *http.Request) int {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Activity marshals an activity map.
func Activity(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RotateKey gives the actor a new key under the same key id, as a server
// rotating keys does; its document serves the new key from now on.
func (r *Remote) RotateKey() {
	r.t.Helper()
	key := BorrowKey(r.t)
	r.mu.Lock()
	r.Key = key
	r.mu.Unlock()
}
