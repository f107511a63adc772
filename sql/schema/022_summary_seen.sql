-- 022_summary_seen.sql: a figure where a school's work summary and its submission disagree is
-- a problem seen once too (xinyu.problem_seen, 019): the nightly letters carry it the night it
-- is first seen, not every night after.
ALTER TABLE xinyu.problem_seen DROP CONSTRAINT problem_seen_kind_check;
ALTER TABLE xinyu.problem_seen ADD CONSTRAINT problem_seen_kind_check
    CHECK (kind IN ('not_reported', 'late', 'outlier', 'summary'));
