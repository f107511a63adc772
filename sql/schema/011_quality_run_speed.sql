-- 011_quality_run_speed.sql: the current submissions a run loaded are found through a
-- partial index on their run id (functions/quality.sql: quality_warnings, quality_outliers),
-- so that what a run's quality report costs follows what it received. A run that received
-- nothing has no entry; the index is small (its few run ids, each repeated, are
-- deduplicated: 2.6 MB at 200,000 schools) and the merge adds an entry per submission it
-- loads.

-- The current submissions a run loaded (quality_warnings, quality_outliers).
CREATE INDEX submission_run_current ON xinyu.submission (run_id) WHERE is_current;
