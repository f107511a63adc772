-- 034_change_log.sql: the log of changes (xinyu.change_log, sql/functions/changes.sql). Every
-- way a submission or a registry entry changes is written by the transaction that makes it;
-- a state computed in a snapshot finds exactly the changes that snapshot does not see (those
-- committed after it, those running when it was taken, and its own transaction's); a registry
-- change names the districts before and after; a name changed is not a change; the log is
-- pruned only of what every state kept in the last 30 days has seen, and a state it no longer
-- covers (or a table emptied) is known as such.
-- Terms: T1 = 2023-2024-2, T2 = 2024-2025-1 (the fixture's schools A to G).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

\set g '{"1": [100, 2, 10]}'

-- the fixture's own changes were written: both terms, and the registry with every school
SELECT pg_temp.assert_eq('the fixture logged',
    (SELECT string_agg(DISTINCT coalesce(period, 'registry'), ' ') FROM xinyu.change_log),
    '2023-2024-2 2024-2025-1 registry');

-- The changes a snapshot does not see, as text.
CREATE FUNCTION pg_temp.unseen(p_since pg_snapshot) RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(concat_ws(' ', coalesce(period, 'registry'), school_code, district_code),
                           ', ' ORDER BY period NULLS LAST, school_code, district_code), '')
FROM xinyu.changes_since(p_since)
$$;

CREATE TEMP TABLE snap (name text PRIMARY KEY, s pg_snapshot);
INSERT INTO snap SELECT 's0', xinyu.change_snapshot();
SELECT s AS s0 FROM snap WHERE name = 's0' \gset

SELECT pg_temp.assert_eq('nothing unseen yet', pg_temp.unseen(:'s0'), '');
SELECT pg_temp.assert_eq('the log covers it', xinyu.change_log_covers(:'s0'), true);

-- a new version of A's T2 (the merge's two steps: the old one demoted, the new one stored)
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990001' AND period = '2024-2025-1';
SELECT pg_temp.submit('3201990001', '2024-2025-1', '2025-01-11 10:00:00+08', :'g') AS a2 \gset
-- B's T1 no longer current; a statement that changes nothing
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990002' AND period = '2023-2024-2';
UPDATE xinyu.submission SET is_current = false WHERE false;
SELECT pg_temp.assert_eq('the versions changed',
    pg_temp.unseen(:'s0'), '2023-2024-2 3201990002, 2024-2025-1 3201990001');

-- the registry: C moved, D given another type, E renamed (not a change), a new school H
UPDATE xinyu.school SET district_code = '320198' WHERE school_code = '3201990003';
UPDATE xinyu.school SET school_type = 'junior' WHERE school_code = '3201990004';
UPDATE xinyu.school SET school_name = 'E 学校' WHERE school_code = '3201990005';
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
VALUES ('3201980002', 'H 小学', '320198', 'primary', true);
SELECT pg_temp.assert_eq('the registry changed',
    pg_temp.unseen(:'s0'),
    '2023-2024-2 3201990002, 2024-2025-1 3201990001, '
    'registry 3201980002 320198, registry 3201990003 320198, registry 3201990003 320199, '
    'registry 3201990004 320199');

-- a later snapshot sees all of it
INSERT INTO snap SELECT 's1', xinyu.change_snapshot();
SELECT s AS s1 FROM snap WHERE name = 's1' \gset
SELECT pg_temp.assert_eq('a later snapshot has seen them', pg_temp.unseen(:'s1'), '');

-- a snapshot newer than now (a state restored into another server) is not covered
SELECT pg_temp.assert_eq('a snapshot from the future',
    xinyu.change_log_covers(format('%s:%s:', pg_snapshot_xmin(:'s1'),
                                   (pg_snapshot_xmax(:'s1')::text::bigint + 1000000)::text)::pg_snapshot),
    false);

-- a transaction running when a snapshot was taken is unseen by it, though older than its
-- newest: the snapshot of the time A's new version was being stored
SELECT pg_temp.assert_eq('a transaction running then is unseen',
    pg_temp.unseen(format('%s:%s:%s', t.txid, pg_snapshot_xmax(:'s1'), t.txid)::pg_snapshot),
    '2024-2025-1 3201990001')
FROM (SELECT l.txid FROM xinyu.change_log l
      WHERE l.period = '2024-2025-1' AND l.school_codes = '{3201990001}'
      ORDER BY l.txid DESC LIMIT 1) t;

