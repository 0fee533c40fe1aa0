-- One article, one report. A report's identity (url_key) now ignores the scheme (http and https of a page
-- are one report), a leading "www." of the host, and more tracking parameters than utm_*, fbclid and gclid;
-- and the stored URL itself loses its tracking parameters. src/data/urls.ts is the rule. Existing rows are
-- re-keyed here, and reports that turn out to be the same article are merged into the oldest of them,
-- keeping everything attached to any of them.

-- SQL mirrors of src/data/urls.ts, for this migration; test/urls.test.ts checks that they agree with it.
-- The service itself never calls them.

-- isTrackingParam: utm_* and the click ids of ad, social and mailing tools, by the name as written.
create function report_url_is_tracking(name text) returns boolean
language sql immutable parallel safe strict
return left(lower(name), 4) = 'utm_' or lower(name) = any (array[
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'twclid', 'ttclid', 'li_fat_id', 'igshid', 'yclid',
  'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'mkt_tok', '_ga', '_gl']);

-- cleanReportUrl: the URL as written, less its tracking parameters; unchanged when it has none.
create function report_url_clean(url text) returns text
language sql immutable parallel safe strict
as $$
  with parts as (
    select m[1] as base, m[2] as query, m[3] as fragment
    from regexp_match(url, '^([^?#]*)(?:\?([^#]*))?(#.*)?$') m
  ),
  pairs as (
    select p.pair, p.n from parts cross join unnest(string_to_array(parts.query, '&')) with ordinality p (pair, n)
  )
  select case
    when not exists (select 1 from pairs where pair <> '' and report_url_is_tracking(split_part(pair, '=', 1))) then url
    else base
      || coalesce('?' || (select string_agg(pair, '&' order by n) from pairs
                          where pair <> '' and not report_url_is_tracking(split_part(pair, '=', 1))), '')
      || coalesce(fragment, '')
  end
  from parts
$$;

-- normalizeReportUrl, for a key the earlier rule made (already parsed, lower-cased, sorted, without
-- fragment or default port): https, no "www.", no tracking parameters. Removing pairs keeps the sort.
create function report_url_rekey(url_key text) returns text
language sql immutable parallel safe strict
as $$
  with parts as (
    select m[1] as userinfo, m[2] as host, m[3] as port, m[4] as path, m[5] as query
    from regexp_match(url_key, '^https?://([^@/?#]*@)?(\[[^]]*\]|[^:/?#]*)(:[0-9]+)?([^?#]*)(?:\?([^#]*))?$') m
  ),
  pairs as (
    select p.pair, p.n from parts cross join unnest(string_to_array(parts.query, '&')) with ordinality p (pair, n)
  )
  select coalesce(
    (select 'https://' || coalesce(userinfo, '')
       || case when host like 'www.%' and strpos(substr(host, 5), '.') > 0 then substr(host, 5) else host end
       || coalesce(port, '') || path
       || coalesce('?' || (select string_agg(pair, '&' order by n) from pairs
                           where pair <> '' and not report_url_is_tracking(split_part(pair, '=', 1))), '')
     from parts),
    url_key)
$$;

-- Every report with its new key, and the report each group of one article keeps: the oldest.
create temporary table report_rekey on commit drop as
select id, new_key, min(id) over (partition by new_key) as keep_id
from (select id, report_url_rekey(url_key) as new_key from reports where url_key is not null) r;
-- The updates below look duplicates up by id.
create index report_rekey_id_idx on report_rekey (id);

-- The kept report takes what its duplicates know and it does not: a publication date, a summary.
update reports k
set published_on = d.published_on, published_precision = d.published_precision
from (
  select distinct on (x.keep_id) x.keep_id, r.published_on, r.published_precision
  from report_rekey x join reports r on r.id = x.id
  where x.id <> x.keep_id and r.published_on is not null
  order by x.keep_id, r.id
) d
where k.id = d.keep_id and k.published_on is null;

update reports k
set summary = d.summary
from (
  select distinct on (x.keep_id) x.keep_id, r.summary
  from report_rekey x join reports r on r.id = x.id
  where x.id <> x.keep_id and r.summary <> ''
  order by x.keep_id, r.id
) d
where k.id = d.keep_id and k.summary = '';

-- Links move to the kept report (an incident linked to two of the duplicates keeps one link).
insert into incident_reports (incident_id, report_id, created_at)
select l.incident_id, x.keep_id, l.created_at
from incident_reports l join report_rekey x on x.id = l.report_id
where x.id <> x.keep_id
on conflict (incident_id, report_id) do nothing;

-- Every other reference to a report (policy_positions.source_report_id, and whatever later tables point at
-- reports) moves by the same rule, found in the catalog so that none is left to cascade away with a
-- duplicate. A unique constraint that two merged reports would break fails the migration, naming it.
do $$
declare
  ref record;
begin
  if exists (
    select 1 from pg_constraint
    where contype = 'f' and confrelid = 'reports'::regclass and cardinality(conkey) <> 1
  ) then
    raise exception 'migration 012 moves single-column references to reports only';
  end if;
  for ref in
    select c.conrelid::regclass as tab, a.attname as col
    from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = 'reports'::regclass and c.conrelid <> 'incident_reports'::regclass
  loop
    execute format(
      'update %s t set %I = x.keep_id from report_rekey x where t.%I = x.id and x.id <> x.keep_id',
      ref.tab, ref.col, ref.col);
  end loop;
end
$$;

-- A replayed report_added of a duplicate delivers the report it became, not a missing one.
update events e
set entity_id = x.keep_id
from report_rekey x
where e.kind = 'report_added' and e.entity_id = x.id and x.id <> x.keep_id;

-- The duplicates go (their incident_reports rows with them: already copied above).
delete from reports r using report_rekey x where r.id = x.id and x.id <> x.keep_id;

-- Keys are unique again: a key the earlier rule made maps to the same new key as the key it becomes.
update reports r
set url_key = x.new_key, url = report_url_clean(r.url)
from report_rekey x
where r.id = x.id and (r.url_key <> x.new_key or r.url <> report_url_clean(r.url));
