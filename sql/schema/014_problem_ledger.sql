-- 014_problem_ledger.sql: the ledger of the problems sent to schools (functions/problems.sql).
-- A problem is a rejected submission (with every reason) or an accepted one with warnings. It
-- is recorded when its issues are committed, and marked sent by the nightly run whose quality
-- lists and letters first carried it, once those files are durably written. A run killed,
-- stopped or failed before its quality report leaves its problems unsent, and the next nightly
-- run sends them with its own: problems are reported until they are reported, and once.

CREATE TABLE xinyu.problem_ledger (
    problem_id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('rejection', 'warning')),
    raw_id bigint NOT NULL REFERENCES xinyu.raw_submission,
    school_code text,   -- as far as it could be read
    period text,        -- NULL when the term could not be read
    district_code text, -- the registry's, NULL for a school it does not know
    first_seen_run bigint NOT NULL REFERENCES xinyu.run,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    sent_run bigint REFERENCES xinyu.run, -- the run whose lists and letters first carried it
    sent_at timestamptz,
    UNIQUE (raw_id, kind),
    CHECK ((sent_run IS NULL) = (sent_at IS NULL))
);

-- the problems not yet sent (sent_run NULL) and those a run sent, by term
CREATE INDEX problem_ledger_sent ON xinyu.problem_ledger (sent_run, period);

COMMENT ON TABLE xinyu.problem_ledger IS
    'Problems of submissions (a rejection, or the warnings of an accepted version) and the run that first sent them to the school.';

-- The problems stored before the ledger: recorded as sent by the run that received them when
-- that run was a nightly run whose reports were written (its quality report listed what it
-- received), otherwise unsent, so that the next nightly run sends them.
INSERT INTO xinyu.problem_ledger (kind, raw_id, school_code, period, district_code,
                                  first_seen_run, first_seen_at, sent_run, sent_at)
SELECT p.kind, p.raw_id, p.school_code, p.period, p.district_code, p.run_id, run.started_at,
       CASE WHEN w.sent THEN run.run_id END, CASE WHEN w.sent THEN run.finished_at END
FROM (SELECT CASE WHEN bool_or(i.severity = 'reject') THEN 'rejection' ELSE 'warning' END AS kind,
             r.raw_id, r.school_code, r.period, r.district_code, r.run_id
      FROM xinyu.submission_issue i
      JOIN xinyu.raw_submission r ON r.raw_id = i.raw_id
      GROUP BY r.raw_id) p
JOIN xinyu.run run ON run.run_id = p.run_id
CROSS JOIN LATERAL (
    SELECT run.kind = 'run' AND run.status IN ('ok', 'partial') AND run.finished_at IS NOT NULL
           AND coalesce((run.timings ->> 'report_s')::double precision, 0) > 0 AS sent) w
ORDER BY p.raw_id;

-- ingest records problems (through the trigger; ON CONFLICT reads the key) and can neither
-- see what was sent nor change it; report reads the ledger and marks problems sent, and can
-- neither add nor remove one
GRANT INSERT (kind, raw_id, school_code, period, district_code, first_seen_run),
    SELECT (kind, raw_id) ON xinyu.problem_ledger TO xinyu_ingest;

GRANT USAGE ON SEQUENCE xinyu.problem_ledger_problem_id_seq TO xinyu_ingest;

GRANT SELECT, UPDATE (sent_run, sent_at) ON xinyu.problem_ledger TO xinyu_report;
