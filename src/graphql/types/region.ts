import { findRegion, listRegions, regionsByCodes, type RegionLevel, type RegionRow } from '../../data/regions.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { badInput } from '../errors.js';
import { batchLoader } from '../loaders.js';

export const RegionLevelEnum = builder.enumType('RegionLevel', {
  description: 'The levels of UN M49 below the World.',
  values: {
    REGION: { value: 'region', description: 'A continental region, e.g. "019" Americas.' },
    SUBREGION: { value: 'subregion', description: 'A sub-region, e.g. "419" Latin America and the Caribbean.' },
    INTERMEDIATE_REGION: { value: 'intermediate_region', description: 'An intermediate region, e.g. "013" Central America.' },
  } satisfies Record<string, { value: RegionLevel; description: string }>,
});

/** A region by code, batched per request (facets and parents name regions by code). */
export function loadRegion(context: GraphQLContext, code: string): Promise<RegionRow | null> {
  return batchLoader(context, 'regions', (codes: readonly string[]) => regionsByCodes(context.sql, codes)).load(code);
}

export const RegionRef = builder.objectRef<RegionRow>('Region');

RegionRef.implement({
  description:
    'A region of the UN M49 standard (United Nations Statistics Division, "Standard country or area codes for statistical use"), with the countries in it. Taiwan and Kosovo are in no M49 region.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The three-digit M49 code, e.g. "419".' }),
    name: t.exposeString('name', { description: 'The M49 name in English, e.g. "Latin America and the Caribbean".' }),
    level: t.field({ type: RegionLevelEnum, description: 'Region, sub-region or intermediate region.', resolve: (row) => row.level }),
    parent: t.field({
      type: RegionRef,
      nullable: true,
      description: 'The region this one is part of; null for the five continental regions.',
      resolve: (row, _args, context) => (row.parent_code ? loadRegion(context, row.parent_code) : null),
    }),
    countries: t.exposeStringList('countries', {
      description: 'ISO 3166-1 alpha-2 codes of every country in it, through its sub-regions too, sorted.',
    }),
  }),
});

builder.queryFields((t) => ({
  regions: t.field({
    type: [RegionRef],
    description: 'The UN M49 regions (29 of them), in code order: what the `region` filter of incidents takes.',
    args: { level: t.arg({ type: RegionLevelEnum, description: 'Only regions of this level.' }) },
    resolve: (_root, args, context) => listRegions(context.sql, args.level ?? undefined),
  }),
}));

/** Resolves the `region` argument of a filter (an M49 code or name) to its code; unknown ones are refused. */
export async function regionCode(context: GraphQLContext, value: string | null | undefined, argument: string): Promise<string | undefined> {
  const text = value?.trim();
  if (!text) return undefined;
  if (text.length > 100) throw badInput(`${argument} must be an M49 code or region name, at most 100 characters`, argument);
  const region = await findRegion(context.sql, text);
  if (!region) {
    throw badInput(`${argument}: no UN M49 region has the code or name "${text}"; the \`regions\` query lists them`, argument);
  }
  return region.code;
}


