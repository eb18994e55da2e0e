package federation

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/village-social/village/models"
)

// FuzzParseIncomingObject feeds the parser of what arrives (ParseObject,
// then the readers of posts, actors, events and polls) any bytes: it must never panic,
// and whatever it takes must keep the rules the inbox relies on.
func FuzzParseIncomingObject(f *testing.F) {
	for _, seed := range []string{
		`{"id":"https://a.example/n/1","type":"Note","attributedTo":"https://a.example/u/rosa","content":"<p>hi</p>","to":"https://www.w3.org/ns/activitystreams#Public","tag":[{"type":"Mention","href":"https://v.example/groups/moms"},{"type":"Hashtag","href":"javascript:x","name":"#a"}],"attachment":{"type":"Document","url":[{"href":"https://a.example/1.png"}]},"url":[{"type":"Link","mediaType":"text/html","href":"https://a.example/@rosa/1"}],"contentMap":{"pt-BR":"oi"},"summary":"cw","published":"2026-01-01T00:00:00Z"}`,
		`{"id":"https://a.example/u/rosa","type":["Person"],"preferredUsername":"rosa","inbox":"https://a.example/u/rosa/inbox","publicKey":{"id":"https://a.example/u/rosa#main-key","owner":"https://a.example/u/rosa","publicKeyPem":"-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END PUBLIC KEY-----\n"},"endpoints":{"sharedInbox":"https://b.example/inbox"},"icon":{"url":"data:x"}}`,
		`{"id":"https://a.example/a/1","type":"Announce","actor":"https://a.example/u/rosa","object":{"id":"https://b.example/n/2","type":"Page","attributedTo":["https://b.example/u/x"],"name":"` + strings.Repeat("é", 300) + `"}}`,
		`{"type":"Create","object":[{"type":"Note"}],"to":[null,1,{"id":"x"}],"cc":{"href":"y"}}`,
		`{"id":"https://mz.example/events/1","type":"Event","name":"Park","actor":"https://mz.example/@ana","attributedTo":"https://mz.example/@moms","startTime":"2027-03-27T10:00:00+01:00","endTime":"2027-03-27T12:00:00+01:00","timezone":"Europe/Berlin","maximumAttendeeCapacity":"12","participantCount":3,"location":{"type":"Place","name":"Park","address":{"type":"PostalAddress","streetAddress":"Weg 1"},"latitude":"52.5","longitude":13.4},"ical:status":"CONFIRMED"}`,
		`{"id":"https://m.example/q/1","type":"Question","attributedTo":"https://m.example/u/a","content":"?","oneOf":{"type":"Note","name":"Yes","replies":{"totalItems":1e300}},"anyOf":[{"name":""},{"content":"Maybe"}],"endTime":"2026-12-31T00:00:00Z","closed":true,"votersCount":-4}`,
		`{}`, `null`, `[]`, `{"id":5}`, helpSeed,
	} {
		f.Add([]byte(seed))
	}
	// The payloads of the interoperability fixtures, as servers send them.
	paths, _ := filepath.Glob(filepath.Join("..", "cmd", "village", "testdata", "payloads", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		r := strings.NewReplacer("{{ACTOR}}", "https://m.example/users/mia", "{{GROUP}}", "https://v.example/groups/moms",
			"{{ORIGIN}}", "https://m.example")
		f.Add([]byte(r.Replace(string(b))))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseObject(b)
		if err != nil {
			return
		}
		_, _, _ = o.ID(), o.Type(), o.Ref("actor")
		_, _ = o.Refs("to"), o.Refs("cc")
		for _, candidate := range []Object{o, o.Embedded("object")} {
			if candidate == nil {
				continue
			}
			checkIncomingPost(t, candidate)
			checkIncomingActor(t, candidate)
			checkIncomingEvent(t, candidate)
			checkIncomingPoll(t, candidate)
			checkIncomingHelp(t, candidate)
		}
	})
}

func checkIncomingPost(t *testing.T, o Object) {
	t.Helper()
	in, err := PostFromObject(o)
	if err != nil {
		return
	}
	p := in.Post
	switch {
	case !SameOrigin(p.URI, in.Author):
		t.Fatalf("post %q taken from an author on another origin, %q", p.URI, in.Author)
	case p.URL != "" && !isWebURL(p.URL):
		t.Fatalf("post url %q is no http(s) URL", p.URL)
	case len(p.Name) > 500 || len(p.Summary) > 1000:
		t.Fatalf("name (%d bytes) or summary (%d bytes) not cut", len(p.Name), len(p.Summary))
	case utf8.ValidString(o.String("name")) && !utf8.ValidString(p.Name):
		t.Fatalf("cutting the name %q broke a character", p.Name)
	case len(p.Attachments) > 16:
		t.Fatalf("%d attachments kept", len(p.Attachments))
	}
	switch p.Visibility {
	case models.VisibilityPublicPost, models.VisibilityUnlisted, models.VisibilityPrivate, models.VisibilityDirect:
	default:
		t.Fatalf("visibility %q", p.Visibility)
	}
	for _, a := range p.Attachments {
		if !isWebURL(a.URL) {
			t.Fatalf("attachment url %q is no http(s) URL", a.URL)
		}
	}
	for _, tag := range p.Tags {
		if tag.Type == "Hashtag" && tag.Href != "" && !isWebURL(tag.Href) {
			t.Fatalf("hashtag href %q is no http(s) URL", tag.Href)
		}
	}
}

