package access

import (
	"context"

	"github.com/village-social/village/models"
)

// Attendance is how much of a meetup's answers a viewer sees: the web
// app and the client API show the attendee list by the same rule.
type Attendance int

const (
	// AttendanceHidden: nothing, not even counts (a members-only group's meetup
	// seen from outside).
	AttendanceHidden Attendance = iota
	// AttendanceCounts: how many answered each way, no names (visitors of a
	// public group's meetup, and every public surface).
	AttendanceCounts
	// AttendanceNames: the names of people going and maybe going (the group's
	// members).
	AttendanceNames
	// AttendanceEveryone: every answer with its status, the waiting list and the
	// answers waiting for a decision (the organizer and the group's
	// moderators, who approve and refuse).
	AttendanceEveryone
)

// AttendanceFor is what viewerID (0 for nobody signed in) sees of the
// answers to a meetup, post, in group (nil when it is in none).
func AttendanceFor(ctx context.Context, db models.DB, post *models.Post, group *models.Actor, viewerID int64) (Attendance, error) {
	if viewerID != 0 {
		organizer, err := models.MayChangeEvent(ctx, db, post, viewerID)
		if err != nil {
			return AttendanceHidden, err
		}
		if organizer {
			return AttendanceEveryone, nil
		}
	}
	if group == nil {
		return AttendanceCounts, nil
	}
	member := false
	if viewerID != 0 {
		var err error
		if member, err = models.IsMember(ctx, db, group.ID, viewerID); err != nil {
			return AttendanceHidden, err
		}
	}
	if member {
		return AttendanceNames, nil
	}
	membersOnly, err := models.GroupIsMembersOnly(ctx, db, group.ID)
	if err != nil || membersOnly {
		return AttendanceHidden, err
	}
	return AttendanceCounts, nil
}

// Shown are the statuses whose people a level names, in the order lists show them.
func (l Attendance) Shown() []string {
	switch l {
	case AttendanceEveryone:
		return []string{models.RSVPGoing, models.RSVPMaybe, models.RSVPWaitlist, models.RSVPPending, models.RSVPNotGoing}
	case AttendanceNames:
		return []string{models.RSVPGoing, models.RSVPMaybe}
	}
	return nil
}
