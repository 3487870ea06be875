// Shared helpers for the node --test suites.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(PKG, '..');
export const BIN = join(PKG, 'bin', 'jwtgate.js');

/** Runs the CLI as a subprocess: `{ code, stdout, stderr, json }`. */
export function cli(args, { input, env, cwd } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    cwd: cwd ?? PKG,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', NOMAD_SECRETS_DIR: '', ...env },
  });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** Decodes a base64url segment to a string. */
export const b64d = (s) => Buffer.from(s, 'base64url').toString('utf8');
