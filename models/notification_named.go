package models

import (
	"context"
	"fmt"
	"strings"
)

// notifyNamedQuery is Notify's insert for every local person among a list
// of usernames: the recipients are found in the same statement, which
// spares a post that mentions people here a look-up per person. Notify's
// conditions name the recipient $1; here that is the row r.
func notifyNamedQuery() string {
	return notifyInsert(`SELECT r.id AS rid FROM actors r
	WHERE r.username = ANY($1) AND r.domain IS NULL AND r.type = 'Person' AND r.id <> $3
	  AND ` + notHiddenFrom("$3", "r.id") + ` AND ` + strings.ReplaceAll(notInMutedThread, "$1", "r.id"))
}

// NotifyNamed tells each local person among usernames what Notify would
// tell her, in one statement; unknown names, groups and the sender are
// passed over.
func NotifyNamed(ctx context.Context, db DB, usernames []string, typ string, fromID int64, postID *int64) error {
	if len(usernames) == 0 {
		return nil
	}
	if _, err := db.Exec(ctx, notifyNamedQuery(), usernames, typ, fromID, postID, nil); err != nil {
		return fmt.Errorf("models: notify named: %w", err)
	}
	return nil
}
