package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"
	"golang.org/x/crypto/hkdf"

	"github.com/village-social/village/internal/testenv"
)

// Loopback addresses of the push tests: the instance and the push service.
const (
	addrPushVillage = "127.0.0.143:0"
	addrPushService = "127.0.0.144:0"
)

// pushSeen is one POST the stand-in push service received, decrypted.
type pushSeen struct {
	Status  int // what the stand-in answered
	Payload struct {
		AccessToken      string `json:"access_token"`
		PreferredLocale  string `json:"preferred_locale"`
		NotificationID   string `json:"notification_id"`
		NotificationType string `json:"notification_type"`
		Icon             string `json:"icon"`
		Title            string `json:"title"`
		Body             string `json:"body"`
	}
}

// pushService is a stand-in for a browser vendor's push service: it checks
// each message's VAPID JWT against the instance's key and decrypts its
// RFC 8291 body with the keys the subscriber made. It answers each POST
// with the next planned status (201 when none is planned); a planned
// answer may wait for a release first.
type pushService struct {
	t         *testing.T
	origin    string
	serverKey string // the instance's VAPID public key, base64url
	device    *ecdh.PrivateKey
	auth      []byte

	mu      sync.Mutex
	plan    []plannedAnswer
	seen    chan pushSeen
	events  []string // what happened, in order (the test writes here too)
	invalid []string // what a check found wrong
}

type plannedAnswer struct {
	status int
	hold   chan struct{} // answered only once closed (or after a long while)
}

func startPushService(t *testing.T, serverKey string) *pushService {
	t.Helper()
	device, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &pushService{t: t, serverKey: serverKey, device: device, auth: make([]byte, 16), seen: make(chan pushSeen, 32)}
	rand.Read(p.auth)
	ln, err := net.Listen("tcp", addrPushService)
	if err != nil {
		t.Fatal(err)
	}
	p.origin = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(p.receive), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return p
}

func (p *pushService) note(event string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, event)
}

func (p *pushService) answerNext(status int, hold chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plan = append(p.plan, plannedAnswer{status: status, hold: hold})
}

func (p *pushService) receive(w http.ResponseWriter, r *http.Request) {
	var got pushSeen
	body, _ := io.ReadAll(r.Body)
	problems := p.check(r, body, &got)
	p.mu.Lock()
	answer := plannedAnswer{status: http.StatusCreated}
	if len(p.plan) > 0 {
		answer, p.plan = p.plan[0], p.plan[1:]
	}
	p.invalid = append(p.invalid, problems...)
	p.events = append(p.events, "push received "+got.Payload.NotificationID)
	p.mu.Unlock()
	if answer.hold != nil {
		select {
		case <-answer.hold:
		case <-time.After(20 * time.Second):
		}
	}
	p.note("push answered " + got.Payload.NotificationID)
	got.Status = answer.status
	w.WriteHeader(answer.status)
	p.seen <- got
}

// check verifies the headers and the VAPID JWT and decrypts the body into
// got; it returns what was wrong.
func (p *pushService) check(r *http.Request, body []byte, got *pushSeen) []string {
	var problems []string
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" ||
		r.Header.Get("Urgency") == "" {
		problems = append(problems, fmt.Sprintf("request: %s Content-Encoding %q TTL %q Urgency %q", r.Method,
			r.Header.Get("Content-Encoding"), r.Header.Get("TTL"), r.Header.Get("Urgency")))
	}
	if err := p.checkVAPID(r.Header.Get("Authorization")); err != nil {
		problems = append(problems, "VAPID: "+err.Error())
	}
	plain, err := decryptAES128GCM(body, p.device, p.auth)
	if err != nil {
		return append(problems, "decrypting: "+err.Error())
	}
	if err := json.Unmarshal(plain, &got.Payload); err != nil {
		problems = append(problems, fmt.Sprintf("payload %s: %v", plain, err))
	}
	return problems
}

