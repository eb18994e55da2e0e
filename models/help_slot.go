package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// HelpSlot is one day's need in a help calendar, and who took its places.
type HelpSlot struct {
	ID         int64
	CalendarID int64
	Day        time.Time // a date (midnight UTC)
	Label      string
	At         string // "15:00" in the calendar's zone, "" for any time
	Places     int
	Claims     []*HelpClaim // filled by HelpSlots
}

// Free is how many places of the slot nobody has taken.
func (s *HelpSlot) Free() int { return max(s.Places-len(s.Claims), 0) }

// NewHelpSlot is a slot to add: a day, a label, an optional time, and
// how many people it needs.
type NewHelpSlot struct {
	Day    time.Time
	Label  string
	At     string // "" or "HH:MM"
	Places int
}

func (s NewHelpSlot) validate(first, last time.Time) error {
	switch {
	case strings.TrimSpace(s.Label) == "":
		return helpInput("slots", "each slot needs a label, such as dinner")
	case utf8.RuneCountInString(s.Label) > HelpLabelMax:
		return helpInput("slots", fmt.Sprintf("a slot's label has at most %d characters", HelpLabelMax))
	case s.Places < 1 || s.Places > HelpMaxPlaces:
		return helpInput("places", fmt.Sprintf("a slot needs 1 to %d people", HelpMaxPlaces))
	case s.Day.Before(first) || s.Day.After(last):
		return helpInput("slots", "a slot's day is within the calendar's dates")
	}
	if s.At != "" {
		if _, err := time.Parse("15:04", s.At); err != nil {
			return helpInput("slots", "a slot's time is written as 15:00")
		}
	}
	return nil
}

// SlotPattern is a slot to repeat on every chosen day: "dinner", or
// "school pick-up" at "15:00".
type SlotPattern struct {
	Label string
	At    string
}

// ParseSlotPatterns reads one slot per line, a time first when there is
// one: "18:00 dinner", "school pick-up 3 pm" is kept as a label.
func ParseSlotPatterns(text string) []SlotPattern {
	var out []SlotPattern
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p := SlotPattern{Label: line}
		if first, rest, ok := strings.Cut(line, " "); ok {
			if _, err := time.Parse("15:04", first); err == nil && strings.TrimSpace(rest) != "" {
				p = SlotPattern{At: first, Label: strings.TrimSpace(rest)}
			}
		}
		out = append(out, p)
	}
	return out
}

// GenerateSlots makes the slots of a range: each pattern on each day from
// first to last whose weekday is in days (all days when days is empty),
// each needing places people.
func GenerateSlots(first, last time.Time, days []time.Weekday, patterns []SlotPattern, places int) []NewHelpSlot {
	want := map[time.Weekday]bool{}
	for _, d := range days {
		want[d] = true
	}
	var out []NewHelpSlot
	for day := first; !day.After(last) && len(out) <= HelpMaxSlots; day = day.AddDate(0, 0, 1) {
		if len(want) > 0 && !want[day.Weekday()] {
			continue
		}
		for _, p := range patterns {
			out = append(out, NewHelpSlot{Day: day, Label: p.Label, At: p.At, Places: places})
		}
	}
	return out
}

func insertSlots(ctx context.Context, db DB, calendarID int64, slots []NewHelpSlot) error {
	for _, s := range slots {
		var at *string
		if s.At != "" {
			at = &s.At
		}
		if _, err := db.Exec(ctx, `INSERT INTO help_slots (calendar_id, day, label, at_time, places) VALUES ($1, $2, $3, $4::time, $5)`,
			calendarID, s.Day, strings.TrimSpace(s.Label), at, s.Places); err != nil {
			return fmt.Errorf("models: help slot: %w", err)
		}
	}
	return nil
}

// AddHelpSlots adds slots to a calendar within its dates, keeping it
// under HelpMaxSlots.
func AddHelpSlots(ctx context.Context, db DB, calendarID int64, slots []NewHelpSlot) error {
	return InTx(ctx, db, func(tx pgx.Tx) error {
		var first, last time.Time
		var count int
		var status string
		err := tx.QueryRow(ctx, `SELECT c.starts_on, c.ends_on, c.status, (SELECT count(*) FROM help_slots s WHERE s.calendar_id = c.id)
			FROM help_calendars c WHERE c.id = $1 FOR UPDATE`, calendarID).Scan(&first, &last, &status, &count)
		if err != nil {
			return notFoundOr(err, "models: add help slots")
		}
		if status == HelpClosed {
			return ErrHelpClosed
		}
		if len(slots) == 0 {
			return helpInput("slots", "give at least one slot")
		}
		if count+len(slots) > HelpMaxSlots {
			return helpInput("slots", fmt.Sprintf("a calendar holds at most %d slots", HelpMaxSlots))
		}
		for _, s := range slots {
			if err := s.validate(first, last); err != nil {
				return err
			}
		}
		return insertSlots(ctx, tx, calendarID, slots)
	})
}

// HelpSlots lists a calendar's slots by day and time, with their claims
// and the claimers' names filled in by the caller.
func HelpSlots(ctx context.Context, db DB, calendarID int64) ([]*HelpSlot, error) {
	rows, err := db.Query(ctx, `SELECT s.id, s.calendar_id, s.day, coalesce(to_char(s.at_time, 'HH24:MI'), ''), s.label, s.places
		FROM help_slots s WHERE s.calendar_id = $1 ORDER BY s.day, s.at_time NULLS FIRST, s.id`, calendarID)
	if err != nil {
		return nil, fmt.Errorf("models: help slots: %w", err)
	}
	defer rows.Close()
	var out []*HelpSlot
	byID := map[int64]*HelpSlot{}
	for rows.Next() {
		var s HelpSlot
		if err := rows.Scan(&s.ID, &s.CalendarID, &s.Day, &s.At, &s.Label, &s.Places); err != nil {
			return nil, fmt.Errorf("models: help slots: %w", err)
		}
		out = append(out, &s)
		byID[s.ID] = &s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: help slots: %w", err)
	}
	claims, err := calendarClaims(ctx, db, calendarID)
	if err != nil {
		return nil, err
	}
	for _, c := range claims {
		if s := byID[c.SlotID]; s != nil {
			s.Claims = append(s.Claims, c)
		}
	}
	return out, nil
}

// ExtendHelpCalendar moves a calendar's last day later (an extension),
// within HelpMaxDays of its first.
func ExtendHelpCalendar(ctx context.Context, db DB, calendarID int64, endsOn time.Time) error {
	return InTx(ctx, db, func(tx pgx.Tx) error {
		var first, last time.Time
		err := tx.QueryRow(ctx, `SELECT starts_on, ends_on FROM help_calendars WHERE id = $1 FOR UPDATE`, calendarID).Scan(&first, &last)
		if err != nil {
			return notFoundOr(err, "models: extend help calendar")
		}
		if endsOn.Before(last) {
			return helpInput("ends_on", "an extension ends later than the calendar does now")
		}
		if err := checkHelpRange(first, endsOn); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE help_calendars SET ends_on = $2, updated_at = now() WHERE id = $1`, calendarID, endsOn)
		if err != nil {
			return fmt.Errorf("models: extend help calendar: %w", err)
		}
		return nil
	})
}
