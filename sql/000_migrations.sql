-- 000_migrations.sql: the schema and the record of applied migrations.
-- Applied on every "db migrate", so it must stay idempotent.
CREATE SCHEMA IF NOT EXISTS xinyu;
CREATE TABLE IF NOT EXISTS xinyu.schema_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    sha256 text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
