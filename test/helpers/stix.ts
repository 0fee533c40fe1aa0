// Validates STIX objects against the official OASIS STIX 2.1 JSON schemas in ../shared/data/stix2.1-schemas,
// loaded as its README says: Ajv2020 with ajv-formats, every file added by its $id, one schema per type.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { findSharedPath } from './shared-data.js';

/** The schemas folder of the shared data, or null when it is not beside the repository (see shared-data.ts). */
export function findStixSchemaDir(): string | null {
  return findSharedPath('data/stix2.1-schemas/schemas');
}

type Validator = (object: Record<string, unknown>) => string[];

/** A validator of single STIX objects by their type; it returns the schema's complaints (none when valid). */
export function stixValidator(): Validator {
  const dir = findStixSchemaDir();
  if (dir === null) throw new Error('the STIX 2.1 schemas were not found: set FAULTLINE_SHARED_DIR');
  const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: true });
  // ajv-formats is CommonJS: its default export arrives wrapped under Node's ESM interop.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => void;
  addFormats(ajv);
  const ids = new Map<string, string>();
  for (const folder of ['common', 'sdos', 'sros', 'observables']) {
    for (const file of readdirSync(path.join(dir, folder)).filter((name) => name.endsWith('.json'))) {
      const schema = JSON.parse(readFileSync(path.join(dir, folder, file), 'utf8')) as { $id: string };
      ajv.addSchema(schema);
      ids.set(`${folder}/${file.replace(/\.json$/, '')}`, schema.$id);
    }
  }
  const compiled = new Map<string, ValidateFunction>();
  return (object) => {
    const type = String(object.type);
    let validate = compiled.get(type);
    if (!validate) {
      const id = ids.get(`sdos/${type}`) ?? ids.get(`sros/${type}`) ?? ids.get(`common/${type}`);
      if (!id) return [`no schema for type "${type}"`];
      validate = ajv.getSchema(id)!;
      compiled.set(type, validate);
    }
    const name = String(object.id);
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${name} ${e.instancePath} ${e.message ?? ''}`);
  };
}
