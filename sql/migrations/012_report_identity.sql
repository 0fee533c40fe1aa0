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

-- Nothing refers to a report this migration does not move: a table added later with a reference to reports
-- must be handled here, not have its rows cascade away or block the merge.
do $$
begin
  if exists (
    select 1 from pg_constraint
    where contype = 'f' and confrelid = 'reports'::regclass
      and conrelid not in ('incident_reports'::regclass, 'policy_positions'::regclass)
  ) then
    raise exception 'a table refers to reports that migration 012 does not know how to merge';
  end if;
end
$$;

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

-- Links and citations move to the kept report.
insert into incident_reports (incident_id, report_id, created_at)
select l.incident_id, x.keep_id, l.created_at
from incident_reports l join report_rekey x on x.id = l.report_id
where x.id <> x.keep_id
on conflict (incident_id, report_id) do nothing;

update policy_positions p
set source_report_id = x.keep_id
from report_rekey x
where p.source_report_id = x.id and x.id <> x.keep_id;

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
