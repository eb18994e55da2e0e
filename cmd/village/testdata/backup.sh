#!/bin/sh
# Back up Village: the database and the uploads (see README: Deployment).
set -eu
: "${DATABASE_URL:?}" "${VILLAGE_DATA_DIR:?}" "${BACKUP_DIR:?}"
mkdir -p "$BACKUP_DIR" "$VILLAGE_DATA_DIR/media"   # media/ appears with the first upload
pg_dump --format=custom --file="$BACKUP_DIR/village.dump" "$DATABASE_URL"
tar -C "$VILLAGE_DATA_DIR" -cf "$BACKUP_DIR/media.tar" media
