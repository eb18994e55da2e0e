package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Limits of the polls local people write, as the instance document
// advertises them (configuration.polls) and as Mastodon sets them.
const (
	MaxPollOptions            = 4
	MaxPollOptionChars        = 50
	MinPollExpiration         = 5 * time.Minute
	MaxPollExpiration         = 2629746 * time.Second // a month
	MaxRemotePollOptions      = 20                    // more is no poll anyone answers, and costly to show
	MaxRemotePollOptionLength = 500
)

// Refusals of a vote; each is the voter's mistake, never ours.
var (
	ErrPollExpired       = errors.New("the poll has already ended")
	ErrPollUnknownOption = errors.New("there is no such option")
	ErrPollAlreadyVoted  = errors.New("you have already voted on this poll")
	ErrPollOneChoice     = errors.New("this poll takes one choice only")
	ErrPollNoChoice      = errors.New("choose at least one option")
	ErrPollOwn           = errors.New("one cannot vote in one's own poll")
	ErrPollBanned        = errors.New("you are banned from the group of this poll")
)

// Poll is the Question a post carries.
type Poll struct {
	PostID     int64
	Options    []string
	Counts     []int // votes per option, in the order of Options
	Multiple   bool
	HideTotals bool
	ExpiresAt  *time.Time // nil: open until its author closes it
	ClosedAt   *time.Time // set when its (remote) author closed it
	// VotersCount is how many people voted; nil when a remote author
	// never said (a single-choice poll then has as many as votes).
	VotersCount *int
}

// Expired reports whether the poll takes no more votes at now.
func (p *Poll) Expired(now time.Time) bool {
	return p.ClosedAt != nil || (p.ExpiresAt != nil && !now.Before(*p.ExpiresAt))
}

// EndsAt is when the poll ended or will end; nil when no end is known.
func (p *Poll) EndsAt() *time.Time {
	if p.ClosedAt != nil && (p.ExpiresAt == nil || p.ClosedAt.Before(*p.ExpiresAt)) {
		return p.ClosedAt
	}
	return p.ExpiresAt
}

// VotesCount is the number of choices made, all options together.
func (p *Poll) VotesCount() int {
	n := 0
	for _, c := range p.Counts {
		n += c
	}
	return n
}

// Voters is how many people voted, as well as it is known.
func (p *Poll) Voters() int {
	if p.VotersCount != nil {
		return *p.VotersCount
	}
	if !p.Multiple {
		return p.VotesCount()
	}
	return 0
}

// ShowsTotals reports whether counts may be shown at now: always, but for a
// poll that hides them until it ends.
func (p *Poll) ShowsTotals(now time.Time) bool { return !p.HideTotals || p.Expired(now) }

const pollColumns = `post_id, options, counts, multiple, hide_totals, expires_at, closed_at, voters_count`

func scanPoll(row pgx.Row) (*Poll, error) {
	var p Poll
	var counts []int32
	if err := row.Scan(&p.PostID, &p.Options, &counts, &p.Multiple, &p.HideTotals, &p.ExpiresAt, &p.ClosedAt, &p.VotersCount); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	p.Counts = make([]int, len(counts))
	for i, c := range counts {
		p.Counts[i] = int(c)
	}
	return &p, nil
}

// InsertPoll stores the poll of a stored post; counts start at zero unless
// given (a remote poll arrives with its author's).
func InsertPoll(ctx context.Context, db DB, p *Poll) error {
	if len(p.Counts) != len(p.Options) {
		p.Counts = make([]int, len(p.Options))
	}
	_, err := db.Exec(ctx, `INSERT INTO polls (post_id, options, counts, multiple, hide_totals, expires_at, closed_at, voters_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (post_id) DO NOTHING`,
		p.PostID, p.Options, p.Counts, p.Multiple, p.HideTotals, p.ExpiresAt, p.ClosedAt, p.VotersCount)
	if err != nil {
		return fmt.Errorf("models: insert poll: %w", err)
	}
	return nil
}

