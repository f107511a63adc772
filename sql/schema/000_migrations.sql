-- 000_migrations.sql: the schema and the records of what "db migrate" applied.
-- Applied on every "db migrate", so it must stay idempotent.
CREATE SCHEMA IF NOT EXISTS xinyu;

-- One row per schema migration (sql/schema/NNN_*.sql), applied once, never edited after.
CREATE TABLE IF NOT EXISTS xinyu.schema_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    sha256 text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row per function file (sql/functions/NAME.sql): the checksum of the text last applied.
-- A file whose checksum differs is applied again as a whole.
CREATE TABLE IF NOT EXISTS xinyu.function_set (
    name text PRIMARY KEY,
    sha256 text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
