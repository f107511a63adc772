-- merge.sql: staging tables and the merge of one batch into the core tables.
-- A batch is COPYed into the session's temporary staging tables and merged by
-- xinyu.merge_batch() in the same transaction, so a killed worker leaves nothing behind.

-- A registry name as messages quote it (the registry holds no control characters): cut
-- after at most 108 bytes on a character boundary, with "..." marking the cut, like xf_quote_text.
CREATE OR REPLACE FUNCTION xinyu.quote_name(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN octet_length(p_name) <= 108 THEN p_name
                ELSE (SELECT left(p_name, max(n)) || '...'
                      FROM generate_series(0, length(p_name)) n
                      WHERE octet_length(left(p_name, n)) <= 108) END
$$;

-- Creates this session's staging tables (once per connection).
CREATE OR REPLACE FUNCTION xinyu.create_staging() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- one row per received item, in the order received
    CREATE TEMP TABLE IF NOT EXISTS stage_item (
        item_no integer NOT NULL,
        source text NOT NULL,
        ref text NOT NULL,
        sha256 bytea,
        byte_size bigint NOT NULL,
        body_gz bytea,
        school_code text,
        period text,
        district_code_reported text,
        school_name_reported text,
        school_name_quoted text,   -- escaped and cut for messages, as xinyu check quotes it
        rejected boolean NOT NULL,
        duplicate boolean NOT NULL DEFAULT false,
        raw_id bigint,
        district_code text,        -- the registry's, NULL for a school it does not know
        submission_id bigint       -- given to the items that are stored as submissions
    ) ON COMMIT DELETE ROWS;
    -- the normalized values of the items that passed the checks in C
    CREATE TEMP TABLE IF NOT EXISTS stage_submission ON COMMIT DELETE ROWS AS
        SELECT 0::integer AS item_no, s.* FROM xinyu.submission s WITH NO DATA;
    -- the versions of the batch's school terms, stored and new, ranked (made by merge_batch)
    CREATE TEMP TABLE IF NOT EXISTS stage_rank (
        submission_id bigint NOT NULL,
        raw_id bigint NOT NULL,
        stored boolean NOT NULL,
        is_current boolean NOT NULL,
        should_be boolean NOT NULL
    ) ON COMMIT DELETE ROWS;
    -- files found in a spool directory, before they join the work queue
    CREATE TEMP TABLE IF NOT EXISTS stage_file (
        path text NOT NULL,
        byte_size bigint NOT NULL,
        mtime_ns bigint NOT NULL
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS stage_issue (
        item_no integer NOT NULL,
        seq integer NOT NULL,
        severity text NOT NULL,
        code text NOT NULL,
        path text NOT NULL,
        message text NOT NULL,
        message_zh text
    ) ON COMMIT DELETE ROWS;
    -- the catalogue's texts (transform/xform_messages.h) of the checks made here, as format()
    -- templates in English and in Chinese: filled once per session by the loader (xf_staging_create)
    CREATE TEMP TABLE IF NOT EXISTS stage_message (
        id text PRIMARY KEY,
        en text NOT NULL,
        zh text NOT NULL
    );
END
$$;

-- Merges the staged batch: raw zone, duplicates, registry checks, issues, submissions,
-- the current version per school and term, and what became of each item.
-- Returns the batch's counts (the run's counts are made from run_item when it ends).
CREATE OR REPLACE FUNCTION xinyu.merge_batch(p_run_id bigint)
RETURNS TABLE (loaded integer, duplicate integer, superseded integer, rejected integer,
               warnings integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_demoted bigint[];
BEGIN
    -- Temporary tables get no statistics of their own: without these the planner guesses
    -- a thousand rows and hashes whole core tables instead of probing their indexes.
    ANALYZE stage_item;
    ANALYZE stage_submission;

    -- Workers on the same school and term take turns. The locks are taken in the order of
    -- their keys, so two workers cannot wait for each other (different terms whose keys
    -- collide only share a lock).
    PERFORM pg_advisory_xact_lock(5790031, keys.k)
    FROM (SELECT DISTINCT hashtext(school_code || '/' || period) AS k
          FROM stage_item
          WHERE school_code IS NOT NULL AND period IS NOT NULL
          ORDER BY 1) keys;

    -- Raw ids in the order received, for the first copy of each hash in the batch, and the
    -- registry's district of each item.
    UPDATE stage_item si SET raw_id = n.raw_id, district_code = n.district_code
    FROM (SELECT o.item_no, o.district_code,
                 CASE WHEN o.first THEN nextval('xinyu.raw_submission_raw_id_seq') END AS raw_id
          FROM (SELECT si2.item_no, sc.district_code,
                       si2.sha256 IS NULL
                       OR si2.item_no IN (SELECT min(item_no) FROM stage_item GROUP BY sha256)
                       AS first
                FROM stage_item si2
                LEFT JOIN xinyu.school sc ON sc.school_code = si2.school_code
                ORDER BY si2.item_no) o) n
    WHERE si.item_no = n.item_no;

    INSERT INTO xinyu.raw_submission (raw_id, sha256, byte_size, body_gz, source, ref, run_id,
                                      school_code, period, district_code)
    SELECT si.raw_id, si.sha256, si.byte_size, si.body_gz, si.source, si.ref, p_run_id,
           si.school_code, si.period, si.district_code
    FROM stage_item si
    WHERE si.raw_id IS NOT NULL
    ORDER BY si.raw_id
    ON CONFLICT (sha256) DO NOTHING;

    -- Same bytes as a stored submission (earlier, or earlier in this batch): a duplicate.
    UPDATE stage_item si
    SET duplicate = si.raw_id IS DISTINCT FROM r.raw_id, raw_id = r.raw_id
    FROM xinyu.raw_submission r
    WHERE r.sha256 = si.sha256;

    -- Registry checks, with the codes and messages of "xinyu check --registry": the texts are
    -- the catalogue's (stage_message); a session without them fails here rather than store
    -- a reason without its words (message is NOT NULL).
    INSERT INTO stage_issue (item_no, seq, severity, code, path, message, message_zh)
    SELECT si.item_no, 10001, 'reject', 'unknown_school', 'school_code',
           format(m.en, si.school_code), format(m.zh, si.school_code)
    FROM stage_item si
    LEFT JOIN stage_message m ON m.id = 'UNKNOWN_SCHOOL'
    WHERE NOT si.duplicate AND si.school_code IS NOT NULL AND si.district_code IS NULL
    UNION ALL
    SELECT si.item_no, 10002, 'warning', 'inactive_school', 'school_code',
           format(m.en, si.school_code), format(m.zh, si.school_code)
    FROM stage_item si JOIN xinyu.school sc ON sc.school_code = si.school_code
    LEFT JOIN stage_message m ON m.id = 'INACTIVE_SCHOOL'
    WHERE NOT si.duplicate AND NOT sc.active
    UNION ALL
    SELECT si.item_no, 10003, 'warning', 'district_mismatch', 'district_code',
           format(m.en, si.district_code_reported, si.district_code),
           format(m.zh, si.district_code_reported, si.district_code)
    FROM stage_item si
    LEFT JOIN stage_message m ON m.id = 'DISTRICT_MISMATCH'
    WHERE NOT si.duplicate AND si.district_code_reported ~ '^[0-9]{6}$'
      AND si.district_code_reported <> si.district_code
    UNION ALL
    SELECT si.item_no, 10004, 'warning', 'name_mismatch', 'school_name',
           format(m.en, si.school_name_quoted, xinyu.quote_name(sc.school_name)),
           format(m.zh, si.school_name_quoted, xinyu.quote_name(sc.school_name))
    FROM stage_item si JOIN xinyu.school sc ON sc.school_code = si.school_code
    LEFT JOIN stage_message m ON m.id = 'NAME_MISMATCH'
    WHERE NOT si.duplicate AND si.school_name_reported IS NOT NULL
      AND si.school_name_reported <> sc.school_name;

    UPDATE stage_item si SET rejected = true
    WHERE NOT si.rejected AND NOT si.duplicate
      AND EXISTS (SELECT FROM stage_issue i WHERE i.item_no = si.item_no AND i.severity = 'reject');

    INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message, message_zh,
                                        district_code)
    SELECT si.raw_id, i.seq, i.severity, i.code, i.path, i.message, i.message_zh, si.district_code
    FROM stage_issue i
    JOIN stage_item si USING (item_no)
    WHERE NOT si.duplicate;

    -- Submission ids in the order received, for the items stored as submissions.
    UPDATE stage_item si SET submission_id = n.submission_id
    FROM (SELECT o.item_no, nextval('xinyu.submission_submission_id_seq') AS submission_id
          FROM (SELECT item_no FROM stage_item
                WHERE NOT duplicate AND NOT rejected
                ORDER BY raw_id) o) n
    WHERE si.item_no = n.item_no;

    -- The current version of a school's term: the latest submitted_at, on a tie the one
    -- received later (file or page, then place in it; raw_id only for versions stored
    -- before the order of receipt was kept), among the stored versions and the batch's.
    INSERT INTO stage_rank
    SELECT v.submission_id, v.raw_id, v.stored, v.is_current,
           row_number() OVER (PARTITION BY v.school_code, v.period
                              ORDER BY v.submitted_at DESC, v.received_seq DESC NULLS LAST,
                                       v.received_item DESC NULLS LAST, v.raw_id DESC) = 1
    FROM (SELECT s.submission_id, s.raw_id, true AS stored, s.is_current, s.school_code,
                 s.period, s.submitted_at, s.received_seq, s.received_item
          FROM xinyu.submission s
          JOIN (SELECT DISTINCT school_code, period FROM stage_item
                WHERE NOT duplicate AND NOT rejected) k USING (school_code, period)
          UNION ALL
          SELECT si.submission_id, si.raw_id, false, false, si.school_code, si.period,
                 ss.submitted_at, ss.received_seq, ss.received_item
          FROM stage_item si
          JOIN stage_submission ss USING (item_no)
          WHERE NOT si.duplicate AND NOT si.rejected) v;

    ANALYZE stage_rank;

    -- Stored versions first: the one that loses its place is cleared before the new current
    -- one is inserted, so that the unique index never sees two.
    WITH cleared AS (
        UPDATE xinyu.submission s SET is_current = false
        FROM stage_rank r
        WHERE s.submission_id = r.submission_id AND r.stored AND r.is_current AND NOT r.should_be
        RETURNING s.raw_id)
    SELECT array_agg(raw_id) INTO v_demoted FROM cleared;

    UPDATE xinyu.submission s SET is_current = true
    FROM stage_rank r
    WHERE s.submission_id = r.submission_id AND r.stored AND NOT r.is_current AND r.should_be;

    INSERT INTO xinyu.submission (
        submission_id, raw_id, school_code, district_code, period, submitted_at, received_at,
        received_seq, received_item, run_id, is_current, school_name_reported,
        district_code_reported, enrolled_total, enrolled_grade4_up, classes_total,
        lessons_reported, grade_enrolled, grade_classes, grade_lessons, lessons_total,
        staff_psych_fulltime, staff_psych_parttime, staff_psych_fulltime_degree,
        staff_psych_cert_a, staff_parttime_3yr_head, staff_head_teachers,
        staff_head_teachers_cert_b, staff_subject_teachers, staff_subject_teachers_cert_c,
        funding_psych_yuan, curriculum_theme_meetings, curriculum_special_activities,
        counseling_room, counseling_open_hours_per_week, counseling_individual_sessions,
        counseling_group_sessions, counseling_group_participants, screening_students_screened,
        screening_students_flagged, screening_archives, care_ledger, care_left_behind,
        care_single_parent, care_special_needs, home_school_parent_trainings,
        home_school_psych_parent_trainings, home_school_parent_attendees,
        home_school_home_visit_rate, training_all_staff_sessions,
        training_hours_psych_and_head, crisis_incidents, crisis_referrals,
        crisis_major_incident_school_fault, governance_research_group,
        governance_three_year_plan, governance_annual_meeting_minutes, research_city_awards,
        research_papers, research_books, research_years_of_practice)
    SELECT si.submission_id, si.raw_id, si.school_code, si.district_code, si.period,
           ss.submitted_at, now(), ss.received_seq, ss.received_item, p_run_id, r.should_be,
           si.school_name_reported, si.district_code_reported, ss.enrolled_total,
           ss.enrolled_grade4_up, ss.classes_total, ss.lessons_reported, ss.grade_enrolled,
           ss.grade_classes, ss.grade_lessons, ss.lessons_total,
           ss.staff_psych_fulltime, ss.staff_psych_parttime, ss.staff_psych_fulltime_degree,
           ss.staff_psych_cert_a, ss.staff_parttime_3yr_head, ss.staff_head_teachers,
           ss.staff_head_teachers_cert_b, ss.staff_subject_teachers,
           ss.staff_subject_teachers_cert_c, ss.funding_psych_yuan,
           ss.curriculum_theme_meetings, ss.curriculum_special_activities, ss.counseling_room,
           ss.counseling_open_hours_per_week, ss.counseling_individual_sessions,
           ss.counseling_group_sessions, ss.counseling_group_participants,
           ss.screening_students_screened, ss.screening_students_flagged,
           ss.screening_archives, ss.care_ledger, ss.care_left_behind, ss.care_single_parent,
           ss.care_special_needs, ss.home_school_parent_trainings,
           ss.home_school_psych_parent_trainings, ss.home_school_parent_attendees,
           ss.home_school_home_visit_rate, ss.training_all_staff_sessions,
           ss.training_hours_psych_and_head, ss.crisis_incidents, ss.crisis_referrals,
           ss.crisis_major_incident_school_fault, ss.governance_research_group,
           ss.governance_three_year_plan, ss.governance_annual_meeting_minutes,
           ss.research_city_awards, ss.research_papers, ss.research_books,
           ss.research_years_of_practice
    FROM stage_submission ss
    JOIN stage_item si USING (item_no)
    JOIN stage_rank r ON r.submission_id = si.submission_id AND NOT r.stored
    ORDER BY si.submission_id;

    -- What became of each item of the batch.
    INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome, school_code, period,
                                district_code)
    SELECT p_run_id, si.raw_id, si.source, si.ref,
           CASE WHEN si.duplicate THEN 'duplicate'
                WHEN si.rejected THEN 'rejected'
                WHEN r.should_be THEN 'loaded'
                ELSE 'superseded' END,
           si.school_code, si.period, si.district_code
    FROM stage_item si
    LEFT JOIN stage_rank r ON r.submission_id = si.submission_id AND NOT r.stored
    ORDER BY si.item_no;

    -- Items this run loaded in an earlier batch and that a later version replaced now.
    IF v_demoted IS NOT NULL THEN
        UPDATE xinyu.run_item SET outcome = 'superseded'
        WHERE run_id = p_run_id AND outcome = 'loaded' AND raw_id = ANY (v_demoted);
    END IF;

    RETURN QUERY
    SELECT count(*) FILTER (WHERE NOT si.duplicate AND NOT si.rejected AND r.should_be)::integer,
           count(*) FILTER (WHERE si.duplicate)::integer,
           count(*) FILTER (WHERE NOT si.duplicate AND NOT si.rejected
                            AND NOT coalesce(r.should_be, false))::integer,
           count(*) FILTER (WHERE NOT si.duplicate AND si.rejected)::integer,
           count(*) FILTER (WHERE NOT si.duplicate AND NOT si.rejected
                            AND EXISTS (SELECT FROM stage_issue i
                                        WHERE i.item_no = si.item_no
                                          AND i.severity = 'warning'))::integer
    FROM stage_item si
    LEFT JOIN stage_rank r ON r.submission_id = si.submission_id AND NOT r.stored;

    TRUNCATE stage_item, stage_submission, stage_issue, stage_rank;
END
$$;
