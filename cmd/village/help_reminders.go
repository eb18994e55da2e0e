package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/models"
)

// helpReminders reminds helpers of their slot the day before it
// (models.RemindHelpers: once per place).
func helpReminders(db models.DB, logger *slog.Logger) delivery.PeriodicTask {
	return delivery.PeriodicTask{Name: "help-reminders", Every: 15 * time.Minute, Run: func(ctx context.Context) error {
		n, err := models.RemindHelpers(ctx, db, time.Now())
		if n > 0 {
			logger.Info("help calendars: reminded helpers", "places", n)
		}
		return err
	}}
}
