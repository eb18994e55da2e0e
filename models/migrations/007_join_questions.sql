-- A members-only group may ask those who want to join a few questions;
-- their answers wait with the request for a moderator to read.
ALTER TABLE groups ADD COLUMN join_questions text NOT NULL DEFAULT '';
ALTER TABLE follows ADD COLUMN answers text NOT NULL DEFAULT '';
