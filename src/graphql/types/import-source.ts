import { IMPORT_SOURCES, type ImportSource } from '../../data/incidents.js';
import { builder } from '../builder.js';

const DESCRIPTIONS: Record<ImportSource, string> = {
  mitre_atlas: 'Created by the MITRE ATLAS importer from an ATLAS case study (`npm run import:atlas`).',
};

/** The outside dataset an importer created a record from: shown on records no editor created. */
export const ImportSourceEnum = builder.enumType('ImportSource', {
  description: 'The outside dataset an importer created a record from.',
  values: Object.fromEntries(IMPORT_SOURCES.map((value) => [value.toUpperCase(), { value, description: DESCRIPTIONS[value] }])) as Record<
    Uppercase<ImportSource>,
    { value: ImportSource; description: string }
  >,
});
