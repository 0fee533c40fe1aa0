-- Event positions without a global lock.
--
-- Until now ids were drawn under one transaction-level advisory lock held to COMMIT, so ids committed in
-- order. That lock (and a NOTIFY inside the transaction, which PostgreSQL also serialises at commit) made
-- every writer wait for the previous writer's WAL flush: on a disk with a 3 ms fdatasync, a few hundred
-- writes per second at most. Writers now run concurrently and share flushes, and the log is ordered by
-- (xact_id, id): the writing transaction's id, then the event id. A reader only reads below a horizon,
-- the oldest transaction that may still append an event (src/events/log.ts explains why that is safe), so
-- every event that commits later sorts after everything a reader has already passed.
alter table events add column xact_id xid8 not null default pg_current_xact_id();

create index events_position_idx on events (xact_id, id);
create index events_kind_position_idx on events (kind, xact_id, id);
drop index events_kind_idx;
