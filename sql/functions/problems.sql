-- problems.sql: recording the problems of submissions in xinyu.problem_ledger, and what a
-- nightly run's lists and letters must carry.
--
--   xinyu.problem_record()                      the trigger that records them with their issues
--   xinyu.ledger_in_scope(periods)              the problems of the ledger of the terms
--   xinyu.problems_due(periods, run_id)         what the letters of a run must carry
--   xinyu.problems_mark_sent(periods, run_id)   records that the run sent them
-- The lists themselves are xinyu.quality_rejections and xinyu.quality_warnings (quality.sql)
-- with due true.

-- Records the problems that an insert of issues brings, one per submission: a rejection when
-- any of its issues rejects it, else the warnings of an accepted version. A trigger, so that
-- a problem is committed with its issues in the merge's transaction, whatever becomes of the
-- run after it; the run that received the submission is the one that first saw the problem.
-- (The merge writes all the issues of a batch in one statement; a duplicate brings none.)
-- Each submission is found by its key: the plan is made once per session, at the first batch
-- of a first load, when xinyu.raw_submission is a few pages; a sequential scan chosen then
-- read the whole growing table for every later batch (9 s of server time at 200,000).
CREATE OR REPLACE FUNCTION xinyu.problem_record() RETURNS trigger
LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
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

CREATE OR REPLACE TRIGGER submission_issue_problems AFTER INSERT ON xinyu.submission_issue
REFERENCING NEW TABLE AS new_issues
FOR EACH STATEMENT EXECUTE FUNCTION xinyu.problem_record();

-- The problems of the ledger that belong to the terms of p_periods: a rejection also when its
-- term could not be read (as a run's own rejections), the warnings of a version only while it
-- is the current one (a later version replaced it; the lists show no other). A warning's
-- version is looked up by its raw id, one row each (a submission's raw id is unique): as an
-- EXISTS the planner hashed every current submission for the few thousand due. Inlined into
-- its callers, which say which run's: xinyu.problems_due and xinyu.quality_new_seen.
CREATE OR REPLACE FUNCTION xinyu.ledger_in_scope(p_periods text[])
RETURNS SETOF xinyu.problem_ledger
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.*
FROM xinyu.problem_ledger l
WHERE CASE l.kind
          WHEN 'rejection' THEN l.period = ANY (p_periods) OR l.period IS NULL
          ELSE l.period = ANY (p_periods)
               AND coalesce((SELECT s.is_current FROM xinyu.submission s
                             WHERE s.raw_id = l.raw_id), false)
      END
$$;

-- The problems the lists and letters of run p_run_id carry: those of the terms of p_periods
-- (xinyu.ledger_in_scope) not yet sent and those it sent already (in its report of another
-- year). One set for the lists and for marking them sent, so that what is marked is what was
-- listed.
CREATE OR REPLACE FUNCTION xinyu.problems_due(p_periods text[], p_run_id bigint)
RETURNS TABLE (problem_id bigint, kind text, raw_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.problem_id, l.kind, l.raw_id
FROM xinyu.ledger_in_scope(p_periods) l
WHERE (l.sent_run IS NULL OR l.sent_run = p_run_id)
  AND p_run_id IS NOT NULL
$$;

-- Marks the problems due in run p_run_id's lists as sent by it, and returns how many it
-- marked. Called in the transaction whose snapshot the lists were read in, after their files
-- and the letters are durable: a problem is marked exactly when it was written out.
CREATE OR REPLACE FUNCTION xinyu.problems_mark_sent(p_periods text[], p_run_id bigint)
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

GRANT EXECUTE ON FUNCTION xinyu.ledger_in_scope(text[]), xinyu.problems_due(text[], bigint),
    xinyu.problems_mark_sent(text[], bigint) TO xinyu_report;
