import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh folder in the OS temp dir for an embedded Postgres's data. mkdtemp makes it private
 * (700); as root Postgres runs as `postgres`, which must walk into it, or its data would go to
 * /var/tmp/orderflow instead (scripts/embedded-postgres.ts), where nothing removes it.
 */
export const postgresTempDir = (prefix: string): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
};
