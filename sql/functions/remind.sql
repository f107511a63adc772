-- remind.sql: reminders to the schools that have not reported a term before its deadline
-- (xinyu remind; the table is 019's xinyu.reminder).
--
--   xinyu.remind_due(period)                            the active schools without a loaded
--                                                       submission of the term, and whether
--                                                       a reminder went to them already
--   xinyu.remind_record(period, deadline, days_left)    records the reminders of those that
--                                                       had none; returns how many

-- Active schools of the registry with no current submission of p_period (as
-- quality_not_reported has them), in the order of their districts and codes (byte order:
-- one list per district is written as they come). rejected counts the school's rejected
-- submissions of the term (its letter says it sent something that was sent back);
-- reminded_at is when a reminder went to it (NULL: none yet).
CREATE OR REPLACE FUNCTION xinyu.remind_due(p_period text)
RETURNS TABLE (
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    school_type text,
    rejected bigint,
    reminded_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT n.district_code, n.district_name, n.school_code, n.school_name, n.school_type,
       (SELECT count(*) FROM xinyu.raw_submission r
        WHERE r.school_code = n.school_code AND r.period = p_period
          AND EXISTS (SELECT FROM xinyu.submission_issue i
                      WHERE i.raw_id = r.raw_id AND i.severity = 'reject')),
       xinyu.local_rfc3339(rm.sent_at)
FROM xinyu.quality_not_reported(ARRAY[p_period]) n
LEFT JOIN xinyu.reminder rm ON rm.school_code = n.school_code AND rm.period = p_period
ORDER BY n.district_code COLLATE "C", n.school_code COLLATE "C"
$$;

-- Records a reminder of p_period for each school remind_due lists without one. Called in the
-- transaction whose snapshot the letters were written from, after they are durable: what is
-- recorded is what was written.
CREATE OR REPLACE FUNCTION xinyu.remind_record(p_period text, p_deadline date,
                                               p_days_left integer)
RETURNS bigint
LANGUAGE sql
AS $$
WITH sent AS (
    INSERT INTO xinyu.reminder (school_code, period, district_code, deadline, days_left)
    SELECT d.school_code, p_period, d.district_code, p_deadline, p_days_left
    FROM xinyu.remind_due(p_period) d
    WHERE d.reminded_at IS NULL
    ON CONFLICT (school_code, period) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM sent
$$;

GRANT EXECUTE ON FUNCTION xinyu.remind_due(text), xinyu.remind_record(text, date, integer)
    TO xinyu_report;
