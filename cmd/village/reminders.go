package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/models"
)

// reminderTask runs remind every quarter hour (early enough for a day
// ahead): the day-before reminders of meetups (models.RemindEvents) and
// of help calendars' slots (outbox.RemindHelpers), each sent once.
func reminderTask(name, done string, remind func(context.Context, models.DB, time.Time) (int, error),
	db models.DB, logger *slog.Logger) delivery.PeriodicTask {
	return delivery.PeriodicTask{Name: name, Every: 15 * time.Minute, Run: func(ctx context.Context) error {
		n, err := remind(ctx, db, time.Now())
		if n > 0 {
			logger.Info(done, "count", n)
		}
		return err
	}}
}
