-- 016_feedback_workbooks.sql: the report role reads the bytes of a submission, so that a
-- rejected workbook can be sent back to its school as its own figures with every problem cell
-- marked (SUBMISSION.md section 7; report/report_feedback.c). It still writes nothing there.

GRANT SELECT (body_gz) ON xinyu.raw_submission TO xinyu_report;
