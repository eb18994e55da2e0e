package models

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/idna"
)

// Domain block severities.
const (
	// BlockSuspend refuses everything from the domain and sends nothing to it.
	BlockSuspend = "suspend"
	// BlockSilence keeps the domain's posts off public pages and timelines.
	BlockSilence = "silence"
)

// Errors of domain blocks.
var (
	ErrInvalidDomain   = errors.New("a domain is a host name such as bad.example (a port is allowed), without scheme or path")
	ErrInvalidSeverity = errors.New("a domain block's severity is suspend or silence")
)

// DomainBlock is an instance's block of a domain and its subdomains.
type DomainBlock struct {
	Domain    string
	Severity  string
	Reason    string
	CreatedAt time.Time
}

// NormalizeDomain checks and lower-cases a domain typed by a moderator;
// a pasted URL or handle is reduced to its host.
func NormalizeDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	if i := strings.IndexAny(d, "/?#"); i >= 0 {
		d = d[:i]
	}
	d = strings.TrimSuffix(strings.TrimPrefix(d, "*."), ".")
	host, port := d, ""
	if h, p, err := net.SplitHostPort(d); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return "", fmt.Errorf("%q: %w", d, ErrInvalidDomain)
		}
	}
	if host == "" || len(d) > 253 || strings.ContainsAny(host, " @:\\") {
		return "", fmt.Errorf("%q: %w", d, ErrInvalidDomain)
	}
	// Actors' domains come from their URLs, where an international name is
	// written in punycode: a block of bücher.example must cover them. The
	// lookup profile also refuses what no host name holds (<, ", spaces...).
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil || ascii == "" {
		return "", fmt.Errorf("%q: %w", d, ErrInvalidDomain)
	}
	for _, label := range strings.Split(ascii, ".") {
		if label == "" {
			return "", fmt.Errorf("%q: %w", d, ErrInvalidDomain)
		}
	}
	if port != "" {
		return ascii + ":" + port, nil
	}
	return ascii, nil
}

// DomainCandidates are the block entries that would cover an actor's
// domain: the domain as given (host:port), its host, and each parent domain.
func DomainCandidates(domain string) []string {
	domain = strings.ToLower(domain)
	out := []string{domain}
	host, port := domain, ""
	if h, p, err := net.SplitHostPort(domain); err == nil {
		host, port = h, p
		out = append(out, host)
	}
	// Blocks are kept in punycode (NormalizeDomain); an actor whose URL
	// spells its international name in Unicode is covered too.
	if ascii, err := idna.Lookup.ToASCII(host); err == nil && ascii != host {
		host = ascii
		if port != "" {
			out = append(out, host+":"+port)
		}
		out = append(out, host)
	}
	if net.ParseIP(host) != nil {
		return out // an address has no parent domains
	}
	for i := strings.IndexByte(host, '.'); i >= 0; i = strings.IndexByte(host, '.') {
		host = host[i+1:]
		out = append(out, host)
	}
	return out
}

// Covers reports whether the block applies to domain (host[:port]).
func (b DomainBlock) Covers(domain string) bool {
	for _, c := range DomainCandidates(domain) {
		if c == b.Domain {
			return true
		}
	}
	return false
}

