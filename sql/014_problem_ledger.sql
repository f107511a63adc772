-- 014_problem_ledger.sql: the ledger of the problems sent to schools. A problem is a rejected
-- submission (with every reason) or an accepted one with warnings. It is recorded when its
-- issues are committed, and marked sent by the nightly run whose quality lists and letters
-- first carried it, once those files are durably written. A run killed, stopped
-- or failed before its quality report leaves its problems unsent, and the next nightly run
-- sends them with its own: problems are reported until they are reported, and once.
--
--   xinyu.problem_ledger                        one row per problem
--   xinyu.problems_due(periods, run_id)         what the letters of a run must carry
--   xinyu.problems_mark_sent(periods, run_id)   records that the run sent them
--   xinyu.quality_rejections(periods, run_id, due), xinyu.quality_warnings(periods, run_id, due)
--                                               the lists, with due: the problems due
--
-- The two-argument list functions keep their rows and order (what a run received, or
-- everything known about the terms); they are now the three-argument ones with due false.

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

-- Records the problems that an insert of issues brings, one per submission: a rejection when
-- any of its issues rejects it, else the warnings of an accepted version. A trigger, so that
-- a problem is committed with its issues in the merge's transaction, whatever becomes of the
-- run after it; the run that received the submission is the one that first saw the problem.
-- (The merge writes all the issues of a batch in one statement; a duplicate brings none.)
CREATE FUNCTION xinyu.problem_record() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO xinyu.problem_ledger (kind, raw_id, school_code, period, district_code,
                                      first_seen_run)
    SELECT CASE WHEN bool_or(ni.severity = 'reject') THEN 'rejection' ELSE 'warning' END,
           r.raw_id, r.school_code, r.period, r.district_code, r.run_id
    FROM new_issues ni
    JOIN xinyu.raw_submission r ON r.raw_id = ni.raw_id
    GROUP BY r.raw_id
    ORDER BY r.raw_id
    ON CONFLICT (raw_id, kind) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER submission_issue_problems AFTER INSERT ON xinyu.submission_issue
REFERENCING NEW TABLE AS new_issues
FOR EACH STATEMENT EXECUTE FUNCTION xinyu.problem_record();

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