-- the caller's own transaction: what it changes after its snapshot was stored is unseen,
-- also when a newer transaction (another session's) has ended meanwhile
BEGIN;
SELECT pg_temp.submit('3201980001', '2024-2025-1', '2025-01-12 10:00:00+08', :'g');
\setenv CHANGE_LOG_DB :DBNAME
\! psql -X -q -At -d "$CHANGE_LOG_DB" -c 'SELECT pg_current_xact_id() IS NOT NULL' >/dev/null
INSERT INTO snap SELECT 'own', xinyu.change_snapshot();
SELECT pg_temp.assert_eq('its own changes are unseen by its own state',
    pg_temp.unseen((SELECT s FROM snap WHERE name = 'own')), '2024-2025-1 3201980001');
COMMIT;
SELECT pg_temp.assert_eq('and by the snapshots before it',
    pg_temp.unseen(:'s1'), '2024-2025-1 3201980001');

-- a transaction counted as running in a snapshot: among the others in increasing order (as
-- numbers, not as text), below the oldest, or not at all when it had not begun
SELECT pg_temp.assert_eq('counted as running, in order',
    xinyu.snapshot_unseen('995:10005:998,1001', '9999')::text, '995:10005:998,1001,9999');
SELECT pg_temp.assert_eq('older than the oldest running',
    xinyu.snapshot_unseen('1000:2000:1500', '990')::text, '990:2000:990,1500');
SELECT pg_temp.assert_eq('already listed',
    xinyu.snapshot_unseen('1000:2000:1500', '1500')::text, '1000:2000:1500');
SELECT pg_temp.assert_eq('not begun when it was taken',
    xinyu.snapshot_unseen('1000:2000:1500', '2000')::text, '1000:2000:1500');
SELECT pg_temp.assert_eq('no transaction',
    xinyu.snapshot_unseen('1000:2000:1500', NULL)::text, '1000:2000:1500');

-- a row deleted is a change
DELETE FROM xinyu.submission WHERE school_code = '3201990006';
SELECT pg_temp.assert_eq('a version deleted',
    pg_temp.unseen(:'s1'), '2024-2025-1 3201980001, 2024-2025-1 3201990006');

-- pruning: a state kept (the outliers of T2, refreshed in a snapshot after s1) holds back
-- what it has not seen; s0, older than every state, is no longer covered
SELECT xinyu.outliers_refresh(ARRAY['2024-2025-1']);
UPDATE xinyu.submission SET is_current = true WHERE school_code = '3201990002' AND period = '2023-2024-2';
SELECT pg_temp.assert_eq('rows dropped', xinyu.change_log_prune() > 0, true);
SELECT pg_temp.assert_eq('s0 no longer covered', xinyu.change_log_covers(:'s0'), false);
SELECT pg_temp.assert_eq('the state still is',
    xinyu.change_log_covers((SELECT since FROM xinyu.kept_term WHERE kind = 'outliers' AND period = '2024-2025-1')), true);
SELECT pg_temp.assert_eq('what it has not seen is kept',
    pg_temp.unseen((SELECT since FROM xinyu.kept_term WHERE kind = 'outliers' AND period = '2024-2025-1')),
    '2023-2024-2 3201990002');
SELECT pg_temp.assert_eq('pruning again drops nothing', xinyu.change_log_prune(), 0::bigint);

-- a state not refreshed in 30 days does not hold the log back
UPDATE xinyu.kept_term SET refreshed_at = now() - interval '31 days';
SELECT pg_temp.assert_eq('the old state no longer holds it', xinyu.change_log_prune() > 0, true);
SELECT pg_temp.assert_eq('and is not covered',
    xinyu.change_log_covers((SELECT since FROM xinyu.kept_term WHERE kind = 'outliers' AND period = '2024-2025-1')), false);

-- only the report reads the log and the owner prunes it for ingest
DO $$
BEGIN
    SET LOCAL ROLE xinyu_ingest;
    BEGIN
        PERFORM count(*) FROM xinyu.change_log;
        RAISE EXCEPTION 'xinyu_ingest can read the log of changes';
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;
    END;
    PERFORM xinyu.change_log_prune();
    RESET ROLE;
    SET LOCAL ROLE xinyu_report;
    BEGIN
        DELETE FROM xinyu.change_log;
        RAISE EXCEPTION 'xinyu_report can delete from the log of changes';
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;
    END;
    RAISE NOTICE 'ok: the roles';
END
$$;

-- a table emptied: no state kept before it is covered
INSERT INTO snap SELECT 's2', xinyu.change_snapshot();
SELECT pg_temp.assert_eq('covered before', xinyu.change_log_covers((SELECT s FROM snap WHERE name = 's2')), true);
TRUNCATE xinyu.submission CASCADE;
SELECT pg_temp.assert_eq('not after an emptied table',
    xinyu.change_log_covers((SELECT s FROM snap WHERE name = 's2')), false);
-- the registry emptied, likewise
INSERT INTO snap SELECT 's3', xinyu.change_snapshot();
SELECT pg_temp.assert_eq('covered before the registry is emptied',
    xinyu.change_log_covers((SELECT s FROM snap WHERE name = 's3')), true);
TRUNCATE xinyu.school CASCADE;
SELECT pg_temp.assert_eq('not after an emptied registry',
    xinyu.change_log_covers((SELECT s FROM snap WHERE name = 's3')), false);
