package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// What moderators and admins change from the web app: a group's settings,
// its join requests and pins, the instance's settings and its users.

// Limits of a group's settings beyond those of NewGroup.
const (
	MaxRulesLength        = 5000
	MaxJoinQuestions      = 10
	MaxJoinQuestionLength = 300
	// MaxPins caps a group's pinned posts (the welcome note counts).
	MaxPins = 10
)

// Errors of a group's settings, one per rule, each an ErrInvalidGroup.
var (
	ErrGroupTitleMissing     = fmt.Errorf("%w: a title is required", ErrInvalidGroup)
	ErrGroupTitleTooLong     = fmt.Errorf("%w: the title may have at most %d characters", ErrInvalidGroup, MaxTitleLength)
	ErrGroupSummaryTooLong   = fmt.Errorf("%w: the summary may have at most %d characters", ErrInvalidGroup, MaxSummaryLength)
	ErrGroupRulesTooLong     = fmt.Errorf("%w: the rules may have at most %d characters", ErrInvalidGroup, MaxRulesLength)
	ErrGroupLocationTooLong  = fmt.Errorf("%w: the location may have at most %d characters", ErrInvalidGroup, MaxLocationLength)
	ErrGroupCoordinatesPair  = fmt.Errorf("%w: give both latitude and longitude, or neither", ErrInvalidGroup)
	ErrGroupLatitudeRange    = fmt.Errorf("%w: latitude must be between -90 and 90", ErrInvalidGroup)
	ErrGroupLongitudeRange   = fmt.Errorf("%w: longitude must be between -180 and 180", ErrInvalidGroup)
	ErrJoinQuestionsTooMany  = fmt.Errorf("%w: ask at most %d join questions", ErrInvalidGroup, MaxJoinQuestions)
	ErrJoinQuestionTooLong   = fmt.Errorf("%w: a join question may have at most %d characters", ErrInvalidGroup, MaxJoinQuestionLength)
	ErrPinNotInGroup         = errors.New("only live posts of the group can be pinned")
	ErrPinNotShareable       = errors.New("that post cannot be pinned")
	ErrTooManyPins           = fmt.Errorf("a group may pin at most %d posts", MaxPins)
	ErrInstanceNameTooLong   = fmt.Errorf("an instance name may have at most %d characters", MaxInstanceNameLength)
	ErrInstanceDescTooLong   = fmt.Errorf("a description may have at most %d characters", MaxInstanceDescriptionLength)
	ErrInvalidContactAddress = errors.New("the contact address must be an email address")
)

// GroupSettings are what a group's moderators may change about it. The
// summary and rules are plain text; join questions are one per line.
type GroupSettings struct {
	Title               string
	Summary             string
	Rules               string
	Location            string
	Latitude, Longitude *float64 // both or neither
	MembersOnly         bool
	JoinQuestions       string
}

// SettingsOf returns a group's current settings.
func SettingsOf(g *Group) GroupSettings {
	return GroupSettings{Title: g.Title, Summary: g.Summary, Rules: g.Rules, Location: g.Location,
		Latitude: g.Latitude, Longitude: g.Longitude, MembersOnly: g.MembersOnly(), JoinQuestions: g.JoinQuestions}
}

// cleanText trims s and drops control characters; multi-line text keeps
// its line breaks (as \n).
func cleanText(s string, multiline bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' && multiline {
			return r
		}
		if unicode.IsControl(r) {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return -1
		}
		return r
	}, s))
}

// Normalize trims the settings, drops control characters, and keeps one
// join question per non-empty line.
func (s GroupSettings) Normalize() GroupSettings {
	s.Title = cleanText(s.Title, false)
	s.Summary = cleanText(s.Summary, true)
	s.Rules = cleanText(s.Rules, true)
	s.Location = cleanText(s.Location, false)
	var qs []string
	for _, line := range strings.Split(cleanText(s.JoinQuestions, true), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			qs = append(qs, line)
		}
	}
	s.JoinQuestions = strings.Join(qs, "\n")
	return s
}

