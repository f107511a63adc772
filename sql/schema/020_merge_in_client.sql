-- 020_merge_in_client.sql: the merge of a batch is decided in the worker (transform/xform_merge.c)
-- from one lookup (xinyu.merge_lookup) and COPYed straight into the core tables; the staging
-- tables of items, submissions, issues and ranks and the function that merged them are gone.
DROP FUNCTION IF EXISTS xinyu.merge_batch(bigint);
