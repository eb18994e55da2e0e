package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Fedify is an independent ActivityPub server: internal/fedify/peer.mjs, a
// Fedify (npm @fedify/fedify) application with one Person actor, run by the
// Node 22 binary that the npm package "node" installs there. Tests drive it
// through its /control API: it follows, posts, likes, updates and deletes
// with Fedify's own defaults (RFC 9421 signatures first, draft-cavage after
// a refusal, Linked Data Signatures, Object Integrity Proofs, compacted
// JSON-LD), and records what its inbox accepted after verifying signatures.
type Fedify struct {
	Addr     string // host:port it listens on, also its domain
	BaseURL  string // http://Addr
	Username string

	t    testing.TB
	cmd  *exec.Cmd
	done chan error
	log  *syncBuffer
	http *http.Client
}

// FedifyNote is what the peer posts: a public Note mentioning each of To
// (handles or actor URLs), addressed as Mastodon does, optionally a reply.
type FedifyNote struct {
	To        []string `json:"to"`
	Content   string   `json:"content"` // plain text; the peer writes the HTML
	InReplyTo string   `json:"inReplyTo,omitempty"`
}

// FedifyRequest is one HTTP request the peer sent, with the signature scheme
// it carried ("rfc9421", "draft-cavage" or "none") and the answer's status
// (0 when the request failed).
type FedifyRequest struct {
	Method    string `json:"method"`
	URL       string `json:"url"`
	Signature string `json:"signature"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
}

// StartFedify installs the peer's node modules when they are missing or
// older than package-lock.json, starts the peer on addr (a 127.0.0.x
// address; port 0 picks a free one) with an actor named username, waits until
// it answers, and stops it when the test ends, printing its log if the test
// failed.
func StartFedify(t testing.TB, addr, username string) *Fedify {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		t.Fatalf("testenv: the Fedify peer listens on 127.0.0.x addresses only, got %q", addr)
	}
	if port == "0" {
		addr = freeAddr(t, host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, node, err := FedifyInstall(ctx)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	f := &Fedify{
		Addr: addr, BaseURL: "http://" + addr, Username: username,
		t: t, log: &syncBuffer{}, http: &http.Client{Timeout: 30 * time.Second},
	}
	f.cmd = exec.Command(node, "peer.mjs", addr, username)
	f.cmd.Dir = dir
	f.cmd.Stdout, f.cmd.Stderr = f.log, f.log
	if err := f.cmd.Start(); err != nil {
		t.Fatalf("testenv: start the Fedify peer: %v", err)
	}
	f.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(f.cmd, f.done)
	t.Cleanup(func() {
		f.stop()
		if t.Failed() {
			t.Logf("fedify %s log:\n%s", f.Addr, f.log.String())
		}
	})
	// Node loads Fedify's few hundred modules at each start: a second or
	// two of CPU on a quiet machine, past 30 s once on a saturated one.
	if err := f.waitHealthy(90 * time.Second); err != nil {
		t.Fatalf("testenv: %v\n%s", err, f.log.String())
	}
	return f
}

// FedifyInstall makes sure internal/fedify has its node modules, installed
// by `npm ci` from package-lock.json, and returns that folder and the Node 22
// binary in it. It installs only when node_modules is missing or older than
// package.json or package-lock.json, under a lock shared by concurrent test
// binaries.
func FedifyInstall(ctx context.Context) (dir, node string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", "", fmt.Errorf("find the module root: %w", err)
	}
	dir = filepath.Join(root, "internal", "fedify")
	node = filepath.Join(dir, "node_modules", "node", "bin", "node")
	if err := npmInstall(ctx, dir, node, "the Fedify peer needs npm to install its modules: run `make prereqs`"); err != nil {
		return "", "", err
	}
	return dir, node, nil
}

func (f *Fedify) waitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-f.done:
			f.done <- err
			return fmt.Errorf("the Fedify peer exited while starting: %v", err)
		default:
		}
		resp, err := client.Get(f.BaseURL + "/control/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the Fedify peer on %s did not answer within %s", f.Addr, limit)
}

func (f *Fedify) stop() {
	select {
	case err := <-f.done:
		f.done <- err
		return
	default:
	}
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-f.done:
		f.done <- err
	case <-time.After(10 * time.Second):
		_ = f.cmd.Process.Kill()
		<-f.done
	}
}

// Handle is the actor's fediverse handle, @username@host:port.
func (f *Fedify) Handle() string { return "@" + f.Username + "@" + f.Addr }

// ActorURL is the actor's id.
func (f *Fedify) ActorURL() string { return f.BaseURL + "/users/" + f.Username }

// Log is what the peer has logged so far.
func (f *Fedify) Log() string { return f.log.String() }

// Follow makes the actor look target (a handle or an actor URL) up and send
// it a Follow; it returns the Follow's id.
func (f *Fedify) Follow(target string) string {
	f.t.Helper()
	var out struct{ ID string }
	f.must("follow", f.post("/control/follow", map[string]any{"target": target}, &out))
	return out.ID
}

// Unfollow sends Undo{Follow} for the actor's Follow of target.
func (f *Fedify) Unfollow(target string) {
	f.t.Helper()
	f.must("unfollow", f.post("/control/unfollow", map[string]any{"target": target}, nil))
}

// Note sends Create{Note} to the mentioned actors and the peer's followers;
// it returns the Note's id.
func (f *Fedify) Note(n FedifyNote) string {
	f.t.Helper()
	id, err := f.TryNote(n)
	f.must("note", err)
	return id
}

// TryNote is Note for a post a recipient may refuse: it returns the error
// the control API reports (with the refusing server's status and answer)
// instead of failing the test.
func (f *Fedify) TryNote(n FedifyNote) (string, error) {
	var out struct{ ID string }
	err := f.post("/control/note", n, &out)
	return out.ID, err
}

// Like sends Like{object} to the object's author and audience and to each
// of to; it returns the Like's id.
func (f *Fedify) Like(object string, to ...string) string {
	f.t.Helper()
	var out struct{ ID string }
	f.must("like", f.post("/control/like", map[string]any{"object": object, "to": to}, &out))
	return out.ID
}

// Update changes the content of one of the peer's Notes and sends Update{Note}.
func (f *Fedify) Update(noteID, content string) string {
	f.t.Helper()
	var out struct{ ID string }
	f.must("update", f.post("/control/update", map[string]any{"id": noteID, "content": content}, &out))
	return out.ID
}

// Delete deletes one of the peer's Notes and sends Delete{Tombstone}.
func (f *Fedify) Delete(noteID string) string {
	f.t.Helper()
	var out struct{ ID string }
	f.must("delete", f.post("/control/delete", map[string]any{"id": noteID}, &out))
	return out.ID
}

// TryVote votes in a Question as Mastodon does: one
// Create{Note{name: choice, inReplyTo: question}} per choice, sent to the
// Question's author's inbox only. It returns the votes' Note ids, or the
// error the control API reports (with the author's server's status and
// answer) when that server refused one.
func (f *Fedify) TryVote(question string, choices ...string) ([]string, error) {
	var out struct {
		Votes []struct{ ID string }
	}
	err := f.post("/control/vote", map[string]any{"question": question, "choices": choices}, &out)
	var ids []string
	for _, v := range out.Votes {
		ids = append(ids, v.ID)
	}
	return ids, err
}

// RSVP answers an Event with an activity of type typ whose object is the
// Event: "Join" or "Leave" (Mobilizon's), "TentativeAccept" (Friendica's
// maybe), sent to the Event's author and audience. It returns the
// activity's id.
func (f *Fedify) RSVP(event, typ string) string {
	f.t.Helper()
	var out struct{ ID string }
	f.must("rsvp "+typ, f.post("/control/rsvp", map[string]any{"event": event, "type": typ}, &out))
	return out.ID
}

// FedifyObject is a Question or an Event the peer received, embedded in
// any activity (Create, Update, a group's Announce of either): its last
// version as sent (Raw) and as Fedify's vocabulary read it (Understood:
// id, type, name, content, summary, attributedTo, audience, startTime,
// endTime, updated; a Question's oneOf and anyOf as {name, totalItems},
// votersCount and closed; an Event's location as {name, latitude,
// longitude}). Expanded is its properties as a JSON-LD processor reads them
// under the delivered activity's @context, by full IRI (first value or
// id): a term that context leaves undefined is not there. Via lists the
// activities delivered with it: their path
// ("Announce/Create" for a group's share of a Create), id and actor.
type FedifyObject struct {
	ID         string         `json:"id"`
	Raw        map[string]any `json:"raw"`
	Understood map[string]any `json:"understood"`
	Expanded   map[string]any `json:"expanded"`
	Via        []struct {
		Path     string `json:"path"`
		Activity string `json:"activity"`
		Actor    string `json:"actor"`
	} `json:"via"`
}

// Object is the Question or Event with this id the peer received, if any.
func (f *Fedify) Object(id string) (FedifyObject, bool) {
	f.t.Helper()
	var out []FedifyObject
	f.must("objects", f.get("/control/objects", &out))
	for _, o := range out {
		if o.ID == id {
			return o, true
		}
	}
	return FedifyObject{}, false
}

// FedifyFetch is what a GET the peer made answered.
type FedifyFetch struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
}

// Fetch makes the peer GET url as an ActivityPub client, signed by its
// actor (draft-cavage, rsa-sha256) when signed, and returns the answer
// whatever its status.
func (f *Fedify) Fetch(url string, signed bool) FedifyFetch {
	f.t.Helper()
	var out FedifyFetch
	f.must("fetch", f.post("/control/fetch", map[string]any{"url": url, "signed": signed}, &out))
	return out
}

// FetchRFC9421 is Fetch signed with an RFC 9421 message signature.
func (f *Fedify) FetchRFC9421(url string) FedifyFetch {
	f.t.Helper()
	var out FedifyFetch
	f.must("fetch", f.post("/control/fetch", map[string]any{"url": url, "spec": "rfc9421"}, &out))
	return out
}

// FedifyIncoming is one request the peer served (control requests aside).
type FedifyIncoming struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Signature string `json:"signature"` // "rfc9421", "draft-cavage" or "unsigned"
	Status    int    `json:"status"`
}

// Incoming is every request the peer served, in order.
func (f *Fedify) Incoming() []FedifyIncoming {
	f.t.Helper()
	var out []FedifyIncoming
	f.must("incoming", f.get("/control/incoming", &out))
	return out
}

// Received is every activity the peer's inboxes accepted (after Fedify
// verified its signature), as its sender sent it.
func (f *Fedify) Received() []map[string]any {
	f.t.Helper()
	var out []map[string]any
	f.must("received", f.get("/control/received", &out))
	return out
}

// ReceivedOfType is Received, only activities of type typ.
func (f *Fedify) ReceivedOfType(typ string) []map[string]any {
	f.t.Helper()
	var out []map[string]any
	for _, a := range f.Received() {
		if a["type"] == typ {
			out = append(out, a)
		}
	}
	return out
}

// Refused is every POST the peer answered with an error (a bad signature,
// for one), with its status, answer and activity.
func (f *Fedify) Refused() []map[string]any {
	f.t.Helper()
	var out []map[string]any
	f.must("refused", f.get("/control/refused", &out))
	return out
}

// Sent is every HTTP request the peer has made, in order.
func (f *Fedify) Sent() []FedifyRequest {
	f.t.Helper()
	var out []FedifyRequest
	f.must("sent", f.get("/control/sent", &out))
	return out
}

// Followers lists the ids of the actors following the peer's actor.
func (f *Fedify) Followers() []string {
	f.t.Helper()
	var out []string
	f.must("followers", f.get("/control/followers", &out))
	return out
}

func (f *Fedify) must(what string, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("fedify %s: %v", what, err)
	}
}

func (f *Fedify) get(path string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.control(ctx, http.MethodGet, path, nil, out)
}

func (f *Fedify) post(path string, in, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.control(ctx, http.MethodPost, path, in, out)
}

// control calls the peer's control API, decoding a 200 answer into out.
func (f *Fedify) control(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode %s: %w", method, path, b, err)
		}
	}
	return nil
}
