-- 019_standing_state.sql: when Xinyu first saw the problems that the submissions' ledger
-- (014) does not hold, and the reminders sent to schools that had not reported
-- (functions/standing.sql, functions/remind.sql).
--
-- A school that did not report, a late current version and an outlier are not facts of one
-- submission: they appear and go as schools report and medians move. The nightly run records
-- each the first time its quality report lists it, in the transaction it read the lists in,
-- so that "first seen" is the run whose written report first carried it and a run that dies
-- before its report commits records nothing. xinyu quality is a look-up and records nothing.

CREATE TABLE xinyu.problem_seen (
    seen_id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('not_reported', 'late', 'outlier')),
    school_code text NOT NULL,
    period text NOT NULL,
    -- what tells two problems of a school and term apart: '' for not_reported and late, the
    -- outlier's kind and column for an outlier ("district_median:staff_psych_parttime")
    detail text NOT NULL DEFAULT '',
    path text,          -- an outlier's JSON path
    district_code text, -- the registry's
    raw_id bigint REFERENCES xinyu.raw_submission, -- the version it was first seen in (late, outlier)
    first_seen_run bigint NOT NULL REFERENCES xinyu.run,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, school_code, period, detail)
);

-- a run's own section: what it saw first
CREATE INDEX problem_seen_run ON xinyu.problem_seen (first_seen_run);
CREATE INDEX problem_ledger_first_seen ON xinyu.problem_ledger (first_seen_run);

COMMENT ON TABLE xinyu.problem_seen IS
    'Schools not reported, late current versions and outliers, with the nightly run whose quality report first listed them.';

-- One reminder per school and term, sent before the deadline to a school with no loaded
-- submission of that term (xinyu remind).
CREATE TABLE xinyu.reminder (
    school_code text NOT NULL,
    period text NOT NULL,
    district_code text NOT NULL,
    deadline date NOT NULL,
    days_left integer NOT NULL CHECK (days_left >= 0),
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (school_code, period)
);

COMMENT ON TABLE xinyu.reminder IS
    'Reminders written to schools that had not reported a term before its deadline, one per school and term.';

-- report records both; ingest has nothing to do with them
GRANT SELECT, INSERT ON xinyu.problem_seen, xinyu.reminder TO xinyu_report;
GRANT USAGE ON SEQUENCE xinyu.problem_seen_seen_id_seq TO xinyu_report;
