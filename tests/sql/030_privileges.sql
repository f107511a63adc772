-- 030_privileges.sql: the least-privilege roles. The ingest role cannot read or change the
-- report tables and cannot change the registry; the report role cannot change submissions;
-- neither can run DDL. Each forbidden statement must fail with insufficient_privilege.
CREATE FUNCTION pg_temp.must_fail(p_role text, p_sql text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    BEGIN
        EXECUTE p_sql;
    EXCEPTION WHEN insufficient_privilege THEN
        RESET ROLE;
        RETURN;
    END;
    RESET ROLE;
    RAISE EXCEPTION 'role % was allowed: %', p_role, p_sql;
END
$$;

CREATE FUNCTION pg_temp.must_pass(p_role text, p_sql text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    EXECUTE p_sql;
    RESET ROLE;
END
$$;

BEGIN;
INSERT INTO xinyu.district VALUES ('320199', '测试区');
INSERT INTO xinyu.school VALUES ('3201990001', '测试小学', '320199', 'primary', true);

-- ingest: reads the registry, never changes it; never sees reports; no DDL
SELECT pg_temp.must_pass('xinyu_ingest', 'SELECT count(*) FROM xinyu.school');
SELECT pg_temp.must_fail('xinyu_ingest', 'UPDATE xinyu.school SET active = false');
SELECT pg_temp.must_fail('xinyu_ingest', 'INSERT INTO xinyu.district VALUES (''320198'', ''x'')');
SELECT pg_temp.must_fail('xinyu_ingest', 'DELETE FROM xinyu.school');
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT count(*) FROM xinyu.report');
SELECT pg_temp.must_fail('xinyu_ingest', 'INSERT INTO xinyu.report (kind, scope, document) VALUES (''x'', ''{}'', ''{}'')');
SELECT pg_temp.must_fail('xinyu_ingest', 'UPDATE xinyu.submission SET staff_psych_fulltime = 9');
SELECT pg_temp.must_fail('xinyu_ingest', 'DELETE FROM xinyu.submission');
SELECT pg_temp.must_fail('xinyu_ingest', 'CREATE TABLE xinyu.evil (x int)');
SELECT pg_temp.must_fail('xinyu_ingest', 'CREATE TABLE public.evil (x int)');
SELECT pg_temp.must_fail('xinyu_ingest', 'DROP TABLE xinyu.submission');
SELECT pg_temp.must_fail('xinyu_ingest', 'ALTER TABLE xinyu.submission ADD COLUMN evil int');
SELECT pg_temp.must_fail('xinyu_ingest', 'TRUNCATE xinyu.raw_submission');
-- the ledger of problems sent: ingest only records problems (its issues' trigger), never
-- sees or changes what was sent
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT sent_run FROM xinyu.problem_ledger');
SELECT pg_temp.must_fail('xinyu_ingest', 'UPDATE xinyu.problem_ledger SET sent_run = NULL, sent_at = NULL');
SELECT pg_temp.must_fail('xinyu_ingest', 'DELETE FROM xinyu.problem_ledger');
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT xinyu.problems_mark_sent(ARRAY[''2024-2025-1''], 1)');

-- the reasons' Chinese texts (016): ingest writes them with the rest of an issue, never
-- rewrites them; report reads them
SELECT pg_temp.must_pass('xinyu_ingest', 'SELECT message_zh FROM xinyu.submission_issue');
SELECT pg_temp.must_fail('xinyu_ingest', 'UPDATE xinyu.submission_issue SET message_zh = ''x''');
SELECT pg_temp.must_pass('xinyu_report', 'SELECT message_zh FROM xinyu.submission_issue');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.submission_issue SET message_zh = ''x''');
DO $$
BEGIN
    IF NOT has_column_privilege('xinyu_ingest', 'xinyu.submission_issue', 'message_zh', 'INSERT') THEN
        RAISE EXCEPTION 'xinyu_ingest cannot store a reason''s Chinese text';
    END IF;
END
$$;

-- report: reads what was loaded and writes reports; never changes submissions; no DDL
SELECT pg_temp.must_pass('xinyu_report', 'SELECT count(*) FROM xinyu.submission');
SELECT pg_temp.must_pass('xinyu_report', 'SELECT count(*) FROM xinyu.report');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.submission SET is_current = false');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.submission SET grade_lessons[1] = 0');
SELECT pg_temp.must_pass('xinyu_report', 'SELECT count(*) FROM xinyu.submission_grade');
SELECT pg_temp.must_fail('xinyu_report', 'DELETE FROM xinyu.raw_submission');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.school SET active = false');
SELECT pg_temp.must_fail('xinyu_report', 'SELECT body_gz FROM xinyu.raw_submission');
SELECT pg_temp.must_fail('xinyu_report', 'SELECT body_gz FROM xinyu.raw_block');
-- the loader writes blocks and reads none back
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT body_gz FROM xinyu.raw_block');
SELECT pg_temp.must_fail('xinyu_ingest', 'DELETE FROM xinyu.raw_block');
-- ... but a rejected workbook's, to send it back to its school (NULL for anything else)
SELECT pg_temp.must_pass('xinyu_report', 'SELECT xinyu.rejected_workbook(1)');
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT xinyu.rejected_workbook(1)');
-- any raw submission's bytes (xinyu raw) are the owner's alone
SELECT pg_temp.must_fail('xinyu_report', 'SELECT * FROM xinyu.raw_bytes(1)');
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT * FROM xinyu.raw_bytes(1)');
SELECT pg_temp.must_fail('xinyu_report', 'CREATE TABLE xinyu.evil (x int)');
SELECT pg_temp.must_fail('xinyu_report', 'DROP TABLE xinyu.report');
SELECT pg_temp.must_fail('xinyu_report', 'CREATE FUNCTION xinyu.evil() RETURNS int LANGUAGE sql AS ''SELECT 1''');
-- the ledger: report reads it and marks problems sent; it neither adds, removes nor rewrites one
SELECT pg_temp.must_pass('xinyu_report', 'SELECT count(*) FROM xinyu.problem_ledger');
SELECT pg_temp.must_pass('xinyu_report', 'UPDATE xinyu.problem_ledger SET sent_run = sent_run, sent_at = sent_at');
SELECT pg_temp.must_fail('xinyu_report', 'INSERT INTO xinyu.problem_ledger (kind, raw_id, first_seen_run) VALUES (''warning'', 1, 1)');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.problem_ledger SET kind = ''warning''');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.problem_ledger SET first_seen_run = 1');
SELECT pg_temp.must_fail('xinyu_report', 'DELETE FROM xinyu.problem_ledger');
-- work summaries (017): ingest keeps them, never rewrites or removes one, never reads a body
-- back; report reads their figures, never their bodies, and cannot change them
SELECT pg_temp.must_pass('xinyu_ingest', 'SELECT summary_id, sha256 FROM xinyu.summary');
SELECT pg_temp.must_fail('xinyu_ingest', 'SELECT body FROM xinyu.summary');
SELECT pg_temp.must_fail('xinyu_ingest', 'UPDATE xinyu.summary SET figures = ''[]''');
SELECT pg_temp.must_fail('xinyu_ingest', 'DELETE FROM xinyu.summary');
SELECT pg_temp.must_pass('xinyu_report', 'SELECT figures, ref FROM xinyu.summary');
SELECT pg_temp.must_pass('xinyu_report', 'SELECT count(*) FROM xinyu.quality_summary_mismatches(ARRAY[''2024-2025-1''])');
SELECT pg_temp.must_fail('xinyu_report', 'SELECT body FROM xinyu.summary');
SELECT pg_temp.must_fail('xinyu_report', 'INSERT INTO xinyu.summary (sha256, byte_size, body, format, source, ref, school_code, period, run_id) VALUES (sha256(''''), 0, '''', ''txt'', ''s'', ''r'', ''3201990001'', ''2024-2025-1'', 1)');
SELECT pg_temp.must_fail('xinyu_report', 'UPDATE xinyu.summary SET figures = ''[]''');
SELECT pg_temp.must_fail('xinyu_report', 'DELETE FROM xinyu.summary');
ROLLBACK;
