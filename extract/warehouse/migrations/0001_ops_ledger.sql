-- The page ledger (DESIGN.md section 3): one row per sync job, one row per archived page.

create table ops.sync_jobs (
    job_id bigint generated always as identity primary key,
    batch_id text not null,
    network text not null,
    resource text not null,
    account text not null,
    status text not null default 'running'
        check (status in ('running', 'succeeded', 'failed', 'paused', 'interrupted')),
    cursor jsonb not null default '{}'::jsonb,
    previous_job_id bigint references ops.sync_jobs (job_id),
    last_synced_at timestamptz,
    resume_after timestamptz,
    pages integer not null default 0,
    rows_new bigint not null default 0,
    rows_updated bigint not null default 0,
    rows_unchanged bigint not null default 0,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    error text
);

create index sync_jobs_by_key on ops.sync_jobs (network, resource, account, job_id desc);
create index sync_jobs_by_batch on ops.sync_jobs (batch_id);

create table ops.sync_pages (
    job_id bigint not null references ops.sync_jobs (job_id),
    seq integer not null check (seq >= 0),
    token_in text,
    token_out text,
    raw_key text not null unique,
    sha256 text not null,
    rows integer not null,
    newest_id text,
    oldest_id text,
    fetched_at timestamptz not null,
    load_id text,
    primary key (job_id, seq)
);

create index sync_pages_unloaded on ops.sync_pages (job_id) where load_id is null;
