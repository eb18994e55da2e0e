package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ReportFiling is a report to file: from a local member (web, client API)
// or from a remote server's Flag.
type ReportFiling struct {
	Report   *models.Report
	Target   *models.Actor
	Posts    []*models.Post // the reported posts, in the report's order
	PerHour  int            // the reporter's hourly limit
	Forward  bool           // also tell the target's server (when it is remote)
	Reporter *models.Actor  // the reporter: no copy of the Flag goes back to it
}

// FileReport stores a report in tx, tells the local moderators of its
// queue, and sends a Flag from the instance actor (the reporter stays
// anonymous) to the target's server when forwarding was asked for a
// remote target, and to the group's remote moderators: every moderator
// hears of a report, wherever they are. A Flag already filed is reported
// false and sends nothing.
func (o *Outbox) FileReport(ctx context.Context, tx pgx.Tx, f ReportFiling) (bool, error) {
	r := f.Report
	r.Forwarded = f.Forward && !f.Target.IsLocal()
	created, err := models.CreateReport(ctx, tx, r, f.PerHour)
	if err != nil || !created {
		return created, err
	}
	if err := models.NotifyOfReport(ctx, tx, r); err != nil {
		return false, err
	}
	var inboxes []string
	seen := map[string]bool{}
	add := func(a *models.Actor) {
		if in := o.urls.DeliveryInbox(a); in != "" && !a.IsLocal() && !seen[in] {
			seen[in] = true
			inboxes = append(inboxes, in)
		}
	}
	if r.Forwarded {
		add(f.Target)
	}
	var group *models.Actor
	if r.GroupID != nil {
		mods, err := models.Moderators(ctx, tx, *r.GroupID)
		if err != nil {
			return false, err
		}
		for _, m := range mods {
			// Neither the reporter nor the reported moderator gets a copy.
			if (f.Reporter == nil || m.ID != f.Reporter.ID) && m.ID != f.Target.ID {
				add(m)
			}
		}
		if len(inboxes) > 0 {
			if group, err = models.ActorByID(ctx, tx, *r.GroupID); err != nil {
				return false, err
			}
		}
	}
	if len(inboxes) == 0 {
		return true, nil
	}
	return true, o.sendFlag(ctx, tx, f, group, inboxes)
}

// sendFlag sends the report as Flag{object: [target, posts...]} from the
// instance actor. Nothing in it names the reporter.
func (o *Outbox) sendFlag(ctx context.Context, tx pgx.Tx, f ReportFiling, group *models.Actor, inboxes []string) error {
	instance, err := models.InstanceActor(ctx, tx)
	if err != nil {
		return err
	}
	target := o.urls.Actor(f.Target)
	report := federation.FlagReport{ID: o.urls.NewActivityID(), Actor: o.urls.Actor(instance),
		Objects: []string{target}, Comment: f.Report.Comment}
	for _, p := range f.Posts {
		report.Objects = append(report.Objects, p.URI)
	}
	if group != nil {
		report.To = []string{o.urls.Actor(group)}
		report.Audience = report.To[0]
	}
	flag, extra, err := federation.NewFlag(report)
	if err != nil {
		return fmt.Errorf("outbox: flag: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: instance, ID: report.ID, Activity: flag, Extra: extra, ObjectURI: target, Inboxes: inboxes})
	return err
}
