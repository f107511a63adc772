-- 025_registry_and_seen_constraints.sql: the foreign keys of the registry's schools and of the
-- problems the nightly run has seen are checked by what writes them, not row by row (as the
-- merge's are, 021).
--
-- xinyu.registry_apply alone writes the schools, each with a district it has just written
-- from the same file, and nothing deletes a district. xinyu.standing_record alone writes
-- xinyu.problem_seen, in its run's transaction, each row with the raw id of a current
-- submission it has just read; nothing deletes a run or a raw submission. A check per row
-- took a share lock on the referenced row of a district or of the run for each of 200,000
-- schools and 38,000 problems of a first night (1.4 s of a 2.4 s registry load).
-- tests/integration/registry.sh and tests/integration/standing_state.sh check every
-- reference.
ALTER TABLE xinyu.school DROP CONSTRAINT IF EXISTS school_district_code_fkey;
ALTER TABLE xinyu.problem_seen DROP CONSTRAINT IF EXISTS problem_seen_raw_id_fkey;
ALTER TABLE xinyu.problem_seen DROP CONSTRAINT IF EXISTS problem_seen_first_seen_run_fkey;
