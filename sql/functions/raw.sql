-- raw.sql: where the bytes of a raw submission are kept (schema/026_raw_blocks.sql): its own
-- gzip member (body_gz: workbooks, and every row stored before the blocks) or a slice of its
-- batch's block. `xinyu raw RAW_ID` (cli/cmd_raw.c) inflates them and checks their SHA-256.

-- The raw submission p_raw_id: the SHA-256 recorded when it arrived (hex), its length, the gzip
-- member its bytes are in and where they start in it once inflated (0 for a member of its
-- own); body_gz NULL when its bytes were not kept. No row when there is no such submission.
CREATE OR REPLACE FUNCTION xinyu.raw_bytes(p_raw_id bigint)
RETURNS TABLE (
    sha256 text,
    byte_size bigint,
    body_gz bytea,
    body_off integer
)
LANGUAGE sql STABLE
AS $$
SELECT encode(r.sha256, 'hex'), r.byte_size, coalesce(r.body_gz, b.body_gz),
       coalesce(r.block_off, 0)
FROM xinyu.raw_submission r
LEFT JOIN xinyu.raw_block b ON b.block_id = r.block_id
WHERE r.raw_id = p_raw_id
$$;

COMMENT ON FUNCTION xinyu.raw_bytes(bigint) IS
    'Where the bytes of raw submission p_raw_id are: its SHA-256 (hex), length, gzip member and offset in it once inflated.';

-- the roles of the nightly work read no raw bytes this way (the report role has
-- xinyu.rejected_workbook); the owner, who runs xinyu raw, does
REVOKE ALL ON FUNCTION xinyu.raw_bytes(bigint) FROM PUBLIC;
