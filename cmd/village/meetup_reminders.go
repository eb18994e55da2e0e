package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/models"
)

// meetupReminders reminds people going to a meetup the day before it
// (models.RemindEvents); every quarter hour is early enough for a day ahead.
func meetupReminders(db models.DB, logger *slog.Logger) delivery.PeriodicTask {
	return delivery.PeriodicTask{Name: "meetup-reminders", Every: 15 * time.Minute, Run: func(ctx context.Context) error {
		n, err := models.RemindEvents(ctx, db, time.Now())
		if n > 0 {
			logger.Info("meetups: reminded people going", "meetups", n)
		}
		return err
	}}
}
