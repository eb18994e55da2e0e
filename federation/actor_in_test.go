package federation

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

func testKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestActorFromDocument(t *testing.T) {
	keyPEM := testKeyPEM(t)
	const id = "https://social.example/users/rosa"
	base := func() Object {
		return Object{
			"id": id, "type": "Person", "preferredUsername": "rosa", "name": "Rosa",
			"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
			"endpoints":                 map[string]any{"sharedInbox": "https://social.example/inbox"},
			"icon":                      map[string]any{"type": "Image", "url": "https://social.example/a.png"},
			"publicKey":                 map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": keyPEM},
			"manuallyApprovesFollowers": true,
		}
	}
	t.Run("a Mastodon-shaped actor is read whole", func(t *testing.T) {
		a, err := fromDocument(id, base())
		if err != nil {
			t.Fatal(err)
		}
		if a.Username != "rosa" || a.Domain != "social.example" || a.SharedInboxURL != "https://social.example/inbox" ||
			a.PublicKeyID != id+"#main-key" || !a.ManuallyApprovesFollowers || a.IconURL != "https://social.example/a.png" {
			t.Errorf("actor = %+v", a)
		}
	})
	t.Run("a shared inbox on another host is dropped", func(t *testing.T) {
		doc := base()
		doc["endpoints"] = map[string]any{"sharedInbox": "https://victim.example/inbox"}
		a, err := fromDocument(id, doc)
		if err != nil || a.SharedInboxURL != "" {
			t.Errorf("shared inbox %q, err %v", a.SharedInboxURL, err)
		}
	})
	t.Run("single-element arrays are read as values", func(t *testing.T) {
		doc := base()
		doc["inbox"] = []any{id + "/inbox"}
		doc["type"] = []any{"Group"}
		a, err := fromDocument(id, doc)
		if err != nil || a.InboxURL != id+"/inbox" || a.Type != "Group" {
			t.Errorf("actor %+v, err %v", a, err)
		}
	})
	refusals := []struct {
		name   string
		change func(Object)
	}{
		{"id is not the fetched URL", func(o Object) { o["id"] = "https://social.example/users/other" }},
		{"not an actor type", func(o Object) { o["type"] = "Note" }},
		{"no preferredUsername", func(o Object) { delete(o, "preferredUsername") }},
		{"username with @", func(o Object) { o["preferredUsername"] = "rosa@evil" }},
		{"inbox on another origin", func(o Object) { o["inbox"] = "https://victim.example/inbox" }},
		{"no public key", func(o Object) { delete(o, "publicKey") }},
		{"key owned by another actor", func(o Object) {
			o["publicKey"] = map[string]any{"id": id + "#main-key", "owner": "https://social.example/users/x", "publicKeyPem": keyPEM}
		}},
		{"key id on another origin", func(o Object) {
			o["publicKey"] = map[string]any{"id": "https://evil.example/k", "owner": id, "publicKeyPem": keyPEM}
		}},
		{"key that does not parse", func(o Object) {
			o["publicKey"] = map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": "not a key"}
		}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			doc := base()
			tt.change(doc)
			if _, err := fromDocument(id, doc); !errors.Is(err, ErrInvalidActor) {
				t.Errorf("err = %v, want ErrInvalidActor", err)
			}
		})
	}
}

func TestSplitHandle(t *testing.T) {
	for _, tt := range []struct{ in, name, host string }{
		{"@moms@village.example", "moms", "village.example"},
		{"moms@Village.Example", "moms", "village.example"},
		{"acct:moms@127.0.0.3:8080", "moms", "127.0.0.3:8080"},
	} {
		name, host, err := SplitHandle(tt.in)
		if err != nil || name != tt.name || host != tt.host {
			t.Errorf("%q: %q %q %v", tt.in, name, host, err)
		}
	}
	for _, bad := range []string{"moms", "@moms", "@moms@", "a@b/c", "@a b@c"} {
		if _, _, err := SplitHandle(bad); !errors.Is(err, ErrNotActor) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

// fromDocument is ActorFromDocument with Village's sanitizer.
func fromDocument(fetchedURL string, doc Object) (*models.Actor, error) {
	return ActorFromDocument(fetchedURL, doc, content.NewSanitizer().Sanitize)
}
