#!/usr/bin/env node
// faultline COMMAND [ARGS]: the service's commands in one entry point that needs no dev dependencies, for
// the Docker image (`docker compose exec faultline faultline key create --role editor --name NAME`).
// Each command module runs when imported and reads its arguments from process.argv after the command.
const COMMANDS: Record<string, { module: string; help: string }> = {
  key: { module: './key.js', help: 'create --role reader|editor|admin --name NAME | list | revoke ID' },
  migrate: { module: './migrate.js', help: 'apply pending migrations' },
  seed: { module: './seed.js', help: 'load the seed dataset into an empty database' },
  import: { module: './import.js', help: 'FILE.jsonl [--dry-run] [--batch N]: import incidents in the faultline.incident/1 JSONL shape' },
  'import-atlas': { module: './import-atlas.js', help: 'PATH/TO/ATLAS.yaml: import MITRE ATLAS techniques and case studies' },
  // The npm script's name, kept so that commands written for earlier images still work.
  'import:atlas': { module: './import-atlas.js', help: 'the same as import-atlas' },
  export: { module: './export.js', help: '--format csv|jsonl|stix --out FILE|- [--status S --country CC --actor SLUG ...]' },
  'seed:synthetic': { module: './seed-synthetic.js', help: '--incidents N --reports N --positions N --seed N' },
};

const name = process.argv[2];
const command = name ? COMMANDS[name] : undefined;
if (!command) {
  console.error(`usage: faultline COMMAND [ARGS]\n${Object.entries(COMMANDS).map(([key, { help }]) => `  ${key.padEnd(15)} ${help}`).join('\n')}`);
  process.exit(name ? 2 : 0);
}
// The command sees its own arguments where it would as a script of its own.
process.argv.splice(2, 1);
await import(command.module);
