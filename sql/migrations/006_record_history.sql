-- Edit history for policy positions and actions, kept as incident_history keeps it for incidents: the
-- record before and after each change, and the key that made it. Readers diff the two (src/data/history.ts).

create table record_history (
  id bigint generated always as identity primary key,
  position_id bigint references policy_positions (id) on delete cascade,
  action_id bigint references actions (id) on delete cascade,
  change text not null check (change in ('created', 'updated', 'retracted')),
  before jsonb,
  after jsonb not null,
  api_key_id bigint references api_keys (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint record_history_one_target check (num_nonnulls(position_id, action_id) = 1)
);
-- A record's history newest first (by time, then id), one index per record kind.
create index record_history_position_idx on record_history (position_id, created_at, id) where position_id is not null;
create index record_history_action_idx on record_history (action_id, created_at, id) where action_id is not null;

-- incident_history is read the same way now; its unique key starts with incident_id but orders by version
-- and change, not by time.
create index incident_history_incident_idx on incident_history (incident_id, created_at, id);
-- Both tables name the key; a key's removal must find its history rows without a scan.
create index incident_history_api_key_idx on incident_history (api_key_id) where api_key_id is not null;
create index record_history_api_key_idx on record_history (api_key_id) where api_key_id is not null;
