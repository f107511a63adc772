-- 032_run_counted.sql: a run's counts kept in its record as soon as they can no longer change.
--
-- The counts are made from the run's items (xinyu.run_counts): at 400,000 items, 0.15-0.2 s
-- each time. The nightly run made them three times once its ingest had ended, when none of
-- them can change any more (its report adds no item): for its summary line, for its quality
-- report and in run_finish. It now counts once, into its record (xinyu.run_count), and the
-- others read them there.

ALTER TABLE xinyu.run ADD COLUMN counted boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN xinyu.run.counted IS
    'The counts in this record are final: made by xinyu.run_count once the run''s items were all recorded, or by run_finish.';

-- what run_counts returns, as the functions that keep and read them return it
CREATE TYPE xinyu.run_tally AS (
    received integer,
    loaded integer,
    duplicate integer,
    superseded integer,
    rejected integer,
    warnings integer
);

-- a finished run's counts were written by run_finish
UPDATE xinyu.run SET counted = true WHERE status <> 'running';
