-- The write side: API keys, incident history, and the append-only event log that subscriptions read.

create table api_keys (
  id bigint generated always as identity primary key,
  name text not null check (length(btrim(name)) between 1 and 100),
  role text not null check (role in ('reader', 'editor', 'admin')),
  -- The first characters of the key, kept in clear so an operator can tell keys apart in `key list`.
  prefix text not null,
  -- sha256 of the whole key: keys are long random strings, so a fast hash is enough and lookups stay O(1).
  key_hash bytea not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_keys_key_hash_key unique (key_hash)
);

-- Every change to an incident, with the state before and after, for audit and "what changed" views.
create table incident_history (
  id bigint generated always as identity primary key,
  incident_id bigint not null references incidents (id) on delete cascade,
  version integer not null,
  change text not null check (change in ('created', 'updated', 'merged', 'merged_from')),
  before jsonb,
  after jsonb not null,
  api_key_id bigint references api_keys (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint incident_history_version_key unique (incident_id, version, change)
);

-- The outbox. Ids are taken from this sequence only while holding a transaction-level advisory lock
-- (see src/events/log.ts), so ids commit in increasing order and a reader's cursor never passes an event
-- that commits later.
create sequence events_id_seq as bigint;

create table events (
  id bigint primary key,
  kind text not null check (kind in (
    'report_added', 'incident_created', 'incident_updated', 'incident_merged',
    'position_recorded', 'position_retracted')),
  entity_id bigint not null,
  -- What subscription filters match on, captured at write time so replay filters exactly as live did.
  attributes jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index events_kind_idx on events (kind, id);
