-- Reserved: the media uploads and profile work lands its migration 016
-- here. Migrations must be numbered without gaps, so this branch keeps the
-- number taken until then; the merge replaces this file with theirs.
SELECT 1;
