-- 028_stage_roles_read_migrations.sql: a login that does not own Xinyu's tables works with
-- the stages' roles (002: GRANT xinyu_ingest, xinyu_report TO login). Every command first
-- checks that the database has the schema and the functions it was built with, from
-- xinyu.schema_migration and xinyu.function_set, which only the owner could read until now:
-- such a login stopped there. They name the SQL files applied and their SHA-256, nothing else.
GRANT SELECT ON xinyu.schema_migration, xinyu.function_set TO xinyu_ingest, xinyu_report;
