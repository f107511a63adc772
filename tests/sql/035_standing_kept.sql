-- 035_standing_kept.sql: the schools not reported and the late versions the nightly run keeps
-- (xinyu.standing_refresh; the lists and the terms' counts with p_kept) are those computed
-- anew after every kind of change — a new version, a late one, a version no longer current, a
-- school made inactive, a new school, another deadline, new rules — and only the schools the
-- log of changes names are computed again; the recording of what was first seen finds in
-- them what the computing anew would find.
-- Terms: T1 = 2023-2024-2, T2 = 2024-2025-1 (the fixture's schools A to G).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

\set g '{"1": [100, 2, 10]}'

-- Refreshes the kept lists of T1 and T2 as the report role with the deadlines given, checks
-- that it computed p_expected (terms and schools, "T *" for a whole term), and that the
-- lists and counts from what is kept are those computed anew, row for row.
CREATE FUNCTION pg_temp.check_kept(p_label text, p_expected text,
                                   p_deadlines date[] DEFAULT ARRAY[date '2024-07-15', date '2025-01-20'])
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_periods text[] := ARRAY['2023-2024-2', '2024-2025-1'];
    v_computed text;
BEGIN
    SET LOCAL ROLE xinyu_report;
    SELECT coalesce(string_agg(c.period || ' ' || coalesce(c.school_code, '*'), ', '
                               ORDER BY c.period, c.school_code NULLS FIRST), '')
    INTO v_computed
    FROM xinyu.standing_refresh(v_periods, p_deadlines) c;
    -- the report reads them with its rights
    PERFORM count(*) FROM xinyu.standing_not_reported(v_periods, true);
    PERFORM count(*) FROM xinyu.standing_late(v_periods, p_deadlines, true);
    PERFORM count(*) FROM xinyu.quality_terms(v_periods, p_deadlines, true);
    RESET ROLE;
    DROP TABLE IF EXISTS pg_temp.kept_nr, pg_temp.live_nr, pg_temp.kept_late, pg_temp.live_late,
        pg_temp.kept_terms, pg_temp.live_terms;
    CREATE TEMP TABLE kept_nr AS SELECT * FROM xinyu.standing_not_reported(v_periods, true);
    CREATE TEMP TABLE kept_late AS SELECT * FROM xinyu.standing_late(v_periods, p_deadlines, true);
    CREATE TEMP TABLE kept_terms AS SELECT * FROM xinyu.quality_terms(v_periods, p_deadlines, true);
    CREATE TEMP TABLE live_nr AS SELECT * FROM xinyu.standing_not_reported(v_periods);
    CREATE TEMP TABLE live_late AS SELECT * FROM xinyu.standing_late(v_periods, p_deadlines);
    CREATE TEMP TABLE live_terms AS SELECT * FROM xinyu.quality_terms(v_periods, p_deadlines);
    PERFORM pg_temp.assert_same(p_label || ': not reported, kept as computed', 'kept_nr', 'live_nr');
    PERFORM pg_temp.assert_same(p_label || ': late, kept as computed', 'kept_late', 'live_late');
    PERFORM pg_temp.assert_same(p_label || ': the terms, kept as computed', 'kept_terms', 'live_terms');
    PERFORM pg_temp.assert_eq(p_label || ': computed', v_computed, p_expected);
END
$$;

SELECT pg_temp.check_kept('first refresh', '2023-2024-2 *, 2024-2025-1 *');
SELECT pg_temp.assert_eq('the lists are not empty',
    (SELECT count(*) FROM pg_temp.kept_nr) > 0 AND (SELECT count(*) FROM pg_temp.kept_late) > 0,
    true);
SELECT pg_temp.check_kept('nothing changed', '');

-- C's late T2 replaced by one on time: C alone, no longer late
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990003' AND period = '2024-2025-1';
SELECT pg_temp.submit('3201990003', '2024-2025-1', '2025-01-15 10:00:00+08', :'g');
SELECT pg_temp.check_kept('a new version on time', '2024-2025-1 3201990003');
SELECT pg_temp.assert_eq('C is not late',
    (SELECT count(*) FROM pg_temp.kept_late WHERE school_code = '3201990003'), 0::bigint);

-- D reports T2 late: D, late and no longer not reported
SELECT pg_temp.submit('3201990004', '2024-2025-1', '2025-02-01 10:00:00+08', :'g');
SELECT pg_temp.check_kept('a first version, late', '2024-2025-1 3201990004');

-- A's T1 no longer current: A not reported in T1
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990001' AND period = '2023-2024-2';
SELECT pg_temp.check_kept('a version no longer current', '2023-2024-2 3201990001');

-- G made inactive, a new school H: both terms of each
UPDATE xinyu.school SET active = false WHERE school_code = '3201980001';
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
VALUES ('3201980002', 'H 小学', '320198', 'primary', true);
SELECT pg_temp.check_kept('a school inactive, a new one',
    '2023-2024-2 3201980001, 2023-2024-2 3201980002, 2024-2025-1 3201980001, 2024-2025-1 3201980002');

-- another deadline for T2: T2 whole
SELECT pg_temp.check_kept('another deadline', '2024-2025-1 *',
    ARRAY[date '2024-07-15', date '2025-01-10']);
SELECT pg_temp.check_kept('the deadlines as before', '2024-2025-1 *');

-- no deadline known for T1: T1 whole, nobody late in it (the count of late is none, not 0)
SELECT pg_temp.check_kept('no deadline for T1', '2023-2024-2 *',
    ARRAY[NULL::date, date '2025-01-20']);
SELECT pg_temp.assert_eq('no late school in T1',
    (SELECT count(*) FROM pg_temp.kept_late WHERE period = '2023-2024-2'), 0::bigint);
SELECT pg_temp.assert_eq('and no count of them',
    (SELECT schools_late FROM pg_temp.kept_terms WHERE period = '2023-2024-2'), NULL::bigint);
SELECT pg_temp.check_kept('the deadline known again', '2023-2024-2 *');

-- new rules (the text of late_current changed): every term
SELECT pg_temp.new_rules('xinyu.late_current(text[], date[], text[], text[])'::regprocedure, 'WITH term AS');
SELECT pg_temp.check_kept('new rules', '2023-2024-2 *, 2024-2025-1 *');

-- a function late_current calls changed (xinyu.deadline_cutoff, the end of a deadline day):
-- every term too
SELECT pg_temp.new_rules('xinyu.deadline_cutoff(date)'::regprocedure, 'SELECT ((p_deadline');
SELECT pg_temp.check_kept('a function it calls changed', '2023-2024-2 *, 2024-2025-1 *');

-- the log no longer holds what a term has not seen: that term whole
UPDATE xinyu.submission SET is_current = true WHERE school_code = '3201990001' AND period = '2023-2024-2';
UPDATE xinyu.change_log_horizon SET txid = pg_snapshot_xmin(pg_current_snapshot());
SELECT pg_temp.check_kept('the log pruned past it', '2023-2024-2 *, 2024-2025-1 *');

-- The recording: a night's run records what the kept lists show for the first time, whoever
-- brought them up to date.
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 2);
SELECT max(run_id) AS night1 FROM xinyu.run \gset
SELECT pg_temp.assert_eq('the first night records every school not reported and late',
    xinyu.standing_record(ARRAY['2023-2024-2', '2024-2025-1'],
                          ARRAY[date '2024-07-15', date '2025-01-20'], :night1),
    (SELECT count(*) FROM pg_temp.live_nr) + (SELECT count(*) FROM pg_temp.live_late)
    + (SELECT count(*) FROM xinyu.standing_outliers(ARRAY['2023-2024-2', '2024-2025-1'], NULL)));
-- E's T2 made late, B's T2 no longer current: each recorded the next night, nothing else
UPDATE xinyu.submission SET submitted_at = '2025-03-01 10:00:00+08'
WHERE school_code = '3201990005' AND period = '2024-2025-1' AND is_current;
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990002' AND period = '2024-2025-1';
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 3);
SELECT max(run_id) AS night2 FROM xinyu.run \gset
SELECT pg_temp.assert_eq('the next night records the two',
    xinyu.standing_record(ARRAY['2023-2024-2', '2024-2025-1'],
                          ARRAY[date '2024-07-15', date '2025-01-20'], :night2),
    2::bigint);
SELECT pg_temp.assert_eq('as what they are',
    (SELECT string_agg(kind || ' ' || school_code, ', ' ORDER BY kind, school_code)
     FROM xinyu.problem_seen WHERE first_seen_run = :night2),
    'late 3201990005, not_reported 3201990002');
SELECT pg_temp.assert_eq('the kept lists name them as first seen that night',
    (SELECT count(*) FROM xinyu.standing_not_reported(ARRAY['2024-2025-1'], true)
     WHERE first_seen_run = :night2)
    + (SELECT count(*) FROM xinyu.standing_late(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], true)
       WHERE first_seen_run = :night2),
    2::bigint);