// Questions are the join questions, one per entry.
func (s GroupSettings) Questions() []string { return JoinQuestionList(s.JoinQuestions) }

// JoinQuestionList splits stored join questions into one entry each.
func JoinQuestionList(stored string) []string {
	var out []string
	for _, line := range strings.Split(stored, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Validate checks normalized settings with the rules of a new group, and
// those of rules and join questions; errors.Join of every rule broken.
func (s GroupSettings) Validate() error {
	var errs []error
	switch n := utf8.RuneCountInString(s.Title); {
	case n == 0:
		errs = append(errs, ErrGroupTitleMissing)
	case n > MaxTitleLength:
		errs = append(errs, ErrGroupTitleTooLong)
	}
	if utf8.RuneCountInString(s.Summary) > MaxSummaryLength {
		errs = append(errs, ErrGroupSummaryTooLong)
	}
	if utf8.RuneCountInString(s.Rules) > MaxRulesLength {
		errs = append(errs, ErrGroupRulesTooLong)
	}
	if utf8.RuneCountInString(s.Location) > MaxLocationLength {
		errs = append(errs, ErrGroupLocationTooLong)
	}
	if (s.Latitude == nil) != (s.Longitude == nil) {
		errs = append(errs, ErrGroupCoordinatesPair)
	}
	if lat := s.Latitude; lat != nil && (math.IsNaN(*lat) || *lat < -90 || *lat > 90) {
		errs = append(errs, ErrGroupLatitudeRange)
	}
	if lon := s.Longitude; lon != nil && (math.IsNaN(*lon) || *lon < -180 || *lon > 180) {
		errs = append(errs, ErrGroupLongitudeRange)
	}
	qs := s.Questions()
	if len(qs) > MaxJoinQuestions {
		errs = append(errs, ErrJoinQuestionsTooMany)
	}
	for _, q := range qs {
		if utf8.RuneCountInString(q) > MaxJoinQuestionLength {
			errs = append(errs, ErrJoinQuestionTooLong)
			break
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// The rules every group was created under hold for its settings too
	// (the name is already valid: it only checks the fields above).
	return NewGroup{Name: "a_group", Title: s.Title, Summary: s.Summary, Location: s.Location,
		Latitude: s.Latitude, Longitude: s.Longitude, MembersOnly: s.MembersOnly}.Validate()
}

// SettingsChange says what saving a group's settings changed besides its
// texts.
type SettingsChange struct {
	WasMembersOnly bool
	MembersOnly    bool
}

// Opened reports a members-only group that became public.
func (c SettingsChange) Opened() bool { return c.WasMembersOnly && !c.MembersOnly }

// UpdateGroupSettings normalizes, validates and stores a local group's
// settings, in one transaction: the group row, and its actor's name,
// summary and manuallyApprovesFollowers (which follows members-only). Pins
// stay: once the group is members-only, its featured collection shows
// members' posts only to its members' servers. On any error nothing is written.
func UpdateGroupSettings(ctx context.Context, db DB, groupID int64, s GroupSettings) (SettingsChange, error) {
	var change SettingsChange
	s = s.Normalize()
	if err := s.Validate(); err != nil {
		return change, err
	}
	visibility := VisibilityPublic
	if s.MembersOnly {
		visibility = VisibilityMembers
	}
	change.MembersOnly = s.MembersOnly
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		var before string
		err := tx.QueryRow(ctx, `SELECT visibility FROM groups WHERE actor_id = $1 FOR UPDATE`, groupID).Scan(&before)
		if err != nil {
			return notFoundOr(err, "models: group settings")
		}
		change.WasMembersOnly = before == VisibilityMembers
		_, err = tx.Exec(ctx, `UPDATE groups SET title = $2, summary = $3, rules = $4, location = $5,
			latitude = $6, longitude = $7, visibility = $8, join_questions = $9 WHERE actor_id = $1`,
			groupID, s.Title, s.Summary, s.Rules, s.Location, s.Latitude, s.Longitude, visibility, s.JoinQuestions)
		if err != nil {
			return fmt.Errorf("models: group settings: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE actors SET display_name = $2, summary = $3, manually_approves_followers = $4,
			updated_at = now() WHERE id = $1 AND domain IS NULL AND type = 'Group'`, groupID, s.Title, s.Summary, s.MembersOnly)
		if err != nil {
			return fmt.Errorf("models: group settings: %w", err)
		}
		return nil
	})
	return change, err
}

// JoinRequest is a pending follow of a group: who asks, and their answers
// to the join questions.
type JoinRequest struct {
	Follow  *Follow
	Actor   *Actor
	Answers string
	// Limited: the requester's server is silenced here, which is why a
	// public group or an unlocked person has to decide at all.
	Limited bool
}

// PendingJoinRequests lists a group's (or a person's) pending follows with
// their requesters and answers, oldest first, at most limit of them, and
// how many are pending in all.
func PendingJoinRequests(ctx context.Context, db DB, groupID int64, limit int) ([]JoinRequest, int, error) {
	var total int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM follows WHERE followee_id = $1 AND state = 'pending'`, groupID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("models: join requests: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, `+followColumns+`, f.answers,
		  coalesce(blocked_domain_severity(a.domain) = 'silence', false)
		FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = $1 AND f.state = 'pending' ORDER BY f.id LIMIT $2`, groupID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("models: join requests: %w", err)
	}
	defer rows.Close()
	var out []JoinRequest
	for rows.Next() {
		var r JoinRequest
		var f Follow
		r.Actor, err = scanActor(rows, &f.ID, &f.FollowerID, &f.FolloweeID, &f.URI, &f.State, &f.CreatedAt, &r.Answers, &r.Limited)
		if err != nil {
			return nil, 0, fmt.Errorf("models: join requests: %w", err)
		}
		r.Follow = &f
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("models: join requests: %w", err)
	}
	return out, total, nil
}

// PendingJoinRequest locks the pending follow followID of the group (or
// person), for a moderator's (or the person's) decision in tx; ErrNotFound
// when it is not pending (any more) or is not the followee's.
func PendingJoinRequest(ctx context.Context, db DB, groupID, followID int64) (*Follow, error) {
	return scanFollow(db.QueryRow(ctx, `SELECT `+followColumns+` FROM follows f
		WHERE f.id = $1 AND f.followee_id = $2 AND f.state = 'pending' FOR UPDATE`, followID, groupID))
}

// PendingFollowsToOpen locks the pending follows of an actor that opening
// it (a members-only group made public) lets in, oldest first: all but
// those from silenced servers, which still wait for a moderator.
func PendingFollowsToOpen(ctx context.Context, db DB, actorID int64) ([]*Follow, error) {
	rows, err := db.Query(ctx, `SELECT `+followColumns+` FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = $1 AND f.state = 'pending'
		  AND coalesce(blocked_domain_severity(a.domain), '') <> 'silence'
		ORDER BY f.id FOR UPDATE OF f`, actorID)
	if err != nil {
		return nil, fmt.Errorf("models: pending follows: %w", err)
	}
	return collectFollows(rows)
}

// Unpin takes a post out of an actor's featured collection; it reports
// whether it was pinned.
func Unpin(ctx context.Context, db DB, actorID, postID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM pins WHERE actor_id = $1 AND post_id = $2`, actorID, postID)
	if err != nil {
		return false, fmt.Errorf("models: unpin: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// PinGroupPost pins a post to a local group's featured collection, checking
// that it may be: a live post of the group (posted into it or by it), one
// whose document was written here (the collection embeds it), public or
// unlisted, or, in a members-only group, for its members (the featured
// collection shows those only to its members' servers). At most MaxPins;
// pinning again changes nothing.
func PinGroupPost(ctx context.Context, db DB, g *Group, postID int64) error {
	return InTx(ctx, db, func(tx pgx.Tx) error {
		// One pin at a time per group, so that the count holds.
		var visibility string
		err := tx.QueryRow(ctx, `SELECT visibility FROM groups WHERE actor_id = $1 FOR UPDATE`, g.Actor.ID).Scan(&visibility)
		if err != nil {
			return notFoundOr(err, "models: pin")
		}
		p, err := PostByID(ctx, tx, postID)
		if errors.Is(err, ErrNotFound) {
			return ErrPinNotInGroup
		}
		if err != nil {
			return err
		}
		inGroup := (p.GroupID != nil && *p.GroupID == g.Actor.ID) || p.AuthorID == g.Actor.ID
		if !inGroup || p.DeletedAt != nil {
			return ErrPinNotInGroup
		}
		public := p.Visibility == VisibilityPublicPost || p.Visibility == VisibilityUnlisted
		forMembers := visibility == VisibilityMembers && p.Visibility == VisibilityPrivate
		if !p.Local || (!public && !forMembers) {
			return ErrPinNotShareable
		}
		var pinned int
		var already bool
		err = tx.QueryRow(ctx, `SELECT count(*), coalesce(bool_or(post_id = $2), false) FROM pins WHERE actor_id = $1`,
			g.Actor.ID, postID).Scan(&pinned, &already)
		if err != nil {
			return fmt.Errorf("models: pin: %w", err)
		}
		if already {
			return nil
		}
		if pinned >= MaxPins {
			return ErrTooManyPins
		}
		return Pin(ctx, tx, g.Actor.ID, postID)
	})
}

// GroupPosts lists a group's live top-level posts (posted into it or by
// it, whatever the group's visibility: for its moderators and members),
// newest first and older than the post before when it is not 0, with their authors.
func GroupPosts(ctx context.Context, db DB, groupID, before int64, limit int) ([]*Post, error) {
	out, err := queryPosts(ctx, db, "group posts", `SELECT `+postColumns+` FROM posts p
		WHERE (p.group_id = $1 OR p.author_id = $1) AND p.deleted_at IS NULL AND p.in_reply_to_uri = ''
		  AND p.visibility <> 'direct' AND p.relay_of_id IS NULL AND p.id < $3
		ORDER BY p.id DESC LIMIT $2`, groupID, limit, maxID(Page{MaxID: before}))
	if err != nil {
		return nil, err
	}
	return out, fillAuthors(ctx, db, out)
}

// PinnedGroupPosts is PinnedPosts with each post's author.
func PinnedGroupPosts(ctx context.Context, db DB, groupID int64) ([]*Post, error) {
	posts, err := PinnedPosts(ctx, db, groupID)
	if err != nil {
		return nil, err
	}
	return posts, fillAuthors(ctx, db, posts)
}

// Instance settings an admin changes from the web app.
const (
	MaxInstanceNameLength        = 100
	MaxInstanceDescriptionLength = 2000

	settingInstanceName        = "instance_name"
	settingInstanceDescription = "instance_description"
	settingContactEmail        = "contact_email"
)

// InstanceInfo is what the instance says about itself: a name (the host
// when empty), a description for the home page, and whom to contact.
type InstanceInfo struct {
	Name         string
	Description  string // plain text
	ContactEmail string
}

// Normalize trims the info and drops control characters.
func (i InstanceInfo) Normalize() InstanceInfo {
	return InstanceInfo{Name: cleanText(i.Name, false), Description: cleanText(i.Description, true),
		ContactEmail: cleanText(i.ContactEmail, false)}
}

// Validate checks normalized info; errors.Join of every rule broken.
func (i InstanceInfo) Validate() error {
	var errs []error
	if utf8.RuneCountInString(i.Name) > MaxInstanceNameLength {
		errs = append(errs, ErrInstanceNameTooLong)
	}
	if utf8.RuneCountInString(i.Description) > MaxInstanceDescriptionLength {
		errs = append(errs, ErrInstanceDescTooLong)
	}
	if i.ContactEmail != "" {
		addr, err := mail.ParseAddress(i.ContactEmail)
		if err != nil || addr.Address != i.ContactEmail || !strings.Contains(i.ContactEmail, "@") {
			errs = append(errs, ErrInvalidContactAddress)
		}
	}
	return errors.Join(errs...)
}

// Instance returns what the instance says about itself (empty fields until
// an admin sets them). The home page shows its name and description.
func Instance(ctx context.Context, db DB) (InstanceInfo, error) {
	var i InstanceInfo
	rows, err := db.Query(ctx, `SELECT key, value FROM instance_settings WHERE key = ANY($1)`,
		[]string{settingInstanceName, settingInstanceDescription, settingContactEmail})
	if err != nil {
		return i, fmt.Errorf("models: instance info: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return i, fmt.Errorf("models: instance info: %w", err)
		}
		switch k {
		case settingInstanceName:
			i.Name = v
		case settingInstanceDescription:
			i.Description = v
		case settingContactEmail:
			i.ContactEmail = v
		}
	}
	if err := rows.Err(); err != nil {
		return i, fmt.Errorf("models: instance info: %w", err)
	}
	return i, nil
}

// SetInstance normalizes, validates and stores the instance's info and
// sign-up mode in one transaction.
func SetInstance(ctx context.Context, db DB, i InstanceInfo, mode SignupMode) error {
	i = i.Normalize()
	if err := i.Validate(); err != nil {
		return err
	}
	if _, err := ParseSignupMode(string(mode)); err != nil {
		return err
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		for _, kv := range [][2]string{{settingInstanceName, i.Name}, {settingInstanceDescription, i.Description},
			{settingContactEmail, i.ContactEmail}, {settingSignupMode, string(mode)}} {
			if err := SetSetting(ctx, tx, kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
}

// User is a local account as the admin's list shows it.
type User struct {
	Account *Account
	Pending bool   // waits for an admin's approval
	Reason  string // why they asked to join (approval mode)
}

// ListUsers returns local accounts for the admin's list: those waiting for
// approval first (oldest first), then the rest newest first, at most limit
// of them, and how many accounts there are in all.
func ListUsers(ctx context.Context, db DB, limit int) ([]User, int, error) {
	var total int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("models: list users: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, acc.id, coalesce(acc.email, ''), acc.is_admin, acc.created_at,
			acc.approved_at IS NULL, acc.signup_reason
		FROM accounts acc JOIN actors a ON a.id = acc.actor_id
		ORDER BY acc.approved_at IS NULL DESC,
		         CASE WHEN acc.approved_at IS NULL THEN acc.id ELSE -acc.id END
		LIMIT $1`, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("models: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var acc Account
		actor, err := scanActor(rows, &acc.ID, &acc.Email, &acc.IsAdmin, &acc.CreatedAt, &u.Pending, &u.Reason)
		if err != nil {
			return nil, 0, fmt.Errorf("models: list users: %w", err)
		}
		acc.Actor = actor
		u.Account = &acc
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("models: list users: %w", err)
	}
	return out, total, nil
}

// RecentInvites returns the newest invites, at most limit of them.
func RecentInvites(ctx context.Context, db DB, limit int) ([]*Invite, error) {
	rows, err := db.Query(ctx, `SELECT `+inviteColumns+` FROM invites ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("models: invites: %w", err)
	}
	defer rows.Close()
	var out []*Invite
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("models: invites: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// InviteExpiry is when an invite made at now for days days expires; nil
// (never) for 0 days.
func InviteExpiry(now time.Time, days int) *time.Time {
	if days <= 0 {
		return nil
	}
	t := now.Add(time.Duration(days) * 24 * time.Hour)
	return &t
}
