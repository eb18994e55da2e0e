#!/bin/sh
# Restore Village into an empty database and data folder, Village stopped
# (see README: Deployment).
set -eu
: "${DATABASE_URL:?}" "${VILLAGE_DATA_DIR:?}" "${BACKUP_DIR:?}"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$BACKUP_DIR/village.dump"
mkdir -p "$VILLAGE_DATA_DIR"
tar -C "$VILLAGE_DATA_DIR" -xf "$BACKUP_DIR/media.tar"
