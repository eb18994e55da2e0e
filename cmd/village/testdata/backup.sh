#!/bin/sh
# Back up Village: the database and the uploads (see README: Deployment).
set -eu
: "${DATABASE_URL:?}" "${VILLAGE_DATA_DIR:?}" "${BACKUP_DIR:?}"
media="${VILLAGE_MEDIA_DIR:-$VILLAGE_DATA_DIR/media}"
mkdir -p "$BACKUP_DIR" "$media"   # the folder appears with the first upload
pg_dump --format=custom --file="$BACKUP_DIR/village.dump" "$DATABASE_URL"
tar -C "$media" -cf "$BACKUP_DIR/media.tar" .
