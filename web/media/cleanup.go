package media

import (
	"context"
	"time"

	"github.com/village-social/village/models"
)

// UnattachedTTL is how long an upload no post took is kept, as Mastodon
// keeps one: a day, time enough to finish writing the post.
const UnattachedTTL = 24 * time.Hour

// CleanupEvery is how often the cleanup runs (a River periodic job, see
// federation/delivery).
const CleanupEvery = time.Hour

// cleanupBatch is how many uploads one statement removes.
const cleanupBatch = 200

// Cleanup removes the uploads nobody will show again (unattached for
// longer than UnattachedTTL before now, or of deleted posts), rows first
// and then their files, and reports how many files went. A row no longer
// names a file that is gone; a crash between the two leaves only a file.
func (l *Library) Cleanup(ctx context.Context, now time.Time) (int, error) {
	removed := 0
	for {
		keys, err := models.ExpiredMedia(ctx, l.db, now.Add(-UnattachedTTL), cleanupBatch)
		if err != nil {
			return removed, err
		}
		l.remove(ctx, keys...)
		removed += len(keys)
		if len(keys) < 2*cleanupBatch {
			return removed, nil
		}
	}
}
