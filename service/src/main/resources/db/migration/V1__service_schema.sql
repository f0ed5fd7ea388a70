-- Schema of the quantization service; plain SQL that H2 (embedded default) and PostgreSQL both run.

CREATE TABLE assets (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    tenant      VARCHAR(200) NOT NULL,
    kind        VARCHAR(20)  NOT NULL,
    name        VARCHAR(300) NOT NULL,
    format      VARCHAR(40)  NOT NULL,
    size_bytes  BIGINT       NOT NULL,
    sha256      VARCHAR(64)  NOT NULL,
    blob_key    VARCHAR(300) NOT NULL,
    info_json   VARCHAR      NOT NULL,
    created_at  TIMESTAMP    NOT NULL,
    CONSTRAINT assets_content UNIQUE (tenant, kind, sha256)
);

CREATE TABLE jobs (
    id                  VARCHAR(36)  NOT NULL PRIMARY KEY,
    tenant              VARCHAR(200) NOT NULL,
    state               VARCHAR(20)  NOT NULL,
    model_id            VARCHAR(36)  NOT NULL,
    calibration_set_id  VARCHAR(36)  NOT NULL,
    settings_json       VARCHAR      NOT NULL,
    webhook_url         VARCHAR(2000),
    idempotency_key     VARCHAR(200),
    request_sha256      VARCHAR(64)  NOT NULL,
    backend             VARCHAR(60),
    stage               VARCHAR(300),
    layers_done         INTEGER      NOT NULL,
    layers_total        INTEGER      NOT NULL,
    attempts            INTEGER      NOT NULL,
    error_type          VARCHAR(100),
    error_detail        VARCHAR,
    created_at          TIMESTAMP    NOT NULL,
    started_at          TIMESTAMP,
    finished_at         TIMESTAMP,
    CONSTRAINT jobs_idempotency UNIQUE (tenant, idempotency_key)
);

CREATE INDEX jobs_by_tenant_state ON jobs (tenant, state, created_at);
CREATE INDEX jobs_by_state ON jobs (state, created_at);

CREATE TABLE job_layers (
    id           VARCHAR(60)  NOT NULL PRIMARY KEY,
    job_id       VARCHAR(36)  NOT NULL,
    seq          INTEGER      NOT NULL,
    name         VARCHAR(500) NOT NULL,
    rel_error    DOUBLE PRECISION,
    finished_at  TIMESTAMP    NOT NULL
);

CREATE INDEX job_layers_by_job ON job_layers (job_id, seq);
