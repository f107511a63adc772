-- 022_publish.sql: the inputs fingerprint of a published report (xinyu.inputs_sha256) and the
-- freeze of published reports. Fixture: fixtures/indicators_fixture.sql, whose submissions
-- carry no SHA-256; they are given one here, made from their submission ids.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

UPDATE xinyu.raw_submission r SET sha256 = sha256(convert_to('submission ' || s.submission_id, 'UTF8'))
FROM xinyu.submission s WHERE s.raw_id = r.raw_id;

-- The definition, spelt out: SHA-256 over the ascending concatenation of the SHA-256 of the
-- current submissions of the terms by active schools (the inactive F and B's superseded
-- version are left out).
SELECT pg_temp.assert_eq('publish: inputs of the review year',
    xinyu.inputs_sha256(ARRAY['2023-2024-2', '2024-2025-1']),
    (SELECT sha256(string_agg(h, ''::bytea ORDER BY h))
     FROM (SELECT sha256(convert_to('submission ' || s.submission_id, 'UTF8')) AS h
           FROM xinyu.submission s JOIN xinyu.school sc USING (school_code)
           WHERE s.is_current AND sc.active AND s.period IN ('2023-2024-2', '2024-2025-1')) x));
SELECT pg_temp.assert_eq('publish: seven inputs in the year',
    (SELECT count(*) FROM xinyu.submission s JOIN xinyu.school sc USING (school_code)
     WHERE s.is_current AND sc.active AND s.period IN ('2023-2024-2', '2024-2025-1')), 7::bigint);
SELECT pg_temp.assert_eq('publish: no inputs is the hash of nothing',
    xinyu.inputs_sha256(ARRAY['2019-2020-1']), sha256(''::bytea));

-- Loading anything for another term changes nothing; a resubmission changes it.
CREATE TEMP TABLE before AS SELECT xinyu.inputs_sha256(ARRAY['2023-2024-2', '2024-2025-1']) AS h;
SELECT pg_temp.submit('3201990001', '2022-2023-2', '2023-07-01 10:00+08', '{"1": [10, 1]}');
SELECT pg_temp.assert_eq('publish: another term does not count',
    xinyu.inputs_sha256(ARRAY['2023-2024-2', '2024-2025-1']), (SELECT h FROM before));
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201990001' AND period = '2024-2025-1';
SELECT pg_temp.submit('3201990001', '2024-2025-1', '2025-01-19 10:00+08', '{"1": [10, 1]}') AS resubmission \gset
UPDATE xinyu.raw_submission r SET sha256 = sha256('resubmission'::bytea)
FROM xinyu.submission s WHERE s.raw_id = r.raw_id AND s.submission_id = :resubmission;
SELECT pg_temp.assert_eq('publish: a resubmission counts',
    xinyu.inputs_sha256(ARRAY['2023-2024-2', '2024-2025-1']) <> (SELECT h FROM before), true);

-- A published report is frozen; an unlabelled one may still be removed.
INSERT INTO xinyu.report (kind, scope, document, label) VALUES
    ('indicators', '{"year": 2024}', '{"rows": []}', 'v1'),
    ('indicators', '{"year": 2024}', '{"rows": []}', NULL);
DO $$
BEGIN
    BEGIN
        UPDATE xinyu.report SET document = '{}' WHERE label = 'v1';
        RAISE EXCEPTION 'a published report was changed';
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RAISE NOTICE 'ok: publish: update refused';
    END;
    BEGIN
        DELETE FROM xinyu.report WHERE label = 'v1';
        RAISE EXCEPTION 'a published report was deleted';
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RAISE NOTICE 'ok: publish: delete refused';
    END;
    BEGIN
        INSERT INTO xinyu.report (kind, scope, document, label) VALUES ('indicators', '{}', '{}', 'v1');
        RAISE EXCEPTION 'a label was published twice';
    EXCEPTION WHEN unique_violation THEN
        RAISE NOTICE 'ok: publish: a label once';
    END;
END
$$;
DELETE FROM xinyu.report WHERE label IS NULL;
SELECT pg_temp.assert_eq('publish: the published one stays',
    (SELECT count(*) FROM xinyu.report), 1::bigint);

-- The report role computes the fingerprint.
SET ROLE xinyu_report;
SELECT pg_temp.assert_eq('publish: the report role computes it',
    octet_length(xinyu.inputs_sha256(ARRAY['2024-2025-1'])), 32);
RESET ROLE;
