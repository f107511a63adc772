-- 005_runs_registry.sql: the record of the last registry applied (functions/registry.sql).

-- The last registry file applied, so that an unchanged file costs nothing.
CREATE TABLE xinyu.registry_load (
    run_id bigint PRIMARY KEY REFERENCES xinyu.run,
    sha256 bytea NOT NULL,
    path text NOT NULL,
    schools integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON xinyu.registry_load TO xinyu_ingest, xinyu_report;
