-- 029_indicator_facts_kept.sql: the schools' facts the indicator report keeps
-- (xinyu.indicator_facts_refresh, xinyu.indicator_rows with p_kept) give the rows computed anew,
-- after every kind of change: a new version, an earlier version current again, a school made
-- inactive, moved to another district or given another type, a new school, other targets or
-- deadlines, new rules; and only the schools whose inputs changed are computed again. The rows
-- read from the kept facts are summed from their groups' kept sums (xinyu.indicator_group),
-- which take the difference of the schools computed again.
-- Terms: T1 = 2023-2024-2, T2 = 2024-2025-1 (the fixture's schools A to G).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

\set g '{"1": [100, 2, 10]}'

-- Refreshes the kept facts of a scope as the report role (the indicator report's rights) and
-- checks that the refresh says they can be read, that the rows read from them are the rows
-- computed anew, row for row (per district, city-wide and per type), and that p_expected
-- schools were computed again (their kept rows are new: another xmin, or none before).
CREATE FUNCTION pg_temp.check_kept(p_label text, p_expected integer,
                                   p_periods text[] DEFAULT ARRAY['2023-2024-2', '2024-2025-1'],
                                   p_deadlines date[] DEFAULT ARRAY[date '2024-07-15', date '2025-01-20'],
                                   p_params jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_fresh boolean;
    v_key text := xinyu.indicator_fact_key(p_periods, p_deadlines, p_params);
BEGIN
    DROP TABLE IF EXISTS pg_temp.before_refresh, pg_temp.kept_rows, pg_temp.live_rows;
    CREATE TEMP TABLE before_refresh AS
    SELECT k.school_code, k.xmin::text AS x FROM xinyu.indicator_fact k WHERE k.scope_key = v_key;
    SET LOCAL ROLE xinyu_report;
    v_fresh := xinyu.indicator_facts_refresh(p_periods, p_deadlines, p_params);
    CREATE TEMP TABLE kept_rows AS
    SELECT * FROM xinyu.indicator_rows(p_periods, p_deadlines, p_params, true, true);
    RESET ROLE;
    CREATE TEMP TABLE live_rows AS
    SELECT * FROM xinyu.indicator_rows(p_periods, p_deadlines, p_params, true, false);
    PERFORM pg_temp.assert_eq(p_label || ': the kept facts can be read', v_fresh, true);
    PERFORM pg_temp.assert_same(p_label || ': kept as computed', 'kept_rows', 'live_rows');
    PERFORM pg_temp.assert_eq(p_label || ': schools computed',
        (SELECT count(*)::integer
         FROM xinyu.indicator_fact k
         LEFT JOIN pg_temp.before_refresh b ON b.school_code = k.school_code
         WHERE k.scope_key = v_key AND b.x IS DISTINCT FROM k.xmin::text),
        p_expected);
    PERFORM pg_temp.assert_eq(p_label || ': one row per active school',
        (SELECT count(*) FROM xinyu.indicator_fact k WHERE k.scope_key = v_key),
        (SELECT count(*) FROM xinyu.school WHERE active));
END
$$;

-- the first time every active school: A B C D E G (F is inactive)
SELECT pg_temp.check_kept('first refresh', 6);
SELECT pg_temp.assert_eq('the rows are not all empty',
    (SELECT numerator FROM pg_temp.kept_rows
     WHERE indicator = 'reporting_rate' AND district_code = '320199' AND school_type IS NULL),
    3::numeric);
SELECT pg_temp.check_kept('nothing changed', 0);

-- a new version of A's T2: A alone
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990001' AND period = '2024-2025-1';
SELECT pg_temp.submit('3201990001', '2024-2025-1', '2025-01-11 10:00:00+08', :'g',
    '{"staff_psych_fulltime": 0, "staff_psych_parttime": 0, "counseling_room": false}');
SELECT pg_temp.check_kept('a new version', 1);

-- the earlier version current again: the set of A's current submissions is the first one's
UPDATE xinyu.submission SET is_current = false
WHERE school_code = '3201990001' AND period = '2024-2025-1' AND submitted_at > '2025-01-10 23:00:00+08';
UPDATE xinyu.submission SET is_current = true
WHERE submission_id = (SELECT max(submission_id) FROM xinyu.submission
                       WHERE school_code = '3201990001' AND period = '2024-2025-1'
                         AND submitted_at < '2025-01-11');
SELECT pg_temp.check_kept('the earlier version current again', 1);

-- D, which never reported, reports T2: D alone
SELECT pg_temp.submit('3201990004', '2024-2025-1', '2025-01-12 10:00:00+08', :'g',
    '{"staff_psych_fulltime": 1}');
SELECT pg_temp.check_kept('a first submission', 1);

-- C made inactive: no school computed, its row forgotten
UPDATE xinyu.school SET active = false WHERE school_code = '3201990003';
SELECT pg_temp.check_kept('a school made inactive', 0);

-- B moved to the other district, E given another type: those two
UPDATE xinyu.school SET district_code = '320198' WHERE school_code = '3201990002';
UPDATE xinyu.school SET school_type = 'junior' WHERE school_code = '3201990005';
SELECT pg_temp.check_kept('a school moved, a type changed', 2);

-- a new school, and F active again: those two
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
VALUES ('3201980002', 'H 小学', '320198', 'primary', true);
UPDATE xinyu.school SET active = true WHERE school_code = '3201990006';
SELECT pg_temp.check_kept('a new school, one active again', 2);

-- the log no longer holds what the facts have not seen (pruned past their snapshot): every
-- school's inputs compared with its row, none computed again, as nothing changed
UPDATE xinyu.change_log_horizon SET txid = pg_current_xact_id();
SELECT pg_temp.check_kept('the log pruned past the facts, nothing changed', 0);

-- other targets for the same terms: every school again, and the facts of the old targets are
-- dropped (one set of facts per set of terms)
SELECT pg_temp.check_kept('other targets', 7, p_params => '{"months_in_term": 4, "min_hours": 12}');
SELECT pg_temp.assert_eq('the facts of the old targets dropped',
    (SELECT count(DISTINCT scope_key) FROM xinyu.indicator_fact), 1::bigint);
SELECT pg_temp.assert_eq('and their scope',
    (SELECT count(*) FROM xinyu.indicator_fact_scope), 1::bigint);
SELECT pg_temp.assert_eq('and their groups',
    (SELECT count(DISTINCT scope_key) FROM xinyu.indicator_group), 1::bigint);

-- another deadline: again every school
SELECT pg_temp.check_kept('another deadline', 7,
    p_deadlines => ARRAY[date '2024-07-15', date '2025-01-10'], p_params => '{"months_in_term": 4, "min_hours": 12}');

-- a term report is kept beside the year's
SELECT pg_temp.check_kept('a term', 7, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);
SELECT pg_temp.assert_eq('the year and the term kept',
    (SELECT count(*) FROM xinyu.indicator_fact_scope), 2::bigint);
SELECT pg_temp.check_kept('the term, nothing changed', 0, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);

-- new rules (the text of xinyu.school_facts changed): every school again
SELECT pg_temp.new_rules('xinyu.school_facts(text[], date[], jsonb, text[])'::regprocedure, 'WITH prm AS (');
SELECT pg_temp.check_kept('new rules', 7, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);
-- and when a function they are computed with changes (the terms' keys of the "latest" roll-up)
SELECT pg_temp.new_rules('xinyu.term_key(text)'::regprocedure, 'SELECT left(p_period');
SELECT pg_temp.check_kept('the terms'' keys changed', 7, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);
-- and when the groups are summed otherwise
SELECT pg_temp.new_rules('xinyu.indicator_groups(text[], date[], jsonb, boolean, text[])'::regprocedure,
                         'per_type AS (');
SELECT pg_temp.check_kept('the groups'' sums changed', 7, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);

-- a group left without a school goes: E, the one junior school of its district, nine-year
-- again
UPDATE xinyu.school SET school_type = 'nine_year' WHERE school_code = '3201990005';
SELECT pg_temp.check_kept('a group left without a school', 1, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);
SELECT pg_temp.assert_eq('no group without a school',
    (SELECT count(*) FROM xinyu.indicator_group
     WHERE scope_key = xinyu.indicator_fact_key(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], '{}')
       AND district_code = '320199' AND school_type = 'junior'), 0::bigint);

-- facts kept without their groups (as before the groups were kept, 034): the groups are
-- summed from every kept fact when the next school's facts are computed again
DELETE FROM xinyu.indicator_group;
UPDATE xinyu.school SET school_type = 'primary' WHERE school_code = '3201990005';
SELECT pg_temp.check_kept('facts without their groups', 1, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);

-- the facts of a scope no report asked for in 30 days are dropped by the next refresh
UPDATE xinyu.indicator_fact_scope SET refreshed_at = now() - interval '31 days'
WHERE periods = ARRAY['2023-2024-2', '2024-2025-1'];
SELECT pg_temp.check_kept('the term again', 0, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);
SELECT pg_temp.assert_eq('the year, not asked for in 31 days, dropped',
    (SELECT string_agg(periods::text, ' ') FROM xinyu.indicator_fact_scope), '{2024-2025-1}');
SELECT pg_temp.assert_eq('and its facts',
    (SELECT count(DISTINCT scope_key) FROM xinyu.indicator_fact), 1::bigint);
SELECT pg_temp.assert_eq('and its groups',
    (SELECT count(DISTINCT scope_key) FROM xinyu.indicator_group), 1::bigint);

-- facts left without their scope's row are computed anew, not in the way of the new ones
DELETE FROM xinyu.indicator_fact_scope WHERE periods = ARRAY['2024-2025-1'];
SELECT pg_temp.check_kept('facts without their scope', 7, ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']);

-- the report role may keep them; ingest may not touch them
DO $$
BEGIN
    SET LOCAL ROLE xinyu_ingest;
    BEGIN
        PERFORM count(*) FROM xinyu.indicator_fact;
        RAISE EXCEPTION 'xinyu_ingest can read the kept indicator facts';
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'ok: ingest cannot read the kept facts';
    END;
    RESET ROLE;
END
$$;
