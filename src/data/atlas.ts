import { parse } from 'yaml';

// Reads the parts of a MITRE ATLAS data file (ATLAS.yaml) that Faultline keeps: ids, names, tactics, parents,
// and for case studies their dates, procedure technique ids and reference links. Descriptions and summaries
// are MITRE's prose and are deliberately never read into these types, so nothing downstream can store them.

export type TechniqueKind = 'tactic' | 'technique' | 'subtechnique';

export interface AtlasTechnique {
  id: string;
  name: string;
  kind: TechniqueKind;
  parentId: string | null;
  tacticIds: string[];
}

export interface AtlasReference {
  title: string | null;
  url: string;
}

export interface AtlasCaseStudy {
  id: string;
  name: string;
  type: 'incident' | 'exercise' | null;
  /** First day of the period the date's granularity names, 'YYYY-MM-DD'. */
  date: string;
  precision: 'day' | 'month' | 'year';
  target: string | null;
  actor: string | null;
  techniqueIds: string[];
  references: AtlasReference[];
}

export interface AtlasData {
  version: string;
  /** Tactics first, then techniques, then subtechniques: every parent precedes its children. */
  techniques: AtlasTechnique[];
  caseStudies: AtlasCaseStudy[];
}

const TACTIC_ID = /^AML\.TA[0-9]{4}$/;
const TECHNIQUE_ID = /^AML\.T[0-9]{4}$/;
const SUBTECHNIQUE_ID = /^AML\.T[0-9]{4}\.[0-9]{3}$/;

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(node: Node, key: string, where: string): string {
  const value = node[key];
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${where}: "${key}" must be a non-empty string`);
  return value.trim();
}

function optionalText(node: Node, key: string): string | null {
  const value = node[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function list(node: Node, key: string, where: string): unknown[] {
  const value = node[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: "${key}" must be a list`);
  return value;
}

/** Turns ATLAS's incident-date and its granularity into the first day of that period and a precision. */
function partialDate(value: unknown, granularity: unknown, where: string): Pick<AtlasCaseStudy, 'date' | 'precision'> {
  // YAML 1.1 readers produce Date objects for bare dates; the yaml package's default 1.2 core schema keeps strings.
  const raw = value instanceof Date ? value.toISOString().slice(0, 10) : String(value ?? '');
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw);
  if (!match) throw new Error(`${where}: incident-date "${raw}" is not a YYYY-MM-DD date`);
  const [, year, month, day] = match;
  switch (granularity) {
    case 'DATE':
      return { date: `${year}-${month}-${day}`, precision: 'day' };
    case 'MONTH':
      return { date: `${year}-${month}-01`, precision: 'month' };
    case 'YEAR':
      return { date: `${year}-01-01`, precision: 'year' };
    default:
      throw new Error(`${where}: incident-date-granularity must be DATE, MONTH or YEAR, not "${String(granularity)}"`);
  }
}

