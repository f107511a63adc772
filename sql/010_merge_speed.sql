-- 010_merge_speed.sql: a leaner merge, and the per-grade figures on the submission row.
--
-- The per-grade figures move onto the submission row. xinyu.submission_grade held about six
-- rows per submission (at 200,000 schools, 2 million rows, each written by the merge and
-- joined back by every indicator query); xinyu.submission now holds three arrays indexed by
-- grade (1 to 12), as the school sent them, NULL where it sent nothing:
--   grade_enrolled[g], grade_classes[g], grade_lessons[g]
-- and lessons_total, the sum of the lessons given (NULL when no grade gives any). The loader
-- computes them in C (transform/xform_load.c, xf_derived_cells). xinyu.submission_grade
-- remains, as a view with the rows and columns of the former table, for people and tools
-- that read grades as rows.
--
-- The merge (xinyu.merge_batch) now:
--   * takes its advisory locks in the order of the lock keys themselves (the hash of school
--     and term), not of the text they are made from, whose order two colliding hashes need
--     not follow; a transaction of several batches can still meet another worker's in a
--     deadlock, which the loader ends by loading its files again (cli/pipeline.c);
--   * gives each accepted item its submission_id before it is ranked and inserted;
--   * ranks the stored versions of the batch's school terms together with the new ones
--     before inserting, so that a new version is inserted current or not at once and only a
--     stored version that loses is updated (a first submission, the common case, is never
--     written twice);
--   * looks up each item's district once.

ALTER TABLE xinyu.submission
    ADD COLUMN grade_enrolled integer[]
        CHECK (cardinality(grade_enrolled) = 12 AND 0 <= ALL (grade_enrolled)),
    ADD COLUMN grade_classes integer[]
        CHECK (cardinality(grade_classes) = 12 AND 0 <= ALL (grade_classes)),
    ADD COLUMN grade_lessons integer[]
        CHECK (cardinality(grade_lessons) = 12 AND 0 <= ALL (grade_lessons)),
    ADD COLUMN lessons_total bigint CHECK (lessons_total >= 0);

-- The submissions stored before: their grade rows into the arrays (a submission without
-- grade rows gets twelve NULLs, which is what its missing rows said).
UPDATE xinyu.submission s
SET grade_enrolled = g.enrolled, grade_classes = g.classes, grade_lessons = g.lessons,
    lessons_total = g.total
FROM (SELECT ids.submission_id,
             array_agg(sg.enrolled ORDER BY n.grade) AS enrolled,
             array_agg(sg.classes ORDER BY n.grade) AS classes,
             array_agg(sg.lessons ORDER BY n.grade) AS lessons,
             sum(sg.lessons) AS total
      FROM xinyu.submission ids
      CROSS JOIN generate_series(1, 12) AS n(grade)
      LEFT JOIN xinyu.submission_grade sg
             ON sg.submission_id = ids.submission_id AND sg.grade = n.grade
      GROUP BY ids.submission_id) g
WHERE s.submission_id = g.submission_id;

ALTER TABLE xinyu.submission
    ALTER COLUMN grade_enrolled SET NOT NULL,
    ALTER COLUMN grade_classes SET NOT NULL,
    ALTER COLUMN grade_lessons SET NOT NULL;

DROP TABLE xinyu.submission_grade;

-- A grade of a submission appears when any of its three values was sent, as in the table.
CREATE VIEW xinyu.submission_grade AS
SELECT s.submission_id, s.district_code, g.grade::smallint AS grade, g.enrolled, g.classes,
       g.lessons
FROM xinyu.submission s
CROSS JOIN LATERAL unnest(s.grade_enrolled, s.grade_classes, s.grade_lessons)
    WITH ORDINALITY AS g(enrolled, classes, lessons, grade)
WHERE num_nonnulls(g.enrolled, g.classes, g.lessons) > 0;

COMMENT ON VIEW xinyu.submission_grade IS
    'Per-grade figures of each submission as rows, from the arrays of xinyu.submission.';