// PutDomainBlock blocks a domain, or changes an existing block's severity
// and reason; the audit log records it in the same transaction. Blocking
// with "suspend" also ends every follow between the domain's actors and
// ours, as Mastodon does.
func PutDomainBlock(ctx context.Context, db DB, b DomainBlock, moderatorID *int64) (*DomainBlock, error) {
	domain, err := NormalizeDomain(b.Domain)
	if err != nil {
		return nil, err
	}
	if b.Severity != BlockSuspend && b.Severity != BlockSilence {
		return nil, fmt.Errorf("%q: %w", b.Severity, ErrInvalidSeverity)
	}
	b.Domain = domain
	err = InTx(ctx, db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO domain_blocks (domain, severity, reason, created_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (domain) DO UPDATE SET severity = EXCLUDED.severity, reason = EXCLUDED.reason
			RETURNING created_at`, b.Domain, b.Severity, b.Reason, moderatorID).Scan(&b.CreatedAt)
		if err != nil {
			return fmt.Errorf("models: block domain: %w", err)
		}
		if b.Severity == BlockSuspend {
			if _, err := tx.Exec(ctx, `DELETE FROM follows f USING actors a
				WHERE (a.id = f.follower_id OR a.id = f.followee_id) AND a.domain IS NOT NULL
				  AND blocked_domain_severity(a.domain) = 'suspend'`); err != nil {
				return fmt.Errorf("models: block domain: end follows: %w", err)
			}
		}
		return LogModeration(ctx, tx, ModerationAction{ModeratorID: moderatorID, Action: ModBlockDomain,
			TargetText: b.Domain + " (" + b.Severity + ")", Reason: b.Reason})
	})
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// DeleteDomainBlock lifts a domain's block; ErrNotFound when there is none.
func DeleteDomainBlock(ctx context.Context, db DB, domain string, moderatorID *int64) error {
	domain, err := NormalizeDomain(domain)
	if err != nil {
		return err
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM domain_blocks WHERE domain = $1`, domain)
		if err != nil {
			return fmt.Errorf("models: unblock domain: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("domain block %q: %w", domain, ErrNotFound)
		}
		return LogModeration(ctx, tx, ModerationAction{ModeratorID: moderatorID, Action: ModUnblockDomain, TargetText: domain})
	})
}

// DomainBlocks lists every domain block, by domain.
func DomainBlocks(ctx context.Context, db DB) ([]DomainBlock, error) {
	rows, err := db.Query(ctx, `SELECT domain, severity, reason, created_at FROM domain_blocks ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("models: domain blocks: %w", err)
	}
	defer rows.Close()
	var out []DomainBlock
	for rows.Next() {
		var b DomainBlock
		if err := rows.Scan(&b.Domain, &b.Severity, &b.Reason, &b.CreatedAt); err != nil {
			return nil, fmt.Errorf("models: domain blocks: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// DomainBlockSeverity is the severity of the block covering domain
// (host[:port]), "" when none; a suspension wins over a silence.
func DomainBlockSeverity(ctx context.Context, db DB, domain string) (string, error) {
	if domain == "" {
		return "", nil // local
	}
	var sev string
	err := db.QueryRow(ctx, `SELECT severity FROM domain_blocks WHERE domain = ANY($1)
		ORDER BY severity = 'suspend' DESC LIMIT 1`, DomainCandidates(domain)).Scan(&sev)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: domain block: %w", err)
	}
	return sev, nil
}

// DomainSuspended reports whether a domain is blocked with "suspend".
func DomainSuspended(ctx context.Context, db DB, domain string) (bool, error) {
	sev, err := DomainBlockSeverity(ctx, db, domain)
	return sev == BlockSuspend, err
}

// DomainSilenced reports whether a domain is blocked with "silence" (and
// not suspended): Mastodon's "limit", whose follows wait for approval.
func DomainSilenced(ctx context.Context, db DB, domain string) (bool, error) {
	sev, err := DomainBlockSeverity(ctx, db, domain)
	return sev == BlockSilence, err
}

// authorShownPublicly is a condition on the post p, for what is shown
// publicly: its author's domain is not silenced or suspended, and its
// author is not a suspended local account.
const authorShownPublicly = `NOT EXISTS (SELECT 1 FROM actors sa WHERE sa.id = p.author_id AND sa.domain IS NOT NULL
	AND blocked_domain_severity(sa.domain) IS NOT NULL)
	AND NOT EXISTS (SELECT 1 FROM accounts sacc WHERE sacc.actor_id = p.author_id AND sacc.suspended_at IS NOT NULL)`