// PollOf loads a post's poll; ErrNotFound when it has none.
func PollOf(ctx context.Context, db DB, postID int64) (*Poll, error) {
	p, err := scanPoll(db.QueryRow(ctx, `SELECT `+pollColumns+` FROM polls WHERE post_id = $1`, postID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: poll: %w", err)
	}
	return p, err
}

// PollsOf loads the polls of posts, by post id; posts without one are absent.
func PollsOf(ctx context.Context, db DB, postIDs []int64) (map[int64]*Poll, error) {
	out := map[int64]*Poll{}
	if len(postIDs) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE post_id = ANY($1)`, postIDs)
	if err != nil {
		return nil, fmt.Errorf("models: polls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPoll(rows)
		if err != nil {
			return nil, fmt.Errorf("models: polls: %w", err)
		}
		out[p.PostID] = p
	}
	return out, rows.Err()
}

// OwnVotes are the options (by position) voter chose in each of the polls
// of posts, by post id.
func OwnVotes(ctx context.Context, db DB, postIDs []int64, voterID int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if len(postIDs) == 0 || voterID == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT post_id, choice FROM poll_votes WHERE post_id = ANY($1) AND voter_id = $2
		ORDER BY post_id, choice`, postIDs, voterID)
	if err != nil {
		return nil, fmt.Errorf("models: own votes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var post int64
		var choice int
		if err := rows.Scan(&post, &choice); err != nil {
			return nil, fmt.Errorf("models: own votes: %w", err)
		}
		out[post] = append(out[post], choice)
	}
	return out, rows.Err()
}

// Vote is one chosen option, stored.
type Vote struct {
	ID     int64
	Choice int
}

// lockedPoll loads a poll for a vote, locking it so that concurrent votes
// are counted one after the other; it says too whether the post is local
// and who wrote it.
func lockedPoll(ctx context.Context, db DB, postID int64) (p *Poll, local bool, authorID int64, err error) {
	row := db.QueryRow(ctx, `SELECT `+pollColumns+`, (SELECT local FROM posts WHERE id = $1),
		(SELECT author_id FROM posts WHERE id = $1) FROM polls WHERE post_id = $1 FOR UPDATE`, postID)
	var counts []int32
	p = &Poll{}
	if err := row.Scan(&p.PostID, &p.Options, &counts, &p.Multiple, &p.HideTotals, &p.ExpiresAt, &p.ClosedAt, &p.VotersCount,
		&local, &authorID); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, 0, ErrNotFound
		}
		return nil, false, 0, fmt.Errorf("models: poll: %w", err)
	}
	p.Counts = make([]int, len(counts))
	for i, c := range counts {
		p.Counts[i] = int(c)
	}
	return p, local, authorID, nil
}