// checkIncomingEvent: an Event taken is one Village would store: within
// the bounds of a meetup, its place fields cut, its organizer on its origin.
func checkIncomingEvent(t *testing.T, o Object) {
	t.Helper()
	in, err := EventFromObject(o)
	if err != nil {
		return
	}
	e := in.Event
	if err := e.Validate(time.Unix(0, 0)); err != nil {
		t.Fatalf("event %q taken out of bounds: %v", in.Post.URI, err)
	}
	if !SameOrigin(in.Post.URI, in.Author) {
		t.Fatalf("event %q taken from an organizer on another origin, %q", in.Post.URI, in.Author)
	}
	if in.Post.Name == "" {
		t.Fatalf("event %q taken without a name", in.Post.URI)
	}
	for _, n := range []*int{e.Capacity, e.RemoteParticipants, e.RemoteRemaining} {
		if n != nil && (*n < 0 || *n > models.MaxEventCapacity*10) {
			t.Fatalf("event %q: a count of %d", in.Post.URI, *n)
		}
	}
}

// checkIncomingPoll: a poll taken has as many counts as options, each
// option named and bounded, no count below zero, an end in range.
func checkIncomingPoll(t *testing.T, o Object) {
	t.Helper()
	now := time.Now()
	p, err := PollFromQuestion(o, now)
	if err != nil || p == nil {
		return
	}
	if len(p.Options) == 0 || len(p.Options) > models.MaxRemotePollOptions || len(p.Counts) != len(p.Options) {
		t.Fatalf("poll of %d options and %d counts", len(p.Options), len(p.Counts))
	}
	for i, title := range p.Options {
		if strings.TrimSpace(title) == "" || utf8.RuneCountInString(title) > models.MaxRemotePollOptionLength {
			t.Fatalf("option %q", title)
		}
		if p.Counts[i] < 0 {
			t.Fatalf("option %q counts %d", title, p.Counts[i])
		}
	}
	if p.ExpiresAt != nil && p.ExpiresAt.After(now.Add(maxPollAhead)) {
		t.Fatalf("poll ends at %s", p.ExpiresAt)
	}
	if p.VotersCount != nil && *p.VotersCount < 0 {
		t.Fatalf("poll of %d voters", *p.VotersCount)
	}
}

func checkIncomingActor(t *testing.T, o Object) {
	t.Helper()
	a, err := fromDocument(o.ID(), o)
	if err != nil {
		return
	}
	switch {
	case !SameOrigin(a.InboxURL, a.URI) || !SameOrigin(a.PublicKeyID, a.URI):
		t.Fatalf("actor %q has its inbox %q or key %q elsewhere", a.URI, a.InboxURL, a.PublicKeyID)
	case a.SharedInboxURL != "" && !SameOrigin(a.SharedInboxURL, a.URI):
		t.Fatalf("actor %q has its shared inbox %q elsewhere", a.URI, a.SharedInboxURL)
	case a.Username == "" || strings.ContainsAny(a.Username, "@/ \t\n"):
		t.Fatalf("user name %q", a.Username)
	case a.IconURL != "" && !isWebURL(a.IconURL), a.URL != "" && !isWebURL(a.URL):
		t.Fatalf("icon %q or url %q is no http(s) URL", a.IconURL, a.URL)
	}
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// FuzzSplitHandle: a handle SplitHandle takes names a user and a host and
// nothing more: the WebFinger URL built from it reaches that host at
// /.well-known/webfinger, with no user info, path or query smuggled in,
// and writing the parts back as @name@host gives them again.
func FuzzSplitHandle(f *testing.F) {
	for _, seed := range []string{
		"@alice@social.example", "alice@social.example", "acct:alice@social.example", "  @moms@127.0.0.3:8080 ",
		"@bob@xn--mnchen-3ya.example", "@a@b@c", "@a/b@c", "@a@b/c", "@a@b?c", "@a@b#c", "@@", "acct:@x@y",
		"@a@[::1]:80", "@a@user:pw", "@a@h\tost", "@a\n@host", "@a@h%2Fst", "@a@Host.EXAMPLE", "@é@b.example",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, handle string) {
		name, host, err := SplitHandle(handle)
		if err != nil {
			return
		}
		if name == "" || host == "" || host != strings.ToLower(host) {
			t.Fatalf("%q: name %q, host %q", handle, name, host)
		}
		if strings.ContainsFunc(name+host, func(r rune) bool { return r < ' ' || r == 0x7f || r == ' ' }) {
			t.Fatalf("%q: control characters or spaces in name %q or host %q", handle, name, host)
		}
		q := url.Values{"resource": {"acct:" + name + "@" + host}}
		u, err := url.Parse("https://" + host + "/.well-known/webfinger?" + q.Encode())
		if err != nil || u.Host != host || u.User != nil || u.Path != "/.well-known/webfinger" || u.Query().Get("resource") != "acct:"+name+"@"+host {
			t.Fatalf("%q: the WebFinger URL for name %q, host %q is %v (%v)", handle, name, host, u, err)
		}
		n2, h2, err := SplitHandle("@" + name + "@" + host)
		if err != nil || n2 != name || h2 != host {
			t.Fatalf("%q: @%s@%s reads back as %q, %q, %v", handle, name, host, n2, h2, err)
		}
	})
}