function readTechniques(matrices: unknown[]): AtlasTechnique[] {
  const tactics: AtlasTechnique[] = [];
  const techniques: AtlasTechnique[] = [];
  const subtechniques: Array<AtlasTechnique & { parentId: string }> = [];
  const seen = new Set<string>();
  const claim = (id: string, where: string) => {
    if (seen.has(id)) throw new Error(`${where}: id ${id} appears twice`);
    seen.add(id);
  };

  for (const [m, matrix] of matrices.entries()) {
    if (!isNode(matrix)) throw new Error(`matrices[${m}] must be a mapping`);
    for (const [i, tactic] of list(matrix, 'tactics', `matrices[${m}]`).entries()) {
      const where = `matrices[${m}].tactics[${i}]`;
      if (!isNode(tactic)) throw new Error(`${where} must be a mapping`);
      const id = text(tactic, 'id', where);
      if (!TACTIC_ID.test(id)) throw new Error(`${where}: "${id}" is not a tactic id like AML.TA0000`);
      claim(id, where);
      tactics.push({ id, name: text(tactic, 'name', where), kind: 'tactic', parentId: null, tacticIds: [] });
    }
    for (const [i, technique] of list(matrix, 'techniques', `matrices[${m}]`).entries()) {
      const where = `matrices[${m}].techniques[${i}]`;
      if (!isNode(technique)) throw new Error(`${where} must be a mapping`);
      const id = text(technique, 'id', where);
      claim(id, where);
      const name = text(technique, 'name', where);
      const tacticIds = list(technique, 'tactics', where).map(String);
      const parentId = optionalText(technique, 'subtechnique-of');
      if (parentId) {
        if (!SUBTECHNIQUE_ID.test(id)) throw new Error(`${where}: "${id}" is not a subtechnique id like AML.T0000.000`);
        subtechniques.push({ id, name, kind: 'subtechnique', parentId, tacticIds });
      } else {
        if (!TECHNIQUE_ID.test(id)) throw new Error(`${where}: "${id}" is not a technique id like AML.T0000`);
        techniques.push({ id, name, kind: 'technique', parentId: null, tacticIds });
      }
    }
  }

  const tacticIds = new Set(tactics.map((tactic) => tactic.id));
  const byId = new Map(techniques.map((technique) => [technique.id, technique]));
  for (const technique of [...techniques, ...subtechniques]) {
    const unknown = technique.tacticIds.find((id) => !tacticIds.has(id));
    if (unknown) throw new Error(`technique ${technique.id} names tactic ${unknown}, which the file does not define`);
  }
  for (const sub of subtechniques) {
    const parent = byId.get(sub.parentId);
    if (!parent) throw new Error(`subtechnique ${sub.id} names parent ${sub.parentId}, which is not a technique in the file`);
    // ATLAS lists tactics on the parent only; a subtechnique serves the same tactics, and a filter by tactic
    // should find it.
    if (sub.tacticIds.length === 0) sub.tacticIds = [...parent.tacticIds];
  }
  return [...tactics, ...techniques, ...subtechniques];
}

function readCaseStudies(items: unknown[]): AtlasCaseStudy[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const where = `case-studies[${i}]`;
    if (!isNode(item)) throw new Error(`${where} must be a mapping`);
    const id = text(item, 'id', where);
    if (!/^AML\.CS[0-9]{4}$/.test(id)) throw new Error(`${where}: "${id}" is not a case study id like AML.CS0000`);
    if (seen.has(id)) throw new Error(`${where}: case study ${id} appears twice`);
    seen.add(id);
    const type = item['case-study-type'];
    const techniqueIds = new Set<string>();
    for (const [s, step] of list(item, 'procedure', `${id}`).entries()) {
      if (!isNode(step)) throw new Error(`${id}: procedure[${s}] must be a mapping`);
      const technique = optionalText(step, 'technique');
      if (technique) techniqueIds.add(technique);
    }
    const references: AtlasReference[] = [];
    for (const [r, reference] of list(item, 'references', `${id}`).entries()) {
      if (!isNode(reference)) throw new Error(`${id}: references[${r}] must be a mapping`);
      const url = optionalText(reference, 'url');
      if (url) references.push({ title: optionalText(reference, 'title'), url });
    }
    return {
      id,
      name: text(item, 'name', `${id}`),
      type: type === 'incident' || type === 'exercise' ? type : null,
      ...partialDate(item['incident-date'], item['incident-date-granularity'], id),
      target: optionalText(item, 'target'),
      actor: optionalText(item, 'actor'),
      techniqueIds: [...techniqueIds],
      references,
    };
  });
}

/** Parses the text of an ATLAS.yaml file, checking the shape of what Faultline reads; throws with the path of the first problem. */
export function parseAtlas(source: string): AtlasData {
  let document: unknown;
  try {
    document = parse(source);
  } catch (error) {
    throw new Error(`not a readable YAML file: ${(error as Error).message}`);
  }
  if (!isNode(document)) throw new Error('not an ATLAS data file: the top level must be a mapping');
  const version = document.version;
  if (typeof version !== 'string' && typeof version !== 'number') {
    throw new Error('not an ATLAS data file: it has no "version"');
  }
  if (!Array.isArray(document.matrices)) throw new Error('not an ATLAS data file: it has no "matrices" list');
  return {
    version: String(version),
    techniques: readTechniques(document.matrices),
    caseStudies: readCaseStudies(list(document, 'case-studies', 'the file')),
  };
}
