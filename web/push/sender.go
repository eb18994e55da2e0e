package push

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
)

// The queue's names and bounds; the migration's trigger writes the same
// kind, queue and attempt budget.
const (
	// Queue is the River queue of push jobs.
	Queue = "push"
	// Workers is how many pushes run at once in a process.
	Workers = 20
	// perEndpointHost is how many pushes go to one push service host at
	// once; the others wait their turn, then snooze.
	perEndpointHost = 4
	slotWait        = 250 * time.Millisecond
	slotSnooze      = 500 * time.Millisecond
	// ttl is how long a push service may keep an undelivered message
	// (Mastodon's 48 hours); urgency is its priority.
	ttl     = 48 * 60 * 60
	urgency = webpush.UrgencyNormal
	// timeout bounds one POST to a push service.
	timeout = 10 * time.Second
)

// Args is one push job: tell subscription SubscriptionID of notification
// NotificationID. The trigger queued it; Kind and the JSON names are the
// trigger's.
type Args struct {
	SubscriptionID int64 `json:"subscription_id"`
	NotificationID int64 `json:"notification_id"`
}

// Kind names push jobs in River's table.
func (Args) Kind() string { return "web_push" }

// Sender works push jobs.
type Sender struct {
	pool  *pgxpool.Pool
	urls  federation.URLs
	log   *slog.Logger
	http  *http.Client
	slots *hostSlots

	mu   sync.Mutex
	keys *models.VAPIDKeys // loaded once: the instance's never change
}

// NewSender makes a Sender whose connections pass the address guard of
// allowPrivate, as deliveries do.
func NewSender(pool *pgxpool.Pool, urls federation.URLs, allowPrivate []netip.Prefix, log *slog.Logger) *Sender {
	guard := fetch.NewGuard(allowPrivate)
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: guard.Control}
	transport := &http.Transport{
		Proxy: nil, DialContext: dialer.DialContext, ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, TLSHandshakeTimeout: timeout,
		ResponseHeaderTimeout: timeout, IdleConnTimeout: 90 * time.Second,
		MaxIdleConnsPerHost: perEndpointHost, MaxConnsPerHost: perEndpointHost,
	}
	return &Sender{pool: pool, urls: urls, log: log, slots: newHostSlots(perEndpointHost),
		http: &http.Client{Transport: transport, Timeout: timeout,
			// A push service that redirects is not followed: the
			// message was encrypted and signed for this endpoint.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Jobs is the Sender as extra jobs of the delivery queue's River client.
func (s *Sender) Jobs() delivery.ExtraJobs {
	return delivery.ExtraJobs{Queue: Queue, MaxWorkers: Workers, Add: func(w *river.Workers) error {
		return river.AddWorkerSafely(w, &worker{s: s})
	}}
}

type worker struct {
	river.WorkerDefaults[Args]
	s *Sender
}

// Work sends one push.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.s.send(ctx, job)
}

// vapid is the instance's key pair, made on first use.
func (s *Sender) vapid(ctx context.Context) (models.VAPIDKeys, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		k, err := models.InstanceVAPIDKeys(ctx, s.pool)
		if err != nil {
			return k, err
		}
		s.keys = &k
	}
	return *s.keys, nil
}

// subscriber is the VAPID JWT's "sub": how the push service reaches the
// instance's operator.
func (s *Sender) subscriber(ctx context.Context) (string, error) {
	info, err := models.Instance(ctx, s.pool)
	if err != nil {
		return "", err
	}
	switch {
	case info.ContactEmail != "":
		return info.ContactEmail, nil
	case strings.HasPrefix(s.urls.Base, "https:"):
		return s.urls.Base, nil
	default:
		return "webpush@" + s.urls.Host(), nil
	}
}

// send loads the job's push, encrypts, signs and POSTs it, and turns the
// push service's answer into River's outcome: 2xx done; 404 and 410 end
// the subscription; 408, 429, 5xx and network errors retry with River's
// backoff; other refusals are dropped.
func (s *Sender) send(ctx context.Context, job *river.Job[Args]) error {
	log := s.log.With(slog.Int64("subscription_id", job.Args.SubscriptionID),
		slog.Int64("notification_id", job.Args.NotificationID), slog.Int("attempt", job.Attempt))
	due, err := models.PushDueFor(ctx, s.pool, job.Args.SubscriptionID, job.Args.NotificationID, time.Now())
	if errors.Is(err, models.ErrNotFound) {
		return nil // unsubscribed, no longer wanted, or the notification is gone
	}
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	sub := due.Subscription
	u, err := url.Parse(sub.Endpoint)
	if err != nil {
		return river.JobCancel(fmt.Errorf("push: endpoint: %w", err))
	}
	payload, err := buildPayload(ctx, s.pool, s.urls, due)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	message, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	keys, err := s.vapid(ctx)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	subscriber, err := s.subscriber(ctx)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}

	host := strings.ToLower(u.Host)
	release, ok := s.slots.acquire(ctx, host, slotWait)
	if !ok {
		if ctx.Err() != nil {
			return fmt.Errorf("push: %w", ctx.Err())
		}
		return river.JobSnooze(slotSnooze + rand.N(slotSnooze))
	}
	defer release()
	resp, err := webpush.SendNotificationWithContext(ctx, message,
		&webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth}},
		&webpush.Options{HTTPClient: s.http, Subscriber: subscriber, TTL: ttl, Urgency: urgency,
			VAPIDPublicKey: keys.Public, VAPIDPrivateKey: keys.Private})
	if err != nil {
		if errors.Is(err, fetch.ErrAddressNotAllowed) {
			log.Warn("push: given up: endpoint address not allowed", slog.String("error", err.Error()))
			return river.JobCancel(fmt.Errorf("push: %w", err))
		}
		return fmt.Errorf("push: POST %s: %w", u.Host, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusNotFound || code == http.StatusGone:
		log.Info("push: subscription gone, removed", slog.Int("status", code))
		if err := models.DeletePushSubscription(ctx, s.pool, sub.ID); err != nil {
			return fmt.Errorf("push: %w", err)
		}
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("push: POST %s: HTTP %d", u.Host, code)
	default:
		log.Warn("push: given up: refused by the push service", slog.Int("status", code))
		return river.JobCancel(fmt.Errorf("push: POST %s: HTTP %d", u.Host, code))
	}
}

// hostSlots bounds the pushes in flight to each push service host.
type hostSlots struct {
	per int
	mu  sync.Mutex
	in  map[string]chan struct{}
}

func newHostSlots(per int) *hostSlots {
	return &hostSlots{per: per, in: map[string]chan struct{}{}}
}

// acquire takes a slot of host, waiting at most wait.
func (h *hostSlots) acquire(ctx context.Context, host string, wait time.Duration) (func(), bool) {
	h.mu.Lock()
	ch, ok := h.in[host]
	if !ok {
		ch = make(chan struct{}, h.per)
		h.in[host] = ch
	}
	h.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	case <-t.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
}