// CastVotes records a person's choices in a poll, all at once, as the
// client API and the web app take them: a second vote, an unknown or
// repeated option, several options in a single-choice poll, a vote after
// the end or in one's own poll are refused and nothing is stored.
func CastVotes(ctx context.Context, db DB, postID, voterID int64, choices []int, now time.Time) ([]Vote, error) {
	p, local, authorID, err := lockedPoll(ctx, db, postID)
	if err != nil {
		return nil, err
	}
	switch {
	case authorID == voterID:
		return nil, ErrPollOwn
	case p.Expired(now):
		return nil, ErrPollExpired
	case len(choices) == 0:
		return nil, ErrPollNoChoice
	case len(choices) > 1 && !p.Multiple:
		return nil, ErrPollOneChoice
	}
	seen := map[int]bool{}
	for _, c := range choices {
		if c < 0 || c >= len(p.Options) || seen[c] {
			return nil, ErrPollUnknownOption
		}
		seen[c] = true
	}
	var already bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM poll_votes WHERE post_id = $1 AND voter_id = $2)`,
		postID, voterID).Scan(&already); err != nil {
		return nil, fmt.Errorf("models: cast votes: %w", err)
	}
	if already {
		return nil, ErrPollAlreadyVoted
	}
	votes := make([]Vote, 0, len(choices))
	for _, c := range choices {
		v := Vote{Choice: c}
		if err := db.QueryRow(ctx, `INSERT INTO poll_votes (post_id, voter_id, choice) VALUES ($1, $2, $3) RETURNING id`,
			postID, voterID, c).Scan(&v.ID); err != nil {
			return nil, fmt.Errorf("models: cast votes: %w", err)
		}
		votes = append(votes, v)
	}
	if local {
		return votes, recount(ctx, db, postID, now)
	}
	// A remote poll counts what its author says; until the next Update,
	// the vote shows here at once, as Mastodon shows it.
	_, err = db.Exec(ctx, `UPDATE polls SET counts = (SELECT array_agg(c + CASE WHEN i - 1 = ANY($2) THEN 1 ELSE 0 END ORDER BY i)
			FROM unnest(counts) WITH ORDINALITY AS t(c, i)),
		voters_count = voters_count + 1 WHERE post_id = $1`, postID, choices)
	if err != nil {
		return nil, fmt.Errorf("models: cast votes: %w", err)
	}
	return votes, nil
}

// AddRemoteVote records one option a remote person chose in a local poll
// (one Note of a vote, as Mastodon sends one per option), under the Note's
// id. The same option twice counts once (false, no error); another option
// in a single-choice poll, an unknown option or a vote after the end are
// refused and nothing is stored.
func AddRemoteVote(ctx context.Context, db DB, postID, voterID int64, choice int, uri string, now time.Time) (bool, error) {
	p, _, authorID, err := lockedPoll(ctx, db, postID)
	if err != nil {
		return false, err
	}
	switch {
	case authorID == voterID:
		return false, ErrPollOwn
	case p.Expired(now):
		return false, ErrPollExpired
	case choice < 0 || choice >= len(p.Options):
		return false, ErrPollUnknownOption
	}
	var others, same bool
	if err := db.QueryRow(ctx, `SELECT coalesce(bool_or(choice <> $3), false), coalesce(bool_or(choice = $3), false)
		FROM poll_votes WHERE post_id = $1 AND voter_id = $2`, postID, voterID, choice).Scan(&others, &same); err != nil {
		return false, fmt.Errorf("models: remote vote: %w", err)
	}
	switch {
	case same:
		return false, nil
	case others && !p.Multiple:
		return false, ErrPollAlreadyVoted
	}
	tag, err := db.Exec(ctx, `INSERT INTO poll_votes (post_id, voter_id, choice, uri) VALUES ($1, $2, $3, nullif($4, ''))
		ON CONFLICT DO NOTHING`, postID, voterID, choice, uri)
	if err != nil {
		return false, fmt.Errorf("models: remote vote: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil // the same Note again
	}
	return true, recount(ctx, db, postID, now)
}

// recount sets a local poll's counts from its votes, and marks its results
// as changed, for the next Update{Question}.
func recount(ctx context.Context, db DB, postID int64, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE polls SET
		counts = (SELECT array_agg((SELECT count(*) FROM poll_votes v WHERE v.post_id = $1 AND v.choice = i - 1)::int ORDER BY i)
			FROM generate_series(1, cardinality(options)) AS i),
		voters_count = (SELECT count(DISTINCT voter_id) FROM poll_votes WHERE post_id = $1),
		results_changed_at = coalesce(results_changed_at, $2)
		WHERE post_id = $1`, postID, now)
	if err != nil {
		return fmt.Errorf("models: recount poll: %w", err)
	}
	return nil
}

// PollChoice is the position of an option by its title; -1 when none has it.
func (p *Poll) PollChoice(title string) int {
	for i, o := range p.Options {
		if o == title {
			return i
		}
	}
	return -1
}

// RefreshRemotePoll applies what a remote poll's author says of it now
// (Update{Question}): counts, voters and end. When its options changed, the
// poll is another one: the votes cast from here are forgotten.
func RefreshRemotePoll(ctx context.Context, db DB, fresh *Poll) error {
	stored, err := PollOf(ctx, db, fresh.PostID)
	if errors.Is(err, ErrNotFound) {
		return InsertPoll(ctx, db, fresh)
	}
	if err != nil {
		return err
	}
	if !sameOptions(stored.Options, fresh.Options) || stored.Multiple != fresh.Multiple {
		if _, err := db.Exec(ctx, `DELETE FROM poll_votes WHERE post_id = $1`, fresh.PostID); err != nil {
			return fmt.Errorf("models: refresh poll: %w", err)
		}
	}
	if len(fresh.Counts) != len(fresh.Options) {
		fresh.Counts = make([]int, len(fresh.Options))
	}
	_, err = db.Exec(ctx, `UPDATE polls SET options = $2, counts = $3, multiple = $4, expires_at = $5, closed_at = $6,
		voters_count = $7 WHERE post_id = $1`,
		fresh.PostID, fresh.Options, fresh.Counts, fresh.Multiple, fresh.ExpiresAt, fresh.ClosedAt, fresh.VotersCount)
	if err != nil {
		return fmt.Errorf("models: refresh poll: %w", err)
	}
	return nil
}

