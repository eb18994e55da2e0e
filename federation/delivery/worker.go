package delivery

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/federation/requestid"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/models"
)

// Wire constants of a delivery.
const (
	activityContentType = "application/activity+json"
	// drainLimit is how much of a response body is read (and thrown away)
	// so that the connection can be reused; inboxes answer with little.
	drainLimit = 64 << 10
	// lastErrorLimit bounds the error text kept in delivery_hosts.
	lastErrorLimit = 300
)

// worker is the River worker of Args; the Queue holds its state.
type worker struct {
	river.WorkerDefaults[Args]
	q *Queue
}

// Work delivers one activity to one inbox.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.q.deliver(ctx, job)
}

// deliver runs one job: load, check the host, take a slot, sign, POST, and
// turn the answer into River's outcome.
func (q *Queue) deliver(ctx context.Context, job *river.Job[Args]) error {
	inbox := job.Args.Inbox
	log := q.log.With(slog.String("inbox", inbox), slog.Int64("activity_id", job.Args.ActivityID),
		slog.Int("attempt", job.Attempt), slog.Int("max_attempts", job.MaxAttempts))
	// The request that queued the job, on every line about it.
	if id := jobRequestID(job.Metadata); id != "" {
		log = log.With(slog.String(requestid.LogKey, id))
		ctx = requestid.With(ctx, id)
	}

	u, err := url.Parse(inbox)
	host, ok := "", false
	if err == nil {
		host, ok = hostKey(u)
	}
	if !ok {
		log.Warn("delivery: given up: inbox is not an http(s) URL")
		q.outcome(Dropped)
		return river.JobCancel(fmt.Errorf("delivery: inbox %q is not an http(s) URL", inbox))
	}
	log = log.With(slog.String("host", host))
	if err := q.guard.CheckURL(u); err != nil {
		log.Warn("delivery: given up: inbox address not allowed", slog.String("error", err.Error()))
		q.outcome(Dropped)
		return river.JobCancel(fmt.Errorf("delivery: %w", err))
	}
	if age := time.Since(job.CreatedAt); age > giveUpAfter {
		log.Warn("delivery: given up: still not delivered after a long time", slog.Duration("age", age))
		q.outcome(Dropped)
		return river.JobCancel(fmt.Errorf("delivery: %s: not delivered after %s", inbox, age.Round(time.Minute)))
	}
	// Deliveries queued before the domain was suspended here are dropped.
	if suspended, err := models.DomainSuspended(ctx, q.pool, strings.ToLower(u.Host)); err != nil {
		return fmt.Errorf("delivery: %w", err)
	} else if suspended {
		log.Info("delivery: given up: the domain is suspended here")
		q.outcome(Dropped)
		return river.JobCancel(fmt.Errorf("delivery: %s: domain suspended here", inbox))
	}

	active := q.active.hold()
	if err := active.take(ctx); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	defer active.give()

	body, keyID, key, err := q.load(ctx, job.Args.ActivityID)
	if err != nil {
		var gone goneError
		if errors.As(err, &gone) {
			log.Warn("delivery: given up", slog.String("error", err.Error()))
			q.outcome(Gone)
			return river.JobCancel(err)
		}
		return err
	}

	// One round trip takes a slot of the host if one is free and reads its
	// health.
	release, ok, h, err := q.hosts.acquireWithHealth(ctx, host)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	if ok {
		defer release()
	}
	// A paused host gets no POST: the job waits for the pause to end,
	// spending no attempt. When it has ended, one job probes the host.
	if h.Paused(time.Now()) {
		q.outcome(HostPaused)
		return snoozeUntil(*h.PausedUntil)
	}
	// A host with no failures on record needs no reset after a success: the
	// common case costs no write. (A failure recorded meanwhile by another
	// job is reset by the next success that reads it.)
	healthy := h.Failures == 0 && h.PausedUntil == nil
	if h.PausedUntil != nil {
		claimed, err := models.ClaimDeliveryProbe(ctx, q.pool, host, q.opts.jobTimeout())
		if err != nil {
			return fmt.Errorf("delivery: %w", err)
		}
		if !claimed {
			if h, err = models.DeliveryHostByName(ctx, q.pool, host); err != nil {
				return fmt.Errorf("delivery: %w", err)
			}
			if h.Paused(time.Now()) {
				q.outcome(HostPaused)
				return snoozeUntil(*h.PausedUntil)
			}
		} else {
			log.Info("delivery: pause over, probing host")
		}
	}

	if !ok {
		// The host's slots are taken: wait a little for one without
		// holding an active slot, then make room for other hosts' jobs.
		active.give()
		release, ok, err = q.hosts.acquire(ctx, host, slotWait)
		if err != nil {
			return fmt.Errorf("delivery: %w", err)
		}
		if !ok {
			if ctx.Err() != nil {
				return fmt.Errorf("delivery: %w", ctx.Err())
			}
			q.outcome(HostBusy)
			return river.JobSnooze(slotSnooze + rand.N(slotSnooze))
		}
		defer release()
		if err := active.take(ctx); err != nil {
			return fmt.Errorf("delivery: %w", err)
		}
	}

	sent := time.Now()
	status, header, err := q.post(ctx, u, host, body, keyID, key, active)
	if ctx.Err() == nil {
		q.pace.observe(host, time.Since(sent), answeredWell(status, err), time.Now())
	}
	switch {
	case err != nil:
		if ctx.Err() != nil {
			// Shutdown or River's job limit, not the peer's fault: River
			// puts a job interrupted by shutdown back without spending an
			// attempt.
			return fmt.Errorf("delivery: POST %s: %w", inbox, ctx.Err())
		}
		if errors.Is(err, fetch.ErrAddressNotAllowed) {
			log.Warn("delivery: given up: inbox address not allowed", slog.String("error", err.Error()))
			q.outcome(Dropped)
			return river.JobCancel(fmt.Errorf("delivery: %w", err))
		}
		return q.failed(ctx, job, log, host, 0, err)
	case status >= 200 && status < 300:
		if !healthy {
			q.hostAnswered(ctx, log, host)
		}
		log.Debug("delivery: delivered", slog.Int("status", status))
		q.outcome(Delivered)
		return nil
	case status == http.StatusGone:
		if !healthy {
			q.hostAnswered(ctx, log, host)
		}
		log.Info("delivery: given up: inbox gone", slog.Int("status", status))
		q.outcome(Gone)
		return river.JobCancel(fmt.Errorf("delivery: POST %s: HTTP %d", inbox, status))
	case status == http.StatusTooManyRequests:
		d, ok := parseRetryAfter(header.Get("Retry-After"), time.Now())
		if !ok {
			d = q.retry.Delay(len(job.Errors) + 1)
		}
		log.Info("delivery: rate limited, snoozing", slog.Int("status", status), slog.Duration("snooze", d))
		q.outcome(RateLimited)
		return river.JobSnooze(d)
	case status == http.StatusRequestTimeout:
		return q.failed(ctx, job, log, host, status, fmt.Errorf("HTTP %d", status))
	case status >= 400 && status < 500:
		// The peer answered and refuses this activity (bad signature to
		// its mind, blocked, unknown actor): sending it again will not
		// help. The host itself is up.
		if !healthy {
			q.hostAnswered(ctx, log, host)
		}
		log.Warn("delivery: given up: refused by peer", slog.Int("status", status))
		q.outcome(GivenUp)
		return river.JobCancel(fmt.Errorf("delivery: POST %s: HTTP %d", inbox, status))
	default: // 3xx (redirects are not followed), 5xx, anything else
		return q.failed(ctx, job, log, host, status, fmt.Errorf("HTTP %d", status))
	}
}

