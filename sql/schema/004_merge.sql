-- 004_merge.sql: an index for the merge (functions/merge.sql), which ranks all versions of a
-- school's term to choose the current one.

-- All versions of a school's term, for choosing the current one.
CREATE INDEX submission_school_period ON xinyu.submission (school_code, period);
