package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// What an instance shows apps and visitors besides its name: its rules
// (Mastodon's instance rules, which apps show at sign-up) and whether its
// public timelines are open to visitors (Mastodon's "timeline preview").

const (
	settingInstanceRules   = "instance_rules"
	settingTimelinePreview = "timeline_preview"

	// MaxInstanceRules and MaxInstanceRuleLength bound the rules, as
	// Mastodon's admin form does.
	MaxInstanceRules      = 30
	MaxInstanceRuleLength = 300
)

// ErrInstanceRulesTooLong is returned for too many or too long rules.
var ErrInstanceRulesTooLong = fmt.Errorf("at most %d rules of at most %d characters each", MaxInstanceRules, MaxInstanceRuleLength)

// PublicSettings are the instance settings of this file.
type PublicSettings struct {
	Rules []string // one rule each, in order
	// TimelinePreview lets visitors (no token, not signed in) read the
	// public timelines; on by default, as on Mastodon.
	TimelinePreview bool
}

// ParseRules reads rules typed one a line, blank lines dropped.
func ParseRules(text string) []string {
	var out []string
	for _, line := range strings.Split(cleanText(text, true), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// InstancePublicSettings reads the rules and the timeline preview.
func InstancePublicSettings(ctx context.Context, db DB) (PublicSettings, error) {
	s := PublicSettings{TimelinePreview: true}
	rules, _, err := Setting(ctx, db, settingInstanceRules)
	if err != nil {
		return s, err
	}
	s.Rules = ParseRules(rules)
	preview, ok, err := Setting(ctx, db, settingTimelinePreview)
	if err != nil {
		return s, err
	}
	s.TimelinePreview = !ok || preview != "false"
	return s, nil
}

// SetInstancePublicSettings checks and stores them in one transaction.
func SetInstancePublicSettings(ctx context.Context, db DB, s PublicSettings) error {
	if len(s.Rules) > MaxInstanceRules {
		return ErrInstanceRulesTooLong
	}
	for _, r := range s.Rules {
		if utf8.RuneCountInString(r) > MaxInstanceRuleLength {
			return ErrInstanceRulesTooLong
		}
	}
	preview := "false"
	if s.TimelinePreview {
		preview = "true"
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		if err := SetSetting(ctx, tx, settingInstanceRules, strings.Join(s.Rules, "\n")); err != nil {
			return err
		}
		return SetSetting(ctx, tx, settingTimelinePreview, preview)
	})
}

// ContactAdmin is the account apps show as the instance's contact: the
// oldest admin who is not suspended, or nil when there is none.
func ContactAdmin(ctx context.Context, db DB) (*Account, error) {
	acc, err := scanAccount(db.QueryRow(ctx, accountSelect+` WHERE acc.is_admin AND acc.suspended_at IS NULL
		ORDER BY acc.id LIMIT 1`))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: contact admin: %w", err)
	}
	return acc, nil
}

// CountKnownDomains counts the other servers this instance knows of
// (Mastodon's stats.domain_count).
func CountKnownDomains(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(DISTINCT lower(domain)) FROM actors WHERE domain IS NOT NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count domains: %w", err)
	}
	return n, nil
}