// checkVAPID checks "vapid t=<JWT>, k=<key>" (RFC 8292): the key is the
// instance's, the ES256 signature is valid for it, aud is this origin,
// exp is ahead and within 24 hours, sub is there.
func (p *pushService) checkVAPID(header string) error {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return fmt.Errorf("Authorization %q is not vapid", header)
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		params[k] = v
	}
	if params["k"] != p.serverKey {
		return fmt.Errorf("k=%q, the instance document says %q", params["k"], p.serverKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(params["k"])
	if err != nil {
		return err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return err
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		return fmt.Errorf("t=%q is not a JWT", params["t"])
	}
	var head struct{ Alg string }
	var claims struct {
		Aud string
		Exp int64
		Sub string
	}
	for i, into := range []any{&head, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, into); err != nil {
			return err
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 || head.Alg != "ES256" {
		return fmt.Errorf("alg %q, signature of %d bytes", head.Alg, len(sig))
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("the ES256 signature does not verify with the instance's key")
	}
	now := time.Now()
	exp := time.Unix(claims.Exp, 0)
	switch {
	case claims.Aud != p.origin:
		return fmt.Errorf("aud %q, want %q", claims.Aud, p.origin)
	case !exp.After(now) || exp.After(now.Add(24*time.Hour)):
		return fmt.Errorf("exp %s is not within the next 24 hours", exp)
	case claims.Sub == "":
		return errors.New("no sub")
	}
	return nil
}

// decryptAES128GCM opens a one-record RFC 8291 message with the device's
// private key and auth secret (RFC 8188 framing).
func decryptAES128GCM(body []byte, device *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, fmt.Errorf("body of %d bytes", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		return nil, fmt.Errorf("keyid of %d bytes", idlen)
	}
	serverPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, err
	}
	record := body[21+idlen:]
	if uint32(len(record)) > rs {
		return nil, fmt.Errorf("record of %d bytes over rs %d", len(record), rs)
	}
	secret, err := device.ECDH(serverPub)
	if err != nil {
		return nil, err
	}
	keyInfo := append(append([]byte("WebPush: info\x00"), device.PublicKey().Bytes()...), serverPub.Bytes()...)
	ikm := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, auth, keyInfo), ikm); err != nil {
		return nil, err
	}
	prk := hkdf.Extract(sha256.New, ikm, salt)
	cek, nonce := make([]byte, 16), make([]byte, 12)
	if _, err := io.ReadFull(hkdf.Expand(sha256.New, prk, []byte("Content-Encoding: aes128gcm\x00")), cek); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(hkdf.Expand(sha256.New, prk, []byte("Content-Encoding: nonce\x00")), nonce); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("AES-GCM: %w", err)
	}
	// The last record ends with the delimiter 0x02, then zero padding.
	end := bytes.LastIndexFunc(plain, func(r rune) bool { return r != 0 })
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:end], nil
}

// next waits for the stand-in's next push.
func (p *pushService) next(what string) pushSeen {
	p.t.Helper()
	select {
	case got := <-p.seen:
		p.mu.Lock()
		problems := append([]string(nil), p.invalid...)
		p.invalid = nil
		p.mu.Unlock()
		for _, problem := range problems {
			p.t.Errorf("%s: %s", what, problem)
		}
		return got
	case <-time.After(60 * time.Second):
		p.t.Fatalf("no push came for %s", what)
		return pushSeen{}
	}
}

// newestNotification is the id and type of bob's newest notification.
func newestNotification(t *testing.T, c *testenv.Client) (id, typ string) {
	t.Helper()
	var list []struct{ ID, Type string }
	c.Get("/api/v1/notifications?limit=1", &list)
	if len(list) == 0 {
		t.Fatal("no notification")
	}
	return list[0].ID, list[0].Type
}

