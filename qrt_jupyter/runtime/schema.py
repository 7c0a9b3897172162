"""The store's tables, and the migrations from one schema version to the next.

``PRAGMA user_version`` holds the version a store file was written with;
``Store`` applies ``MIGRATIONS[v]`` for every version ``v`` it is behind, in
one transaction, and refuses a file newer than :data:`SCHEMA_VERSION`.
"""

SCHEMA_VERSION = 3

_INTERIM = """job_id  TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    data    TEXT NOT NULL,
    time    REAL NOT NULL,
    PRIMARY KEY (job_id, idx)"""
_LOGS = """job_id  TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    stream  TEXT NOT NULL,
    text    TEXT NOT NULL,
    time    REAL NOT NULL,
    PRIMARY KEY (job_id, idx)"""
"""The columns of the interim and logs tables (the same in every schema so far)."""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS programs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    data        TEXT NOT NULL,
    metadata    TEXT NOT NULL,
    created     REAL NOT NULL,
    updated     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id                  TEXT PRIMARY KEY,
    program_id          TEXT NOT NULL,
    program_data        TEXT,
    backend             TEXT NOT NULL,
    status              TEXT NOT NULL,
    inputs              TEXT NOT NULL,
    options             TEXT NOT NULL,
    session_id          TEXT,
    max_execution_time  REAL,
    log_level           TEXT,
    owner               TEXT,
    created             REAL NOT NULL,
    started             REAL,
    finished            REAL,
    updated             REAL NOT NULL,
    result              TEXT,
    error               TEXT,
    reason              TEXT,
    cancel_requested    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created DESC);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, backend);
CREATE INDEX IF NOT EXISTS jobs_by_updated ON jobs (updated);
CREATE INDEX IF NOT EXISTS jobs_by_session ON jobs (session_id);
CREATE TABLE IF NOT EXISTS interim (
    {_INTERIM}
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    {_LOGS}
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY,
    backend     TEXT,
    max_time    REAL,
    created     REAL NOT NULL,
    closed      REAL,
    state       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS owners (
    token       TEXT PRIMARY KEY,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    heartbeat   REAL NOT NULL
);
"""

_ROWID_LOGS_AND_INTERIM = f"""
CREATE TABLE interim_v2 (
    {_INTERIM}
);
INSERT INTO interim_v2 (job_id, idx, data, time) SELECT job_id, idx, data, time FROM interim;
DROP TABLE interim;
ALTER TABLE interim_v2 RENAME TO interim;
CREATE TABLE logs_v2 (
    {_LOGS}
);
INSERT INTO logs_v2 (job_id, idx, stream, text, time) SELECT job_id, idx, stream, text, time FROM logs;
DROP TABLE logs;
ALTER TABLE logs_v2 RENAME TO logs;
"""
"""Version 3: interim results and logs in ordinary (rowid) tables. ``WITHOUT ROWID`` keeps a
whole row in the primary-key b-tree, and rows of log text are far too big for that: pages
split half empty and the logs took several times their size on disk."""

# Migrations from user_version N to N+1; index 0 creates version 1.
# 1 -> 2: where each job ran ("local:<pid>" or a Dask worker's address), for job.metrics()["worker"]
# 2 -> 3: interim results and logs in rowid tables
MIGRATIONS: list[str] = [_SCHEMA, "ALTER TABLE jobs ADD COLUMN worker TEXT", _ROWID_LOGS_AND_INTERIM]
