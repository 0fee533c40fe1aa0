import type { Queryable } from '../db/index.js';

export const REGION_LEVELS = ['region', 'subregion', 'intermediate_region'] as const;
/** M49's levels below the World: continental regions, sub-regions, intermediate regions. */
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** A UN M49 region with every country in it, at any depth (ISO 3166-1 alpha-2, sorted). */
export interface RegionRow {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  countries: string[];
}

const columns = (sql: Queryable) => sql`
  r.code, r.name, r.level, r.parent_code,
  array(select c.country from region_countries c where c.region_code = r.code order by c.country) as countries
`;

/** Every region, optionally of one level, in code order (a short list: M49 has 29). */
export async function listRegions(sql: Queryable, level?: RegionLevel): Promise<RegionRow[]> {
  return sql<RegionRow[]>`
    select ${columns(sql)} from regions r
    where true ${level ? sql`and r.level = ${level}` : sql``}
    order by r.code
  `;
}

/** Regions by code, in the order asked, null where missing. */
export async function regionsByCodes(sql: Queryable, codes: readonly string[]): Promise<(RegionRow | null)[]> {
  const rows = await sql<RegionRow[]>`select ${columns(sql)} from regions r where r.code = any(${codes})`;
  const byCode = new Map(rows.map((row) => [row.code, row]));
  return codes.map((code) => byCode.get(code) ?? null);
}

/** The region with this M49 code ("419") or this name, case and accents aside ("latin america and the caribbean"). */
export async function findRegion(sql: Queryable, codeOrName: string): Promise<RegionRow | null> {
  const [row] = await sql<RegionRow[]>`
    select ${columns(sql)} from regions r
    where r.code = ${codeOrName} or lower(f_unaccent(r.name)) = lower(f_unaccent(${codeOrName}))
  `;
  return row ?? null;
}