// Web Push from end to end, as a Mastodon app gets it: bob subscribes with
// go-mastodon; a mention and a follow each reach the stand-in push service
// once, VAPID-signed and RFC 8291-encrypted, with Mastodon's payload; the
// post that mentioned him returned before the push service answered; a
// favourite, whose alert is off, queues nothing; a 503 is retried; a 410
// ends the subscription.
func TestWebPushReachesAPushServiceEncryptedAndSigned(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPushVillage})
	alice, bob := v.User("alice"), v.User("bob")
	var instance struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			} `json:"vapid"`
		} `json:"configuration"`
	}
	bob.Get("/api/v2/instance", &instance)
	serverKey := instance.Configuration.Vapid.PublicKey
	if raw, err := base64.RawURLEncoding.DecodeString(serverKey); err != nil || len(raw) != 65 {
		t.Fatalf("configuration.vapid.public_key %q is not a base64url P-256 point", serverKey)
	}
	ps := startPushService(t, serverKey)

	mc, ctx := mastodonClient(t, bob)
	devicePub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), ps.device.PublicKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	on, off := mastodon.Sbool(true), mastodon.Sbool(false)
	sub := must[*mastodon.PushSubscription](t, "subscribing")(mc.AddPushSubscription(ctx, ps.origin+"/push/bob-phone",
		*devicePub, ps.auth, mastodon.PushAlerts{Mention: &on, Follow: &on, Favourite: &off}))
	if sub.ServerKey != serverKey || sub.Endpoint != ps.origin+"/push/bob-phone" || sub.ID == "" {
		t.Fatalf("the subscription: %+v (server key %q)", sub, serverKey)
	}

	// A mention: the post returns while the push service still holds the push.
	hold := make(chan struct{})
	ps.answerNext(http.StatusCreated, hold)
	var mention struct{ ID string }
	alice.Post("/api/v1/statuses", map[string][]string{"status": {"@bob the park at four?"}}, &mention)
	ps.note("post returned")
	close(hold)
	got := ps.next("the mention")
	id, typ := newestNotification(t, bob)
	if got.Payload.NotificationID != id || typ != "mention" || got.Payload.NotificationType != "mention" {
		t.Errorf("pushed %+v, bob's newest notification is %s %s", got.Payload, typ, id)
	}
	if got.Payload.AccessToken != bob.Token || got.Payload.PreferredLocale != "en" || got.Payload.Icon == "" ||
		!strings.Contains(got.Payload.Title, "alice") || !strings.Contains(got.Payload.Body, "the park at four?") {
		t.Errorf("the mention's payload: %+v", got.Payload)
	}
	ps.mu.Lock()
	order := strings.Join(ps.events, " | ")
	ps.mu.Unlock()
	if i, j := strings.Index(order, "post returned"), strings.Index(order, "push answered "+id); i < 0 || j < 0 || i > j {
		t.Errorf("the post waited for the push: %s", order)
	}

	// A follow.
	bobID := bob.MeID()
	alice.Post("/api/v1/accounts/"+bobID+"/follow", nil, nil)
	got = ps.next("the follow")
	followID, typ := newestNotification(t, bob)
	if got.Payload.NotificationID != followID || typ != "follow" || got.Payload.NotificationType != "follow" {
		t.Errorf("pushed %+v, bob's newest notification is %s %s", got.Payload, typ, followID)
	}

	// A favourite: its alert is off, so no push job exists for it.
	var own struct{ ID string }
	bob.Post("/api/v1/statuses", map[string][]string{"status": {"Rain boots, anyone?"}}, &own)
	alice.Post("/api/v1/statuses/"+own.ID+"/favourite", nil, nil)
	favID, typ := newestNotification(t, bob)
	if typ != "favourite" {
		t.Fatalf("bob's newest notification is a %s", typ)
	}
	var jobs int
	testenv.QueryOne(t, v, &jobs, `SELECT count(*) FROM river_job WHERE kind = 'web_push' AND args->>'notification_id' = $1`, favID)
	if jobs != 0 {
		t.Errorf("%d push jobs for a favourite, whose alert is off", jobs)
	}
	testenv.QueryOne(t, v, &jobs, `SELECT count(*) FROM river_job WHERE kind = 'web_push' AND args->>'notification_id' = $1`, id)
	if jobs != 1 {
		t.Errorf("%d push jobs for the mention, want 1", jobs)
	}

	// A 503 is retried, and the push arrives.
	ps.answerNext(http.StatusServiceUnavailable, nil)
	alice.Post("/api/v1/statuses", map[string][]string{"status": {"@bob and on Sunday?"}}, nil)
	first, second := ps.next("the mention answered 503"), ps.next("the retried mention")
	if first.Status != http.StatusServiceUnavailable || second.Status != http.StatusCreated ||
		first.Payload.NotificationID == "" || second.Payload.NotificationID != first.Payload.NotificationID {
		t.Errorf("after a 503: %d %s, then %d %s", first.Status, first.Payload.NotificationID, second.Status, second.Payload.NotificationID)
	}

	// A 410 ends the subscription.
	ps.answerNext(http.StatusGone, nil)
	alice.Post("/api/v1/statuses", map[string][]string{"status": {"@bob are you there?"}}, nil)
	if gone := ps.next("the mention answered 410"); gone.Status != http.StatusGone {
		t.Fatalf("the stand-in answered %d", gone.Status)
	}
	testenv.Eventually(t, 30*time.Second, "the subscription to go after a 410", func() bool {
		return bob.Do(http.MethodGet, "/api/v1/push/subscription", nil, nil) == http.StatusNotFound
	})
	if _, err := mc.GetPushSubscription(ctx); err == nil {
		t.Error("go-mastodon still reads a subscription after the 410")
	}
}