GRANT SELECT ON xinyu.submission_grade TO xinyu_ingest, xinyu_report;

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
        message text NOT NULL
    ) ON COMMIT DELETE ROWS;
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

    -- Registry checks, with the codes and messages of "xinyu check --registry".
    INSERT INTO stage_issue (item_no, seq, severity, code, path, message)
    SELECT si.item_no, 10001, 'reject', 'unknown_school', 'school_code',
           si.school_code || ' is not in the registry'
    FROM stage_item si
    WHERE NOT si.duplicate AND si.school_code IS NOT NULL AND si.district_code IS NULL
    UNION ALL
    SELECT si.item_no, 10002, 'warning', 'inactive_school', 'school_code',
           si.school_code || ' is marked inactive in the registry'
    FROM stage_item si JOIN xinyu.school sc ON sc.school_code = si.school_code
    WHERE NOT si.duplicate AND NOT sc.active
    UNION ALL
    SELECT si.item_no, 10003, 'warning', 'district_mismatch', 'district_code',
           si.district_code_reported || ' differs from the registry (' || si.district_code
           || '); the registry''s is used'
    FROM stage_item si
    WHERE NOT si.duplicate AND si.district_code_reported ~ '^[0-9]{6}$'
      AND si.district_code_reported <> si.district_code
    UNION ALL
    SELECT si.item_no, 10004, 'warning', 'name_mismatch', 'school_name',
           '"' || si.school_name_quoted || '" differs from the registry ("'
           || xinyu.quote_name(sc.school_name) || '")'
    FROM stage_item si JOIN xinyu.school sc ON sc.school_code = si.school_code
    WHERE NOT si.duplicate AND si.school_name_reported IS NOT NULL
      AND si.school_name_reported <> sc.school_name;

    UPDATE stage_item si SET rejected = true
    WHERE NOT si.rejected AND NOT si.duplicate
      AND EXISTS (SELECT FROM stage_issue i WHERE i.item_no = si.item_no AND i.severity = 'reject');

    INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message, district_code)
    SELECT si.raw_id, i.seq, i.severity, i.code, i.path, i.message, si.district_code
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
    -- received later (the larger raw_id), among the stored versions and the batch's.
    INSERT INTO stage_rank
    SELECT v.submission_id, v.raw_id, v.stored, v.is_current,
           row_number() OVER (PARTITION BY v.school_code, v.period
                              ORDER BY v.submitted_at DESC, v.raw_id DESC) = 1
    FROM (SELECT s.submission_id, s.raw_id, true AS stored, s.is_current, s.school_code,
                 s.period, s.submitted_at
          FROM xinyu.submission s
          JOIN (SELECT DISTINCT school_code, period FROM stage_item
                WHERE NOT duplicate AND NOT rejected) k USING (school_code, period)
          UNION ALL
          SELECT si.submission_id, si.raw_id, false, false, si.school_code, si.period,
                 ss.submitted_at
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
        run_id, is_current, school_name_reported, district_code_reported, enrolled_total,
        enrolled_grade4_up, classes_total, lessons_reported, grade_enrolled, grade_classes,
        grade_lessons, lessons_total,
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
           ss.submitted_at, now(), p_run_id, r.should_be, si.school_name_reported,
           si.district_code_reported, ss.enrolled_total, ss.enrolled_grade4_up,
           ss.classes_total, ss.lessons_reported, ss.grade_enrolled, ss.grade_classes,
           ss.grade_lessons, ss.lessons_total,
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
-- The indicators' roll-up per school (sql/003_indicators.sql) in one pass over the
-- submissions, and the overview without the grade rows: what was a second pass over the
-- grade rows comes from the arrays above.
CREATE OR REPLACE FUNCTION xinyu.school_facts(p_periods text[], p_deadlines date[], p_params jsonb)
RETURNS TABLE (
    school_code text,
    district_code text,
    school_type text,
    terms_expected integer,
    terms_reported integer,
    reported_all boolean,        -- reported every term of p_periods
    on_time_all boolean,         -- reported every term, each current version on time; NULL: a deadline is unknown
    latest_period text,          -- the latest term reported, NULL when none
    enrolled_total integer,      -- E, latest reported term
    enrolled_grade4_up integer,  -- E4, latest reported term
    classes_total integer,       -- latest reported term
    staff_psych_fulltime integer,            -- F, latest
    staff_psych_parttime integer,            -- P, latest
    staff_psych_fulltime_degree integer,     -- latest
    staff_psych_cert_a integer,              -- latest
    staff_parttime_3yr_head integer,         -- latest
    staff_head_teachers integer,             -- latest
    staff_head_teachers_cert_b integer,      -- latest
    staff_subject_teachers integer,          -- latest
    staff_subject_teachers_cert_c integer,   -- latest
    funding_psych_yuan numeric,              -- sum
    curriculum_theme_meetings bigint,        -- sum
    curriculum_special_activities bigint,    -- sum
    counseling_room boolean,                 -- latest
    counseling_open_hours_per_week double precision, -- latest
    counseling_individual_sessions bigint,   -- sum
    counseling_group_sessions bigint,        -- sum
    counseling_group_participants bigint,    -- sum
    screening_students_screened integer,     -- max
    screening_students_flagged integer,      -- max
    screening_archives integer,              -- max
    care_ledger boolean,                     -- latest
    care_left_behind integer,                -- latest
    care_single_parent integer,              -- latest
    care_special_needs integer,              -- latest
    home_school_parent_trainings bigint,     -- sum
    home_school_psych_parent_trainings bigint, -- sum
    home_school_parent_attendees bigint,     -- sum
    home_school_home_visit_rate double precision, -- latest
    training_all_staff_sessions bigint,      -- sum
    training_hours_psych_and_head double precision, -- sum
    crisis_incidents bigint,                 -- sum
    crisis_referrals bigint,                 -- sum
    crisis_major_incident_school_fault boolean, -- any
    governance_research_group boolean,       -- latest
    governance_three_year_plan boolean,      -- latest
    governance_annual_meeting_minutes boolean, -- any
    research_city_awards integer,            -- latest
    research_papers integer,                 -- latest
    research_books integer,                  -- latest
    research_years_of_practice integer,      -- latest
    -- per-rule results (NULL = no data)
    lessons_total bigint,        -- psych lessons of all grades over the lessons-reported terms
    stages_enrolled integer,     -- stages (primary 1-6, junior 7-9, senior 10-12) enrolled in the latest term; audit clause 6
    lessons_ok boolean,          -- the lesson rule (work points 8); NULL: no lessons-reported term
    lessons_biweekly_ok boolean, -- every enrolled grade >= 1 lesson per class every two weeks (audit clause 11)
    theme_meetings_ok boolean,   -- theme_meetings >= sum of classes_total x months_in_term over the terms that report them
    all_staff_sessions_every_term boolean -- all_staff_sessions >= min_sessions_per_term in every reported term; NULL if NULL in one
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH prm AS (
    -- Lessons needed per class and term (work points 8): months_in_term for grades 1-3,
    -- ceil(weeks_in_term / 2) for grades 4-12.
    SELECT coalesce((p_params ->> 'months_in_term')::numeric, 5) AS months_in_term,
           ceil(coalesce((p_params ->> 'weeks_in_term')::numeric, 20) / 2) AS lessons_biweekly,
           coalesce((p_params ->> 'min_sessions_per_term')::numeric, 1) AS min_sessions_per_term
),
term AS (
    -- p_deadlines[i] is the deadline of p_periods[i]. "On time" is on or before the end of
    -- the deadline day in UTC+8: before 00:00+08:00 of the next day, computed as an explicit
    -- UTC instant (a POSIX zone name such as 'UTC+8' would mean UTC-8 in PostgreSQL).
    -- DISTINCT ON keeps a period listed twice from counting its submissions twice.
    SELECT DISTINCT ON (t.period)
           t.period,
           t.deadline,
           ((t.deadline + 1)::timestamp AT TIME ZONE 'UTC') - interval '8 hours' AS cutoff,
           left(t.period, 4)::integer * 10 + right(t.period, 1)::integer AS term_key
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
),
-- One pass over the submissions of the scope, rolled up per school.
agg AS (
    SELECT s.school_code,
           count(*)::integer AS terms_reported,
           bool_or(s.submitted_at >= term.cutoff) AS any_late,
           bool_or(term.deadline IS NULL) AS any_deadline_unknown,
           max(s.period) AS latest_period,
           max(term.term_key) AS latest_key,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.enrolled_total))) AS enrolled_total,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.enrolled_grade4_up))) AS enrolled_grade4_up,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.classes_total))) AS classes_total,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime))) AS staff_psych_fulltime,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_parttime))) AS staff_psych_parttime,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime_degree))) AS staff_psych_fulltime_degree,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_cert_a))) AS staff_psych_cert_a,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_parttime_3yr_head))) AS staff_parttime_3yr_head,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_head_teachers))) AS staff_head_teachers,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_head_teachers_cert_b))) AS staff_head_teachers_cert_b,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_subject_teachers))) AS staff_subject_teachers,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_subject_teachers_cert_c))) AS staff_subject_teachers_cert_c,
           sum(s.funding_psych_yuan) AS funding_psych_yuan,
           sum(s.curriculum_theme_meetings) AS curriculum_theme_meetings,
           sum(s.curriculum_special_activities) AS curriculum_special_activities,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.counseling_room::integer)))::boolean AS counseling_room,
           (max(ARRAY[term.term_key::double precision, s.counseling_open_hours_per_week]) FILTER (WHERE s.counseling_open_hours_per_week IS NOT NULL))[2] AS counseling_open_hours_per_week,
           sum(s.counseling_individual_sessions) AS counseling_individual_sessions,
           sum(s.counseling_group_sessions) AS counseling_group_sessions,
           sum(s.counseling_group_participants) AS counseling_group_participants,
           max(s.screening_students_screened) AS screening_students_screened,
           max(s.screening_students_flagged) AS screening_students_flagged,
           max(s.screening_archives) AS screening_archives,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_ledger::integer)))::boolean AS care_ledger,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_left_behind))) AS care_left_behind,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_single_parent))) AS care_single_parent,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_special_needs))) AS care_special_needs,
           sum(s.home_school_parent_trainings) AS home_school_parent_trainings,
           sum(s.home_school_psych_parent_trainings) AS home_school_psych_parent_trainings,
           sum(s.home_school_parent_attendees) AS home_school_parent_attendees,
           (max(ARRAY[term.term_key::double precision, s.home_school_home_visit_rate]) FILTER (WHERE s.home_school_home_visit_rate IS NOT NULL))[2] AS home_school_home_visit_rate,
           sum(s.training_all_staff_sessions) AS training_all_staff_sessions,
           sum(s.training_hours_psych_and_head) AS training_hours_psych_and_head,
           sum(s.crisis_incidents) AS crisis_incidents,
           sum(s.crisis_referrals) AS crisis_referrals,
           bool_or(s.crisis_major_incident_school_fault) AS crisis_major_incident_school_fault,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.governance_research_group::integer)))::boolean AS governance_research_group,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.governance_three_year_plan::integer)))::boolean AS governance_three_year_plan,
           bool_or(s.governance_annual_meeting_minutes) AS governance_annual_meeting_minutes,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_city_awards))) AS research_city_awards,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_papers))) AS research_papers,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_books))) AS research_books,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_years_of_practice))) AS research_years_of_practice,
           -- the per-grade figures (xinyu.submission.grade_*). The lesson
           -- rule compares per grade the lessons summed over the lessons-reported terms with
           -- the classes summed over the lessons-reported terms in which the grade has pupils,
           -- times the lessons per class of that grade. classes_gN is NULL when grade N had
           -- pupils in no lessons-reported term: it need not comply. A grade with pupils but
           -- left out of lessons_by_grade had 0 lessons (project decision).
           sum(s.lessons_total) FILTER (WHERE s.lessons_reported) AS lessons_total,
           -- the latest term in which each stage had pupils, compared with the school's latest term
           max(term.term_key) FILTER (WHERE 0 < ANY (s.grade_enrolled[1:6])) AS primary_key,
           max(term.term_key) FILTER (WHERE 0 < ANY (s.grade_enrolled[7:9])) AS junior_key,
           max(term.term_key) FILTER (WHERE 0 < ANY (s.grade_enrolled[10:12])) AS senior_key,
           sum(coalesce(s.grade_lessons[1], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g1,
           sum(CASE WHEN s.grade_enrolled[1] > 0 THEN coalesce(s.grade_classes[1], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g1,
           sum(coalesce(s.grade_lessons[2], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g2,
           sum(CASE WHEN s.grade_enrolled[2] > 0 THEN coalesce(s.grade_classes[2], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g2,
           sum(coalesce(s.grade_lessons[3], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g3,
           sum(CASE WHEN s.grade_enrolled[3] > 0 THEN coalesce(s.grade_classes[3], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g3,
           sum(coalesce(s.grade_lessons[4], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g4,
           sum(CASE WHEN s.grade_enrolled[4] > 0 THEN coalesce(s.grade_classes[4], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g4,
           sum(coalesce(s.grade_lessons[5], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g5,
           sum(CASE WHEN s.grade_enrolled[5] > 0 THEN coalesce(s.grade_classes[5], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g5,
           sum(coalesce(s.grade_lessons[6], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g6,
           sum(CASE WHEN s.grade_enrolled[6] > 0 THEN coalesce(s.grade_classes[6], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g6,
           sum(coalesce(s.grade_lessons[7], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g7,
           sum(CASE WHEN s.grade_enrolled[7] > 0 THEN coalesce(s.grade_classes[7], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g7,
           sum(coalesce(s.grade_lessons[8], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g8,
           sum(CASE WHEN s.grade_enrolled[8] > 0 THEN coalesce(s.grade_classes[8], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g8,
           sum(coalesce(s.grade_lessons[9], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g9,
           sum(CASE WHEN s.grade_enrolled[9] > 0 THEN coalesce(s.grade_classes[9], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g9,
           sum(coalesce(s.grade_lessons[10], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g10,
           sum(CASE WHEN s.grade_enrolled[10] > 0 THEN coalesce(s.grade_classes[10], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g10,
           sum(coalesce(s.grade_lessons[11], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g11,
           sum(CASE WHEN s.grade_enrolled[11] > 0 THEN coalesce(s.grade_classes[11], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g11,
           sum(coalesce(s.grade_lessons[12], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g12,
           sum(CASE WHEN s.grade_enrolled[12] > 0 THEN coalesce(s.grade_classes[12], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g12,
           -- the classes of the terms that report theme meetings: a term without them is left
           -- out of both sides of the theme-meeting rule
           sum(s.classes_total) FILTER (WHERE s.curriculum_theme_meetings IS NOT NULL) AS classes_with_theme_meetings,
           -- all_staff_sessions is a "per term" rule: every term >= the minimum <=> the smallest does
           min(s.training_all_staff_sessions) AS all_staff_sessions_min,
           bool_or(s.training_all_staff_sessions IS NULL) AS all_staff_sessions_missing
    FROM xinyu.submission s
    JOIN term ON term.period = s.period
    WHERE s.period = ANY (p_periods) AND s.is_current
    GROUP BY s.school_code
)

SELECT sc.school_code,
       sc.district_code,
       sc.school_type,
       coalesce(cardinality(p_periods), 0),
       coalesce(a.terms_reported, 0),
       coalesce(a.terms_reported, 0) > 0 AND a.terms_reported = cardinality(p_periods),
       CASE WHEN a.terms_reported IS NULL OR a.terms_reported <> cardinality(p_periods) THEN false
            WHEN a.any_late THEN false              -- late on a known deadline, whatever the others
            WHEN a.any_deadline_unknown THEN NULL
            ELSE true
       END,
       a.latest_period,
       a.enrolled_total,
       a.enrolled_grade4_up,
       a.classes_total,
       a.staff_psych_fulltime,
       a.staff_psych_parttime,
       a.staff_psych_fulltime_degree,
       a.staff_psych_cert_a,
       a.staff_parttime_3yr_head,
       a.staff_head_teachers,
       a.staff_head_teachers_cert_b,
       a.staff_subject_teachers,
       a.staff_subject_teachers_cert_c,
       a.funding_psych_yuan,
       a.curriculum_theme_meetings,
       a.curriculum_special_activities,
       a.counseling_room,
       a.counseling_open_hours_per_week,
       a.counseling_individual_sessions,
       a.counseling_group_sessions,
       a.counseling_group_participants,
       a.screening_students_screened,
       a.screening_students_flagged,
       a.screening_archives,
       a.care_ledger,
       a.care_left_behind,
       a.care_single_parent,
       a.care_special_needs,
       a.home_school_parent_trainings,
       a.home_school_psych_parent_trainings,
       a.home_school_parent_attendees,
       a.home_school_home_visit_rate,
       a.training_all_staff_sessions,
       a.training_hours_psych_and_head,
       a.crisis_incidents,
       a.crisis_referrals,
       a.crisis_major_incident_school_fault,
       a.governance_research_group,
       a.governance_three_year_plan,
       a.governance_annual_meeting_minutes,
       a.research_city_awards,
       a.research_papers,
       a.research_books,
       a.research_years_of_practice,
       a.lessons_total,
       CASE WHEN a.school_code IS NOT NULL
            THEN coalesce((a.primary_key = a.latest_key)::integer, 0)
                 + coalesce((a.junior_key = a.latest_key)::integer, 0)
                 + coalesce((a.senior_key = a.latest_key)::integer, 0)
       END,
       -- lessons_ok: every grade that must comply has its lessons; NULL when no grade must
       -- (no lessons-reported term, or nobody enrolled in one)
       CASE WHEN num_nonnulls(a.classes_g1, a.classes_g2, a.classes_g3, a.classes_g4, a.classes_g5, a.classes_g6, a.classes_g7, a.classes_g8, a.classes_g9, a.classes_g10, a.classes_g11, a.classes_g12) > 0
            THEN coalesce(a.lessons_g1 >= a.classes_g1 * prm.months_in_term, true)
             AND coalesce(a.lessons_g2 >= a.classes_g2 * prm.months_in_term, true)
             AND coalesce(a.lessons_g3 >= a.classes_g3 * prm.months_in_term, true)
             AND coalesce(a.lessons_g4 >= a.classes_g4 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g5 >= a.classes_g5 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g6 >= a.classes_g6 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g7 >= a.classes_g7 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g8 >= a.classes_g8 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g9 >= a.classes_g9 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g10 >= a.classes_g10 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g11 >= a.classes_g11 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g12 >= a.classes_g12 * prm.lessons_biweekly, true)
       END,
       -- lessons_biweekly_ok: the same with one lesson per class every two weeks for every grade
       CASE WHEN num_nonnulls(a.classes_g1, a.classes_g2, a.classes_g3, a.classes_g4, a.classes_g5, a.classes_g6, a.classes_g7, a.classes_g8, a.classes_g9, a.classes_g10, a.classes_g11, a.classes_g12) > 0
            THEN coalesce(a.lessons_g1 >= a.classes_g1 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g2 >= a.classes_g2 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g3 >= a.classes_g3 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g4 >= a.classes_g4 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g5 >= a.classes_g5 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g6 >= a.classes_g6 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g7 >= a.classes_g7 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g8 >= a.classes_g8 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g9 >= a.classes_g9 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g10 >= a.classes_g10 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g11 >= a.classes_g11 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g12 >= a.classes_g12 * prm.lessons_biweekly, true)
       END,
       a.curriculum_theme_meetings >= a.classes_with_theme_meetings * prm.months_in_term,
       -- a reported term that does not say is no data for the whole rule
       CASE WHEN a.all_staff_sessions_missing THEN NULL
            ELSE a.all_staff_sessions_min >= prm.min_sessions_per_term
       END
FROM xinyu.school sc
CROSS JOIN prm
LEFT JOIN agg a ON a.school_code = sc.school_code
WHERE sc.active
$$;CREATE OR REPLACE FUNCTION xinyu.overview_rows(p_period text)
RETURNS TABLE (
    district_code text,
    school_type text,
    schools_active bigint,
    schools_reported bigint,
    students bigint,
    psych_fulltime bigint,
    psych_parttime bigint,
    schools_with_room bigint,
    schools_with_lessons bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT sc.district_code,
       sc.school_type,
       count(*),
       count(s.submission_id),
       coalesce(sum(s.enrolled_total), 0)::bigint,
       coalesce(sum(s.staff_psych_fulltime), 0)::bigint,
       coalesce(sum(s.staff_psych_parttime), 0)::bigint,
       count(*) FILTER (WHERE s.counseling_room),
       count(*) FILTER (WHERE s.lessons_total > 0)
FROM xinyu.school sc
LEFT JOIN xinyu.submission s
       ON s.school_code = sc.school_code AND s.period = p_period AND s.is_current
WHERE sc.active
GROUP BY GROUPING SETS ((sc.district_code), (sc.district_code, sc.school_type), (sc.school_type), ())
ORDER BY sc.district_code NULLS LAST, sc.school_type NULLS FIRST
$$;
-- What an indicator report of p_periods is made from, in a few words: the submissions of
-- those terms (rows are only ever added: a new version is a new row, and a version loses
-- its place only to a new one) and the last registry applied. "xinyu run" compares it with
-- the state it wrote the report from and writes the report again only when it differs.
CREATE FUNCTION xinyu.report_inputs_state(p_periods text[])
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT format('submissions=%s:%s registry=%s', count(*), coalesce(max(s.submission_id), 0),
                  (SELECT coalesce(max(r.run_id), 0) FROM xinyu.registry_load r))
    FROM xinyu.submission s
    WHERE s.period = ANY (p_periods)
$$;

GRANT EXECUTE ON FUNCTION xinyu.report_inputs_state(text[]) TO xinyu_report;