func sameOptions(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// PollResultsDue are the local polls whose votes changed since their last
// Update{Question}, that sent none for at least every (so a busy poll
// sends one Update per interval, never one per vote), and are still open.
func PollResultsDue(ctx context.Context, db DB, now time.Time, every time.Duration) ([]int64, error) {
	return pollIDs(ctx, db, `SELECT post_id FROM polls WHERE results_changed_at IS NOT NULL AND closed_sent_at IS NULL
		AND (results_sent_at IS NULL OR results_sent_at <= $1) AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY post_id LIMIT 500`, now.Add(-every), now)
}

// PollResultsSent records that a local poll's results went out at now.
func PollResultsSent(ctx context.Context, db DB, postID int64, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE polls SET results_sent_at = $2, results_changed_at = NULL WHERE post_id = $1`, postID, now)
	if err != nil {
		return fmt.Errorf("models: poll results sent: %w", err)
	}
	return nil
}

// EndedLocalPolls are the local polls past their end whose final
// Update{Question} (with closed) has not gone out.
func EndedLocalPolls(ctx context.Context, db DB, now time.Time) ([]int64, error) {
	return pollIDs(ctx, db, `SELECT pl.post_id FROM polls pl JOIN posts p ON p.id = pl.post_id
		WHERE p.local AND pl.closed_sent_at IS NULL AND pl.expires_at <= $1 ORDER BY pl.post_id LIMIT 500`, now)
}

// PollClosedSent records that a local poll's final results went out.
func PollClosedSent(ctx context.Context, db DB, postID int64, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE polls SET closed_sent_at = $2, results_sent_at = $2, results_changed_at = NULL
		WHERE post_id = $1`, postID, now)
	if err != nil {
		return fmt.Errorf("models: poll closed sent: %w", err)
	}
	return nil
}

func pollIDs(ctx context.Context, db DB, sql string, args ...any) ([]int64, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("models: polls: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("models: polls: %w", err)
	}
	return ids, nil
}

// NotifyEndedPolls tells, once, every local person who voted in a poll
// that has ended (local or remote), and the local author of an ended
// local poll, with a "poll" notification from the poll's author. It
// returns how many polls it finished telling about.
func NotifyEndedPolls(ctx context.Context, db DB, now time.Time) (int, error) {
	ids, err := pollIDs(ctx, db, `SELECT post_id FROM polls WHERE ended_notified_at IS NULL
		AND (closed_at IS NOT NULL OR expires_at <= $1) ORDER BY post_id LIMIT 500 FOR UPDATE SKIP LOCKED`, now)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = db.Exec(ctx, `INSERT INTO notifications (recipient_id, type, from_id, post_id)
		SELECT DISTINCT r.id, 'poll', p.author_id, p.id FROM posts p
		JOIN LATERAL (SELECT v.voter_id AS id FROM poll_votes v WHERE v.post_id = p.id
			UNION SELECT p.author_id WHERE p.local) r ON true
		JOIN actors a ON a.id = r.id AND a.domain IS NULL AND a.type = 'Person'
		WHERE p.id = ANY($1) AND p.deleted_at IS NULL
		ON CONFLICT DO NOTHING`, ids)
	if err != nil {
		return 0, fmt.Errorf("models: notify ended polls: %w", err)
	}
	if _, err := db.Exec(ctx, `UPDATE polls SET ended_notified_at = $2 WHERE post_id = ANY($1)`, ids, now); err != nil {
		return 0, fmt.Errorf("models: notify ended polls: %w", err)
	}
	return len(ids), nil
}
