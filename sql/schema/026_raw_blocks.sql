-- 026_raw_blocks.sql: the raw zone keeps a batch's submissions compressed together.
--
-- Each submission was one gzip member of its own, about a kilobyte for two and a half of JSON:
-- a member that small compresses little (1.8 : 1) and costs a compressor's set-up every time
-- (a quarter of the loader's CPU at 200,000 submissions). A batch's new submissions, one after
-- another in the order received, make one member (about 6 : 1) in a third of the time. Each
-- raw submission records its block and where its bytes start in the block once inflated;
-- byte_size is their length. Workbooks (.xlsx, a zip already) keep their own member in
-- body_gz, which the rejected workbook's letter reads; so does every row stored before this.
-- `xinyu raw RAW_ID` writes any raw submission's bytes back, checked against its SHA-256.
CREATE TABLE xinyu.raw_block (
    block_id bigserial PRIMARY KEY,
    run_id bigint NOT NULL,   -- the run whose batch wrote it
    body_gz bytea NOT NULL    -- one gzip member: the block's submissions one after another
);
-- compressed already: TOAST stores it out of line without trying to compress it again, and
-- no query filters on it (024)
ALTER TABLE xinyu.raw_block ALTER COLUMN body_gz SET STORAGE EXTERNAL;
ALTER TABLE xinyu.raw_block ALTER COLUMN body_gz SET STATISTICS 0;

-- Written by the merge in the same transaction as its block, like the merge's other
-- references (021), so no foreign key is checked row by row.
ALTER TABLE xinyu.raw_submission
    ADD COLUMN block_id bigint,
    ADD COLUMN block_off integer,
    ADD CONSTRAINT raw_submission_block_check
        CHECK ((block_id IS NULL) = (block_off IS NULL) AND (block_id IS NULL OR body_gz IS NULL)
               AND (block_off IS NULL OR block_off >= 0));

COMMENT ON COLUMN xinyu.raw_submission.block_id IS
    'The xinyu.raw_block holding the bytes, NULL when they are in body_gz or not kept';
COMMENT ON COLUMN xinyu.raw_submission.block_off IS
    'Where the bytes start in the inflated block; byte_size is their length';

-- the loader writes blocks; the report role reads no raw bytes
GRANT INSERT ON xinyu.raw_block TO xinyu_ingest;
GRANT USAGE ON SEQUENCE xinyu.raw_block_block_id_seq TO xinyu_ingest;

-- Nothing reads the raw zone by run (the run's items are xinyu.run_item's); the index cost
-- an insertion per submission.
DROP INDEX IF EXISTS xinyu.raw_submission_run;
