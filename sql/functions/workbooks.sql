-- workbooks.sql: what the report role may read of the raw zone to send a rejected workbook
-- back to its school (SUBMISSION.md section 7; report/report_feedback.c). The role cannot
-- read xinyu.raw_submission.body_gz; this function, run with its owner's rights, hands over
-- the bytes of a rejected submission that is a workbook, and of nothing else.

CREATE OR REPLACE FUNCTION xinyu.rejected_workbook(p_raw_id bigint)
RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.body_gz
    FROM xinyu.raw_submission r
    WHERE r.raw_id = p_raw_id
      AND lower(r.ref) LIKE '%.xlsx'
      AND EXISTS (SELECT FROM xinyu.submission_issue i
                  WHERE i.raw_id = r.raw_id AND i.severity = 'reject')
      AND NOT EXISTS (SELECT FROM xinyu.submission s WHERE s.raw_id = r.raw_id)
$$;

COMMENT ON FUNCTION xinyu.rejected_workbook(bigint) IS
    'The gzip-compressed bytes of raw submission p_raw_id when it is a rejected .xlsx workbook, else NULL';

REVOKE ALL ON FUNCTION xinyu.rejected_workbook(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xinyu.rejected_workbook(bigint) TO xinyu_report;
