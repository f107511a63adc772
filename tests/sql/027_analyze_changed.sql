-- 027_analyze_changed.sql: xinyu.analyze_changed, which the nightly run calls between loading
-- and reporting, analyzes the tables that changed as much as autovacuum would want (but those
-- left for a later call), the ingest role may call it (and nothing else of the kind), and the
-- report role may not; xinyu.vacuum_due, which says when the run vacuums what it loaded.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320191', '统计区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019100' || lpad(n::text, 2, '0'), '统计学校' || n, '320191', 'primary', true
FROM generate_series(1, 99) n;
-- the counters of this session's changes reach the statistics views now, not in a second
SELECT pg_stat_force_next_flush();

SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('the changed tables are analyzed', xinyu.analyze_changed() > 0, true);
RESET ROLE;
SELECT pg_temp.assert_eq('the registry has statistics',
    (SELECT last_analyze IS NOT NULL AND n_mod_since_analyze = 0
     FROM pg_stat_all_tables WHERE relid = 'xinyu.school'::regclass), true);
SELECT pg_temp.assert_eq('statistics of the schools by district',
    (SELECT n_distinct <> 0 FROM pg_stats
     WHERE schemaname = 'xinyu' AND tablename = 'school' AND attname = 'district_code'), true);

-- nothing changed since: nothing to analyze
SELECT pg_stat_force_next_flush();
SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('nothing changed, nothing analyzed', xinyu.analyze_changed(), 0);
RESET ROLE;

-- a table named to be left for later is left, and the later call analyzes it (the run
-- analyzes the submissions after their VACUUM)
UPDATE xinyu.school SET school_name = school_name || '校' WHERE district_code = '320191';
SELECT pg_stat_force_next_flush();
SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('the table left for later is not analyzed',
    xinyu.analyze_changed('{school}'), 0);
RESET ROLE;
SELECT pg_temp.assert_eq('its changes wait',
    (SELECT n_mod_since_analyze > 0 FROM pg_stat_all_tables WHERE relid = 'xinyu.school'::regclass),
    true);
SET ROLE xinyu_ingest;
-- no list (NULL) leaves nothing for later, as none given does
SELECT pg_temp.assert_eq('the later call analyzes it', xinyu.analyze_changed(NULL), 1);
RESET ROLE;

-- xinyu.vacuum_due: a table's inserts since its VACUUM against autovacuum's insert share
-- of it (the server's default, 0.2), without autovacuum's floor of 1,000 rows
SELECT pg_temp.assert_eq('the insert share the cases below are made for',
    current_setting('autovacuum_vacuum_insert_scale_factor'), '0.2');
VACUUM xinyu.school;
SELECT pg_stat_force_next_flush();
SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('just vacuumed: not due', xinyu.vacuum_due('xinyu.school'), false);
RESET ROLE;
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
VALUES ('3201910100', '统计学校一百', '320191', 'primary', true);
SELECT pg_stat_force_next_flush();
SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('one row of a hundred and more: not due',
    xinyu.vacuum_due('xinyu.school'), false);
RESET ROLE;
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019102' || lpad(n::text, 2, '0'), '统计新校' || n, '320191', 'primary', true
FROM generate_series(1, 40) n;
SELECT pg_stat_force_next_flush();
SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('more than a fifth of the rows again: due',
    xinyu.vacuum_due('xinyu.school'), true);
RESET ROLE;

-- the figures of a submission have no statistics (024), the keys have
SELECT pg_temp.assert_eq('no statistics of the figures',
    (SELECT attstattarget FROM pg_attribute
     WHERE attrelid = 'xinyu.submission'::regclass AND attname = 'staff_psych_fulltime'), 0);
SELECT pg_temp.assert_eq('statistics of the keys',
    (SELECT attstattarget FROM pg_attribute
     WHERE attrelid = 'xinyu.submission'::regclass AND attname = 'school_code'), -1);

-- the report role may not
SET ROLE xinyu_report;
DO $$
BEGIN
    PERFORM xinyu.analyze_changed();
    RAISE EXCEPTION 'the report role ran xinyu.analyze_changed';
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'ok: the report role may not analyze';
END
$$;
RESET ROLE;
