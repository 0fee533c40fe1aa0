-- Idempotency keys of creating mutations. A mutation sent with an idempotencyKey records the key here in the
-- same transaction as its write, with the id of what it created: a retry with the same key (after a timeout,
-- a dropped connection, a server shutdown) finds it and returns that record instead of creating another.
-- Keys belong to the API key that sent them, so two clients cannot collide or read each other's.
create table idempotency_keys (
  api_key_id bigint not null references api_keys (id) on delete cascade,
  key text not null check (length(key) between 1 and 200),
  -- The mutation that used the key, and a hash of its arguments: the same key for another request is refused.
  operation text not null,
  fingerprint text not null,
  -- What the first request created; set before its transaction commits.
  result_id bigint,
  created_at timestamptz not null default now(),
  primary key (api_key_id, key)
);

-- Keys are kept for a day; the periodic clean-up deletes older ones by this index.
create index idempotency_keys_created_at_idx on idempotency_keys (created_at);
