-- publish.sql: published versions of a report and the fingerprints of a report's inputs.
-- A report stored with a label is frozen: "xinyu report --version LABEL" renders it again
-- from its stored document, so the label must name the same document for ever.

-- The fingerprint of a report's inputs: SHA-256 over the concatenation, in ascending byte
-- order, of the 32-byte SHA-256 (xinyu.raw_submission.sha256, of the bytes as received after
-- inflating) of every current submission of p_periods by a school active in the registry,
-- i.e. exactly the submissions xinyu.school_facts reads. With no such submission it is the
-- SHA-256 of no bytes. A resubmission, a new school's first report or a school leaving the
-- registry changes it; loading anything for other terms does not.
CREATE OR REPLACE FUNCTION xinyu.inputs_sha256(p_periods text[])
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT sha256(coalesce(string_agg(r.sha256, ''::bytea ORDER BY r.sha256), ''::bytea))
    FROM xinyu.submission s
    JOIN xinyu.school sc ON sc.school_code = s.school_code
    JOIN xinyu.raw_submission r ON r.raw_id = s.raw_id
    WHERE s.is_current
      AND s.period = ANY (p_periods)
      AND sc.active
      AND r.sha256 IS NOT NULL
$$;

-- A published report is never changed or deleted; publishing again takes a new label.
CREATE OR REPLACE FUNCTION xinyu.report_frozen()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the published report "%" cannot be changed', OLD.label
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Publish a new version under another label.';
END
$$;

CREATE OR REPLACE TRIGGER report_frozen
    BEFORE UPDATE OR DELETE ON xinyu.report
    FOR EACH ROW WHEN (OLD.label IS NOT NULL)
    EXECUTE FUNCTION xinyu.report_frozen();

-- What an indicator report of p_periods is made from, in a few words: the submissions of
-- those terms (rows are only ever added: a new version is a new row, and a version loses
-- its place only to a new one) and the last registry applied. "xinyu run" compares it with
-- the state it wrote the report from and writes the report again only when it differs.
-- The submissions are counted as current and superseded ones, each from its partial index
-- alone (submission_period, submission_superseded), and the largest id is read from the end
-- of the primary key: counted in one pass over the table, they took 0.1 s of every night at
-- 200,000 schools (and three processes), before either of the report's lanes could start.
CREATE OR REPLACE FUNCTION xinyu.report_inputs_state(p_periods text[])
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT format('submissions=%s:%s registry=%s',
                  (SELECT count(*) FROM xinyu.submission s
                   WHERE s.is_current AND s.period = ANY (p_periods))
                  + (SELECT count(*) FROM xinyu.submission s
                     WHERE NOT s.is_current AND s.period = ANY (p_periods)),
                  (SELECT coalesce(max(s.submission_id), 0) FROM xinyu.submission s
                   WHERE s.period = ANY (p_periods)),
                  (SELECT coalesce(max(r.run_id), 0) FROM xinyu.registry_load r))
$$;

GRANT EXECUTE ON FUNCTION xinyu.inputs_sha256(text[]), xinyu.report_inputs_state(text[])
    TO xinyu_report;
