#!/bin/sh
# Restore Village into an empty database and data folder, Village stopped
# (see README: Deployment).
set -eu
: "${DATABASE_URL:?}" "${VILLAGE_DATA_DIR:?}" "${BACKUP_DIR:?}"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$BACKUP_DIR/village.dump"
media="${VILLAGE_MEDIA_DIR:-$VILLAGE_DATA_DIR/media}"
mkdir -p "$media"
tar -C "$media" -xf "$BACKUP_DIR/media.tar"