// answeredWell tells an answer that shows the host up and coping (2xx, or
// a 4xx refusal of this one activity) from a failure, after which the
// host is not pressed harder.
func answeredWell(status int, err error) bool {
	return err == nil && status >= 200 && status < 500 &&
		status != http.StatusRequestTimeout && status != http.StatusTooManyRequests && (status < 300 || status >= 400)
}

// goneError marks a job that can never be delivered: its activity or its
// actor is gone, or the actor cannot sign.
type goneError struct{ err error }

func (e goneError) Error() string { return e.err.Error() }
func (e goneError) Unwrap() error { return e.err }

// load returns the activity's body and its actor's keyId and private key.
func (q *Queue) load(ctx context.Context, activityID int64) (body []byte, keyID string, key *rsa.PrivateKey, err error) {
	act, actor, err := models.ActivityForDelivery(ctx, q.pool, activityID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, "", nil, goneError{fmt.Errorf("delivery: activity %d or its actor no longer exists", activityID)}
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("delivery: %w", err)
	}
	if !actor.IsLocal() || actor.PrivateKeyPEM == "" {
		return nil, "", nil, goneError{fmt.Errorf("delivery: actor %d of activity %d has no private key", actor.ID, activityID)}
	}
	key, err = q.keys.get(actor.ID, actor.PrivateKeyPEM)
	if err != nil {
		return nil, "", nil, goneError{fmt.Errorf("delivery: actor %d: %w", actor.ID, err)}
	}
	return act.Body, q.opts.URLs.KeyID(actor), key, nil
}

