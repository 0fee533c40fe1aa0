// npm run import:atlas -- path/to/ATLAS.yaml   (in the image: faultline import-atlas path/to/ATLAS.yaml)
// Upserts the MITRE ATLAS techniques and imports its case studies as incidents (exercises marked so, severity
// unassessed), with the actor and target each names as actors and AI systems, and their references as
// reports. Running it again with the same file changes nothing; a newer file updates what it imported before.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseAtlas } from '../data/atlas.js';
import { importAtlas } from '../data/atlas-import.js';
import { runCommand } from './run.js';

await runCommand('import:atlas', async ({ db }) => {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run import:atlas -- path/to/ATLAS.yaml');
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(resolved, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${resolved}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let atlas;
  try {
    atlas = parseAtlas(text);
  } catch (error) {
    throw new Error(`${resolved}: ${(error as Error).message}`);
  }
  const summary = await importAtlas(db.sql, atlas);
  const { techniques, incidents, actors, aiSystems, reports, links } = summary;
  console.log(`imported MITRE ATLAS ${atlas.version} from ${resolved}`);
  console.log(`techniques: ${techniques.total} (${techniques.inserted} new, ${techniques.updated} updated)`);
  console.log(`incidents:  ${incidents.total} (${incidents.inserted} new, ${incidents.updated} updated)`);
  console.log(`actors:     ${actors.matched} matched to records on file, ${actors.created} created`);
  console.log(`AI systems: ${aiSystems.matched} matched to records on file, ${aiSystems.created} created`);
  console.log(`reports:    ${reports.total} (${reports.inserted} new)`);
  console.log(`links added: ${links.techniques} incident techniques, ${links.reports} incident reports`);
  for (const skipped of summary.skippedReferences) console.log(`skipped reference ${skipped}`);
});
