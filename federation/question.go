package federation

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/village-social/village/models"
)

// AsQuestion turns a post's document (NoteDocument, PostDocument) into the
// Question Mastodon reads as a post with a poll: its options as oneOf (one
// choice) or anyOf (several), each a Note whose name is the option and
// whose replies.totalItems its votes, endTime, votersCount, and closed
// once it ended. While a poll hides its totals, totalItems is null, as
// Mastodon sends it. Any post with a poll goes out this way, whoever wrote it.
func AsQuestion(doc map[string]any, poll *models.Poll, now time.Time) {
	if doc["type"] == "Tombstone" {
		return
	}
	showTotals := poll.ShowsTotals(now)
	items := make([]any, 0, len(poll.Options))
	for i, title := range poll.Options {
		var total any
		if showTotals {
			total = poll.Counts[i]
		}
		items = append(items, map[string]any{"type": "Note", "name": title,
			"replies": map[string]any{"type": "Collection", "totalItems": total}})
	}
	doc["type"] = "Question"
	key := "oneOf"
	if poll.Multiple {
		key = "anyOf"
	}
	doc[key] = items
	if poll.VotersCount != nil || poll.Multiple || showTotals {
		doc["votersCount"] = poll.Voters()
	}
	if end := poll.EndsAt(); end != nil {
		doc["endTime"] = end.UTC().Format(time.RFC3339)
		if poll.Expired(now) {
			doc["closed"] = end.UTC().Format(time.RFC3339)
		}
	}
}

// Bounds on what a remote Question may say: an end before this or further
// ahead than maxPollAhead is no real poll's, and a count past maxPollCount
// no real vote's.
var earliestPollEnd = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	maxPollAhead = 5 * 365 * 24 * time.Hour
	maxPollCount = 1_000_000_000
)

// PollFromQuestion reads the poll of an incoming Question, as Mastodon,
// Misskey, Pleroma and Akkoma send it: oneOf or anyOf (a list, or a single
// object), each option's name (or content) and replies.totalItems (or
// Misskey's older _misskey_votes), endTime, closed (a time or true) and
// votersCount. It returns nil for a Question with no options (read as a
// plain post); a poll with too many options or an absurd end is refused.
func PollFromQuestion(o Object, now time.Time) (*models.Poll, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidNote, o.ID(), fmt.Sprintf(format, args...))
	}
	raw, multiple := o["anyOf"], true
	if raw == nil {
		raw, multiple = o["oneOf"], false
	}
	if raw == nil {
		return nil, nil
	}
	items := objects(raw)
	if len(items) > models.MaxRemotePollOptions {
		return nil, bad("a poll of %d options (at most %d are taken)", len(items), models.MaxRemotePollOptions)
	}
	p := &models.Poll{Multiple: multiple}
	for _, item := range items {
		title := strings.TrimSpace(item.String("name"))
		if title == "" {
			title = strings.TrimSpace(item.String("content"))
		}
		if title == "" {
			continue
		}
		p.Options = append(p.Options, truncateRunes(title, models.MaxRemotePollOptionLength))
		count, ok := pollCount(item.Embedded("replies")["totalItems"])
		if !ok {
			count, _ = pollCount(item["_misskey_votes"])
		}
		p.Counts = append(p.Counts, count)
	}
	if len(p.Options) == 0 {
		return nil, nil
	}
	if end := o.String("endTime"); end != "" {
		t, err := time.Parse(time.RFC3339, end)
		if err != nil {
			return nil, bad("endTime %q is not a time", end)
		}
		if t.Before(earliestPollEnd) || t.After(now.Add(maxPollAhead)) {
			return nil, bad("endTime %s is out of range", end)
		}
		p.ExpiresAt = &t
	}
	switch closed := o["closed"].(type) {
	case string:
		t, err := time.Parse(time.RFC3339, closed)
		if err != nil || t.After(now) || t.Before(earliestPollEnd) {
			t = now // closed, at a time we cannot use: closed now
		}
		p.ClosedAt = &t
	case bool:
		if closed {
			p.ClosedAt = &now
		}
	case nil:
	default:
		p.ClosedAt = &now // Mastodon too takes any other value as closed
	}
	if n, ok := pollCount(o["votersCount"]); ok {
		p.VotersCount = &n
	}
	return p, nil
}

// pollCount reads a count a remote server sent: a whole number, bounded.
func pollCount(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || f < 0 {
		return 0, false
	}
	return int(math.Min(math.Floor(f), maxPollCount)), true
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// IncomingVote is a vote in a poll: Mastodon's and Misskey's answer to a
// Question, a Note with the chosen option as its name, in reply to the
// Question, and no content.
type IncomingVote struct {
	ID, Question, Voter, Choice string
}

// VoteFromObject reads a vote from a Note; false when the Note is no vote
// (a reply has content, a vote has only a name).
func VoteFromObject(o Object) (*IncomingVote, bool) {
	if o == nil || o.Type() != "Note" {
		return nil, false
	}
	name, question := strings.TrimSpace(o.String("name")), o.Ref("inReplyTo")
	if name == "" || question == "" || strings.TrimSpace(o.String("content")) != "" {
		return nil, false
	}
	return &IncomingVote{ID: o.ID(), Question: question, Voter: o.Ref("attributedTo"), Choice: name}, true
}

// VoteActivity is a vote as Mastodon sends it: Create{Note{name: the
// option, inReplyTo: the Question, attributedTo: the voter}} addressed to
// the poll's author only, one per chosen option. voteID is the Note's id.
func VoteActivity(voterURI, voteID, questionURI, pollAuthorURI, choice string) (map[string]any, error) {
	addr := NoteAddress{To: []string{pollAuthorURI}}
	note := map[string]any{"id": voteID, "type": "Note", "name": choice, "attributedTo": voterURI,
		"inReplyTo": questionURI, "to": []string{pollAuthorURI}}
	return Wrap("Create", voteID+"/activity", voterURI, addr, note)
}
