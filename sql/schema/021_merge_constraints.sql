-- 021_merge_constraints.sql: the foreign keys of the tables only the merge writes are checked
-- by the merge itself, not row by row.
--
-- The merge (transform/xform_merge.c) writes raw_submission, submission, submission_issue and
-- run_item in one transaction per batch: every raw id it refers to is one it stored in that
-- transaction or read in its lookup, the run is its own, and a school is one the lookup found
-- in the registry (the registry never deletes a school, it marks it inactive). Nothing deletes
-- from these tables or from xinyu.run, and no role but the owner could. Their foreign-key
-- triggers were a third of the server's time of a load (a query per row and key, seven per
-- submission), checking what was known to hold. tests/integration/merge_integrity.sh checks
-- that it does after loads of every kind.
ALTER TABLE xinyu.raw_submission DROP CONSTRAINT IF EXISTS raw_submission_run_id_fkey;
ALTER TABLE xinyu.submission DROP CONSTRAINT IF EXISTS submission_raw_id_fkey;
ALTER TABLE xinyu.submission DROP CONSTRAINT IF EXISTS submission_school_code_fkey;
ALTER TABLE xinyu.submission DROP CONSTRAINT IF EXISTS submission_run_id_fkey;
ALTER TABLE xinyu.submission_issue DROP CONSTRAINT IF EXISTS submission_issue_raw_id_fkey;
ALTER TABLE xinyu.run_item DROP CONSTRAINT IF EXISTS run_item_run_id_fkey;
ALTER TABLE xinyu.run_item DROP CONSTRAINT IF EXISTS run_item_raw_id_fkey;
