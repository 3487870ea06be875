// The package's test variant for recovery tests: a temporary copy of the package's current
// sources and entries beside target/js/test-trap-dist/ (pkg/scripts/build.sh builds it with the
// cargo feature `test-trap`, whose `Verifier.__trapForTest` traps the module). Used by
// pkg/test/recovery.test.mjs (Node) and tests/www/recovery.test.mjs (Chromium).
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKG, ROOT } from './helpers.mjs';

export { trapOnMarkedTokens } from './trap-hook.mjs';

export const TRAP_DIST = join(ROOT, 'target', 'js', 'test-trap-dist');

/**
 * Makes the copy (with ./trap-hook.mjs at its root, for pages); returns `{ dir, remove() }`.
 * Throws with the build command when the test variant is missing.
 */
export function trapPackage() {
  if (!existsSync(join(TRAP_DIST, 'jwtgate_bg.wasm'))) {
    throw new Error(`${TRAP_DIST} is missing: build it with \`bash pkg/scripts/build.sh\` (without JWTGATE_NO_TEST_BUILD)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-trap-pkg-'));
  for (const f of ['src', 'index.node.js', 'index.browser.js', 'package.json']) cpSync(join(PKG, f), join(dir, f), { recursive: true });
  cpSync(TRAP_DIST, join(dir, 'dist'), { recursive: true });
  // For pages: the hook below as a module of the copy.
  cpSync(join(PKG, 'test', 'trap-hook.mjs'), join(dir, 'trap-hook.mjs'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

