import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { createSql } from '../../src/db/connection.js';
import { startEmbedded, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test server (for CREATE DATABASE). */
    adminUrl: string;
    /** A migrated, empty database every test file clones. */
    templateDatabase: string;
  }
}

/**
 * Starts one PostgreSQL for the whole run (embedded in a temporary folder, or TEST_DATABASE_URL when set),
 * migrates a template database once, and shares both with the test files, which clone the template.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'faultline-test-'));
    // PostgreSQL runs as the postgres user when we are root: it must be able to enter the folder.
    await fs.chmod(dataDir, 0o755);
    embedded = await startEmbedded({ dataDir, logger: createLogger('warn'), ephemeral: true });
    adminUrl = embedded.adminUrl;
  }
  const template = `faultline_template_${randomBytes(4).toString('hex')}`;
  const admin = createSql(adminUrl, { max: 1 });
  await admin`create database ${admin(template)}`;
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  const templateSql = createSql(templateUrl.toString(), { max: 1 });
  await migrate(templateSql);
  await templateSql.end();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    await admin`drop database if exists ${admin(template)} with (force)`.catch(() => {});
    await admin.end();
    await embedded?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
}
