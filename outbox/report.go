package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	Forward  bool           // also tell the target's server, and the remote group's
	Reporter *models.Actor  // the reporter: no copy of the Flag goes back to it
}

// FileReport stores a report in tx, tells the local moderators of its
// queue, and sends a Flag (the reporter stays anonymous) to the group's
// remote moderators (every moderator hears of a report, wherever they are)
// and, when forwarding was asked, to the target's server and to the server
// of the remote group the posts are in. Lemmy servers get the Flag they
// file, from the reports actor (sendLemmyFlag); everyone else Mastodon's, from
// the instance actor (sendFlag). Which server runs Lemmy is read from the
// NodeInfo stored for it: the caller looks it up before the transaction.
// A Flag already filed is reported false and sends nothing.
func (o *Outbox) FileReport(ctx context.Context, tx pgx.Tx, f ReportFiling) (bool, error) {
	r := f.Report
	var remoteGroup *models.Actor
	if f.Forward {
		var err error
		if remoteGroup, err = remoteGroupOf(ctx, tx, f.Posts); err != nil {
			return false, err
		}
	}
	r.Forwarded = f.Forward && (!f.Target.IsLocal() || remoteGroup != nil)
	created, err := models.CreateReport(ctx, tx, r, f.PerHour)
	if err != nil || !created {
		return created, err
	}
	if err := models.NotifyOfReport(ctx, tx, r); err != nil {
		return false, err
	}
	var recipients []*models.Actor // one per inbox
	seen := map[string]bool{}
	add := func(a *models.Actor) {
		if in := o.urls.DeliveryInbox(a); in != "" && !a.IsLocal() && !seen[in] {
			seen[in] = true
			recipients = append(recipients, a)
		}
	}
	group := remoteGroup // whom the Flag is addressed to
	if r.Forwarded {
		add(f.Target)
		if remoteGroup != nil {
			add(remoteGroup)
		}
	}
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
		if group, err = models.ActorByID(ctx, tx, *r.GroupID); err != nil {
			return false, err
		}
	}
	var mastodon, lemmy []string
	for _, a := range recipients {
		in := o.urls.DeliveryInbox(a)
		// Lemmy files a report of one post or comment in a community.
		if group != nil && len(f.Posts) > 0 {
			software, _, err := models.InstanceSoftware(ctx, tx, a.Domain)
			if err != nil {
				return false, err
			}
			if filesLemmyReports(software) {
				lemmy = append(lemmy, in)
				continue
			}
		}
		mastodon = append(mastodon, in)
	}
	if len(mastodon) > 0 {
		if err := o.sendFlag(ctx, tx, f, group, mastodon); err != nil {
			return false, err
		}
	}
	if len(lemmy) > 0 {
		if err := o.sendLemmyFlag(ctx, tx, f, group, lemmy); err != nil {
			return false, err
		}
	}
	return true, nil
}

// lemmyReporters are servers (by NodeInfo software.name) that file a Flag
// only from a person (Person, Service or Organization: never the
// Application an instance actor is), addressed to one community, about one
// post or comment, with the reason in summary (Lemmy's
// crates/apub/activities/src/protocol/community/report.rs and
// crates/apub/objects/src/protocol/person.rs).
var lemmyReporters = map[string]bool{"lemmy": true}

// filesLemmyReports reports whether a server software needs Lemmy's Flag.
func filesLemmyReports(software string) bool { return lemmyReporters[strings.ToLower(software)] }

// remoteGroupOf is the remote group (a Lemmy community, another Village's
// group) the first of the posts that was posted into one is in, or nil.
func remoteGroupOf(ctx context.Context, tx pgx.Tx, posts []*models.Post) (*models.Actor, error) {
	for _, p := range posts {
		if p.GroupID == nil {
			continue
		}
		g, err := models.ActorByID(ctx, tx, *p.GroupID)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !g.IsLocal() && g.Type == models.ActorGroup {
			return g, nil
		}
	}
	return nil, nil
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

// sendLemmyFlag sends the report in the shape Lemmy files:
// Flag{actor: the reports actor, to: the group, object: one post, summary,
// content}. Its actor is a Service that speaks for the whole server, so
// the reporter stays as anonymous as with the instance actor; the reason
// is never empty, as older Lemmy requires.
func (o *Outbox) sendLemmyFlag(ctx context.Context, tx pgx.Tx, f ReportFiling, group *models.Actor, inboxes []string) error {
	reporter, err := models.ReportsActor(ctx, tx)
	if err != nil {
		return err
	}
	post := f.Posts[0] // Lemmy takes one: the first in the group, if any is
	for _, p := range f.Posts {
		if p.GroupID != nil && *p.GroupID == group.ID {
			post = p
			break
		}
	}
	reason := f.Report.Comment
	if strings.TrimSpace(reason) == "" {
		host := o.urls.InstanceActorUsername()
		reason = "Reported by a member of " + host
		if f.Reporter != nil && !f.Reporter.IsLocal() {
			reason = "Reported to " + host // a remote Flag passed on to the group's moderators
		}
	}
	groupURI := o.urls.Actor(group)
	report := federation.FlagReport{ID: o.urls.NewActivityID(), Actor: o.urls.Actor(reporter),
		Objects: []string{post.URI}, Comment: reason, To: []string{groupURI}, Audience: groupURI}
	flag, extra, err := federation.NewFlag(report)
	if err != nil {
		return fmt.Errorf("outbox: lemmy flag: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: reporter, ID: report.ID, Activity: flag, Extra: extra, ObjectURI: post.URI, Inboxes: inboxes})
	return err
}
