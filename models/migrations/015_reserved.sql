-- Placeholder: migration 015 belongs to the oauth branch (OAuth apps and
-- the instance endpoints). tern refuses a gap in the numbers, so this
-- branch carries an empty 015 until the real one is merged; merge oauth's
-- 015 first and delete this file (an instance that ran it would skip the
-- real one).
SELECT 1;
