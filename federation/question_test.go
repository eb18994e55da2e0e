package federation

import (
	"errors"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

func TestPollFromQuestionReadsEachServersShape(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)
	q := func(extra map[string]any) Object {
		o := Object{"id": "https://social.example/notes/1", "type": "Question", "attributedTo": "https://social.example/users/rosa",
			"content": "<p>Where?</p>"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	option := func(name string, votes any) map[string]any {
		return map[string]any{"type": "Note", "name": name, "replies": map[string]any{"type": "Collection", "totalItems": votes}}
	}
	end := "2026-05-03T10:00:00Z"
	cases := []struct {
		name  string
		in    Object
		check func(t *testing.T, p *models.Poll, err error)
	}{
		{"Mastodon's oneOf with votersCount", q(map[string]any{"oneOf": []any{option("Park", 2.0), option("Pool", 1.0)},
			"endTime": end, "votersCount": 3.0}), func(t *testing.T, p *models.Poll, err error) {
			if err != nil || p.Multiple || len(p.Options) != 2 || p.Counts[0] != 2 || p.Counts[1] != 1 || p.Voters() != 3 ||
				p.ExpiresAt == nil || p.ExpiresAt.Format(time.RFC3339) != end || p.Expired(now) {
				t.Errorf("read %+v, %v", p, err)
			}
		}},
		{"Misskey's anyOf without votersCount nor _misskey_votes", q(map[string]any{"anyOf": []any{option("A", 4.0), option("B", 0.0)},
			"endTime": end}), func(t *testing.T, p *models.Poll, err error) {
			if err != nil || !p.Multiple || p.VotersCount != nil || p.Counts[0] != 4 {
				t.Errorf("read %+v, %v", p, err)
			}
		}},
		{"oneOf as a single object", q(map[string]any{"oneOf": option("Only", 1.0)}), func(t *testing.T, p *models.Poll, err error) {
			if err != nil || len(p.Options) != 1 || p.Options[0] != "Only" || p.ExpiresAt != nil {
				t.Errorf("read %+v, %v", p, err)
			}
		}},
		{"closed as a date", q(map[string]any{"oneOf": []any{option("A", 1.0)}, "closed": "2026-05-01T10:00:00Z"}),
			func(t *testing.T, p *models.Poll, err error) {
				if err != nil || p.ClosedAt == nil || !p.Expired(now) || p.ClosedAt.Day() != 1 {
					t.Errorf("read %+v, %v", p, err)
				}
			}},
		{"closed as true", q(map[string]any{"oneOf": []any{option("A", 1.0)}, "closed": true}), func(t *testing.T, p *models.Poll, err error) {
			if err != nil || !p.Expired(now) {
				t.Errorf("read %+v, %v", p, err)
			}
		}},
		{"closed as false", q(map[string]any{"oneOf": []any{option("A", 1.0)}, "closed": false}), func(t *testing.T, p *models.Poll, err error) {
			if err != nil || p.Expired(now) {
				t.Errorf("read %+v, %v", p, err)
			}
		}},
		{"hidden totals (null) and absurd counts", q(map[string]any{"oneOf": []any{option("A", nil), option("B", -5.0), option("C", 1e300)}}),
			func(t *testing.T, p *models.Poll, err error) {
				if err != nil || p.Counts[0] != 0 || p.Counts[1] != 0 || p.Counts[2] != 1_000_000_000 {
					t.Errorf("read %+v, %v", p, err)
				}
			}},
		{"no options is no poll", q(map[string]any{"oneOf": []any{}}), func(t *testing.T, p *models.Poll, err error) {
			if err != nil || p != nil {
				t.Errorf("read %+v, %v", p, err)
			}
		}},
		{"10,000 options are refused", q(map[string]any{"anyOf": manyOptions(10_000)}), func(t *testing.T, p *models.Poll, err error) {
			if !errors.Is(err, ErrInvalidNote) {
				t.Errorf("read %d options, %v", len(p.Options), err)
			}
		}},
		{"an end in the year 9999 is refused", q(map[string]any{"oneOf": []any{option("A", 1.0)}, "endTime": "9999-12-31T00:00:00Z"}),
			func(t *testing.T, p *models.Poll, err error) {
				if !errors.Is(err, ErrInvalidNote) {
					t.Errorf("read %+v, %v", p, err)
				}
			}},
		{"an end in 1970 is refused", q(map[string]any{"oneOf": []any{option("A", 1.0)}, "endTime": "1970-01-01T00:00:00Z"}),
			func(t *testing.T, p *models.Poll, err error) {
				if !errors.Is(err, ErrInvalidNote) {
					t.Errorf("read %+v, %v", p, err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := PollFromQuestion(c.in, now)
			c.check(t, p, err)
		})
	}
}

func manyOptions(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"type": "Note", "name": "option"}
	}
	return out
}

func TestAsQuestionHidesTotalsUntilTheEndAndSaysClosed(t *testing.T) {
	t.Parallel()
	now := time.Now()
	end := now.Add(time.Hour)
	voters := 2
	poll := &models.Poll{Options: []string{"Yes", "No"}, Counts: []int{2, 1}, Multiple: true, HideTotals: true, ExpiresAt: &end, VotersCount: &voters}
	doc := map[string]any{"type": "Note"}
	AsQuestion(doc, poll, now)
	items, _ := doc["anyOf"].([]any)
	if doc["type"] != "Question" || len(items) != 2 || doc["closed"] != nil || doc["endTime"] == nil {
		t.Fatalf("open poll: %v", doc)
	}
	if total := items[0].(map[string]any)["replies"].(map[string]any)["totalItems"]; total != nil {
		t.Errorf("hidden totals sent as %v", total)
	}
	doc = map[string]any{"type": "Note"}
	AsQuestion(doc, poll, end.Add(time.Second))
	items, _ = doc["anyOf"].([]any)
	if doc["closed"] == nil || items[0].(map[string]any)["replies"].(map[string]any)["totalItems"] != 2 || doc["votersCount"] != 2 {
		t.Errorf("ended poll: %v", doc)
	}
}