// post sends one signed POST within Timeout and returns the status and
// headers of the answer. The body of the answer is read up to drainLimit
// and dropped. An answer slower than slowAfter gives back the active slot.
//
// It double-knocks: a host is sent an RFC 9421 signature first, and when
// it answers 400, 401 or 403 the same POST goes again at once with a
// draft-cavage signature. Which one a host took is remembered (q.schemes),
// so that the common case costs one request.
func (q *Queue) post(ctx context.Context, u *url.URL, host string, body []byte, keyID string, key *rsa.PrivateKey, active *activeSlot) (int, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	slow := time.AfterFunc(q.opts.slowAfter(), active.give)
	defer slow.Stop()
	scheme := q.schemes.first(host, time.Now())
	status, header, err := q.postSigned(ctx, u, body, keyID, key, scheme)
	if err == nil && scheme == signature.RFC9421 && refusesSignature(status) {
		q.log.Debug("delivery: RFC 9421 signature refused, knocking again with draft-cavage",
			slog.String("host", host), slog.Int("status", status))
		scheme = signature.Cavage
		status, header, err = q.postSigned(ctx, u, body, keyID, key, scheme)
	}
	if err == nil && status >= 200 && status < 300 {
		q.schemes.remember(host, scheme, time.Now())
	}
	return status, header, err
}

// refusesSignature tells the answers after which a peer may take the other
// signature scheme (as Fedify decides).
func refusesSignature(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden
}

// postSigned sends one POST signed with scheme.
func (q *Queue) postSigned(ctx context.Context, u *url.URL, body []byte, keyID string, key *rsa.PrivateKey, scheme signature.Scheme) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", activityContentType)
	req.Header.Set("Accept", activityContentType)
	req.Header.Set("User-Agent", q.opts.UserAgent)
	// Signed just before sending, and afresh on every attempt, so that the
	// Date is current.
	if err := signature.Sign(scheme, req, body, keyID, key, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := q.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	return resp.StatusCode, resp.Header, nil
}

// failed records a failure of the host, logs it and returns the error that
// makes River retry the job (or discard it after its last attempt).
func (q *Queue) failed(ctx context.Context, job *river.Job[Args], log *slog.Logger, host string, status int, cause error) error {
	err := fmt.Errorf("delivery: POST %s: %w", job.Args.Inbox, cause)
	msg, outcome := "delivery: failed, will retry", FailedRetry
	if job.Attempt >= job.MaxAttempts {
		msg, outcome = "delivery: failed, out of attempts, given up", GivenUp
	}
	q.outcome(outcome)
	log.Warn(msg, slog.Int("status", status), slog.String("error", cause.Error()))

	lastError := cause.Error()
	if len(lastError) > lastErrorLimit {
		lastError = lastError[:lastErrorLimit]
	}
	h, herr := models.RecordDeliveryFailure(ctx, q.pool, host, lastError, q.pause)
	if herr != nil {
		log.Error("delivery: cannot record host failure", slog.String("error", herr.Error()))
		return err
	}
	if h.PausedUntil != nil && h.Failures >= q.pause.After {
		log.Warn("delivery: host paused after failures in a row",
			slog.Int("failures", h.Failures), slog.Time("paused_until", *h.PausedUntil))
	}
	return err
}

// hostAnswered records that the host is up: its failures in a row end. The
// delivery's outcome does not depend on this bookkeeping, so an error is
// only logged.
func (q *Queue) hostAnswered(ctx context.Context, log *slog.Logger, host string) {
	if err := models.RecordDeliverySuccess(ctx, q.pool, host); err != nil {
		log.Error("delivery: cannot record host success", slog.String("error", err.Error()))
	}
}

// snoozeUntil makes the job wait until t, plus a little spread so that the
// jobs of a host whose pause ends do not all wake in the same instant.
func snoozeUntil(t time.Time) error {
	d := max(time.Until(t), 0)
	spread := min(d/10, 30*time.Second)
	if spread > 0 {
		d += rand.N(spread)
	}
	return river.JobSnooze(d)
}