-- The problems the lists and letters of run p_run_id carry: those not yet sent and those it
-- sent already (in its report of another year), of a term of p_periods: a rejection also
-- when its term could not be read (as the run's own rejections), the warnings of a version
-- only while it is the current one (a later version replaced it; the lists show no other).
-- One set for the lists and for marking them sent, so that what is marked is what was listed.
CREATE FUNCTION xinyu.problems_due(p_periods text[], p_run_id bigint)
RETURNS TABLE (problem_id bigint, kind text, raw_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.problem_id, l.kind, l.raw_id
FROM xinyu.problem_ledger l
WHERE (l.sent_run IS NULL OR l.sent_run = p_run_id)
  AND p_run_id IS NOT NULL
  AND CASE l.kind
          WHEN 'rejection' THEN l.period = ANY (p_periods) OR l.period IS NULL
          ELSE l.period = ANY (p_periods)
               AND EXISTS (SELECT FROM xinyu.submission s
                           WHERE s.raw_id = l.raw_id AND s.is_current)
      END
$$;

-- Marks the problems due in run p_run_id's lists as sent by it, and returns how many it
-- marked. Called in the transaction whose snapshot the lists were read in, after their files
-- and the letters are durable: a problem is marked exactly when it was written out.
CREATE FUNCTION xinyu.problems_mark_sent(p_periods text[], p_run_id bigint)
RETURNS bigint
LANGUAGE sql
AS $$
WITH sent AS (
    UPDATE xinyu.problem_ledger l
    SET sent_run = p_run_id, sent_at = now()
    WHERE l.sent_run IS NULL
      AND l.problem_id IN (SELECT d.problem_id FROM xinyu.problems_due(p_periods, p_run_id) d)
    RETURNING 1
)
SELECT count(*) FROM sent
$$;

-- Rejected submissions with every issue found in them, one row per issue (007 for the
-- columns). Without p_run_id: those whose period is a term of the scope. With it and not
-- p_due: those that run received, of a term of the scope or of no readable term. With it and
-- p_due: those due in that run's letters (xinyu.problems_due), whichever run received them.
CREATE FUNCTION xinyu.quality_rejections(p_periods text[], p_run_id bigint, p_due boolean)
RETURNS TABLE (
    raw_id bigint,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    period text,
    source text,
    ref text,
    received_at text,
    resolved boolean,
    severity text,
    seq integer,
    code text,
    path text,
    message text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH rejected AS (
    SELECT r.raw_id, r.school_code, r.period, r.source, r.ref, r.received_at
    FROM xinyu.raw_submission r
    WHERE p_run_id IS NULL
      AND r.period = ANY (p_periods)
      AND EXISTS (SELECT FROM xinyu.submission_issue i WHERE i.raw_id = r.raw_id AND i.severity = 'reject')
    UNION
    SELECT r.raw_id, r.school_code, r.period, r.source, r.ref, r.received_at
    FROM xinyu.run_item ri
    JOIN xinyu.raw_submission r ON r.raw_id = ri.raw_id
    WHERE p_run_id IS NOT NULL AND NOT p_due
      AND ri.run_id = p_run_id AND ri.outcome = 'rejected'
      AND (r.period = ANY (p_periods) OR r.period IS NULL)
    UNION
    SELECT r.raw_id, r.school_code, r.period, r.source, r.ref, r.received_at
    FROM xinyu.problems_due(p_periods, p_run_id) due
    JOIN xinyu.raw_submission r ON r.raw_id = due.raw_id
    WHERE p_due AND due.kind = 'rejection'
)
SELECT rj.raw_id, sc.district_code, d.district_name, rj.school_code, sc.school_name, rj.period,
       rj.source, rj.ref, xinyu.local_rfc3339(rj.received_at),
       EXISTS (SELECT FROM xinyu.submission s
               WHERE s.school_code = rj.school_code AND s.period = rj.period AND s.is_current
                 AND s.raw_id > rj.raw_id),
       i.severity, i.seq, i.code, i.path, i.message
FROM rejected rj
JOIN xinyu.submission_issue i ON i.raw_id = rj.raw_id
LEFT JOIN xinyu.school sc ON sc.school_code = rj.school_code
LEFT JOIN xinyu.district d ON d.district_code = sc.district_code
ORDER BY sc.district_code NULLS LAST, rj.school_code NULLS LAST, rj.period NULLS LAST, rj.raw_id,
         i.severity, i.seq
$$;

CREATE OR REPLACE FUNCTION xinyu.quality_rejections(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    raw_id bigint,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    period text,
    source text,
    ref text,
    received_at text,
    resolved boolean,
    severity text,
    seq integer,
    code text,
    path text,
    message text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT q.* FROM xinyu.quality_rejections(p_periods, p_run_id, false) q
ORDER BY q.district_code NULLS LAST, q.school_code NULLS LAST, q.period NULLS LAST, q.raw_id,
         q.severity, q.seq
$$;

-- Warnings of the current submissions of the scope's terms (011 for the rules). Without
-- p_run_id: all of them. With it and not p_due: those of the submissions that run loaded.
-- With it and p_due: those due in that run's letters (xinyu.problems_due). Of the three
-- branches two are empty, decided by the arguments alone.
CREATE FUNCTION xinyu.quality_warnings(p_periods text[], p_run_id bigint, p_due boolean)
RETURNS TABLE (
    raw_id bigint,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    period text,
    seq integer,
    code text,
    path text,
    message text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT s.raw_id, sc.district_code, d.district_name, s.school_code, sc.school_name, s.period,
       i.seq, i.code, i.path, i.message
FROM xinyu.submission s
JOIN xinyu.submission_issue i ON i.raw_id = s.raw_id AND i.severity = 'warning'
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE p_run_id IS NULL
  AND s.is_current
  AND s.period = ANY (p_periods)
UNION ALL
SELECT s.raw_id, sc.district_code, d.district_name, s.school_code, sc.school_name, s.period,
       i.seq, i.code, i.path, i.message
FROM xinyu.submission s
JOIN xinyu.submission_issue i ON i.raw_id = s.raw_id AND i.severity = 'warning'
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE NOT p_due
  AND s.run_id = p_run_id
  AND s.is_current
  AND s.period = ANY (p_periods)
UNION ALL
SELECT s.raw_id, sc.district_code, d.district_name, s.school_code, sc.school_name, s.period,
       i.seq, i.code, i.path, i.message
FROM xinyu.problems_due(p_periods, p_run_id) due
JOIN xinyu.submission s ON s.raw_id = due.raw_id
JOIN xinyu.submission_issue i ON i.raw_id = s.raw_id AND i.severity = 'warning'
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE p_due
  AND due.kind = 'warning'
-- district, school, term, seq: a school's current submission of a term is one raw_id
ORDER BY district_code, school_code, period, seq
$$;

CREATE OR REPLACE FUNCTION xinyu.quality_warnings(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    raw_id bigint,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    period text,
    seq integer,
    code text,
    path text,
    message text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT q.* FROM xinyu.quality_warnings(p_periods, p_run_id, false) q
ORDER BY q.district_code, q.school_code, q.period, q.seq
$$;

-- ingest records problems (through the trigger; ON CONFLICT reads the key) and can neither
-- see what was sent nor change it; report reads the ledger and marks problems sent, and can
-- neither add nor remove one
GRANT INSERT (kind, raw_id, school_code, period, district_code, first_seen_run),
    SELECT (kind, raw_id) ON xinyu.problem_ledger TO xinyu_ingest;
GRANT USAGE ON SEQUENCE xinyu.problem_ledger_problem_id_seq TO xinyu_ingest;
GRANT SELECT, UPDATE (sent_run, sent_at) ON xinyu.problem_ledger TO xinyu_report;
GRANT EXECUTE ON FUNCTION xinyu.problems_due(text[], bigint),
    xinyu.problems_mark_sent(text[], bigint),
    xinyu.quality_rejections(text[], bigint, boolean),
    xinyu.quality_warnings(text[], bigint, boolean) TO xinyu_report;
