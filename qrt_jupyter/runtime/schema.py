"""The store's tables, and the migrations from one schema version to the next.

``PRAGMA user_version`` holds the version a store file was written with;
``Store`` applies ``MIGRATIONS[v]`` for every version ``v`` it is behind, in
one transaction, and refuses a file newer than :data:`SCHEMA_VERSION`.
"""

SCHEMA_VERSION = 2

_SCHEMA = """
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
    job_id  TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    data    TEXT NOT NULL,
    time    REAL NOT NULL,
    PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    job_id  TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    stream  TEXT NOT NULL,
    text    TEXT NOT NULL,
    time    REAL NOT NULL,
    PRIMARY KEY (job_id, idx)
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

# Migrations from user_version N to N+1; index 0 creates version 1.
# 1 -> 2: where each job ran ("local:<pid>" or a Dask worker's address), for job.metrics()["worker"]
MIGRATIONS: list[str] = [_SCHEMA, "ALTER TABLE jobs ADD COLUMN worker TEXT"]
