-- Reserved: the OAuth and instance work lands its migration 015 here.
-- Migrations must be numbered without gaps, so this branch keeps the
-- number taken until then; the merge replaces this file with theirs.
SELECT 1;
