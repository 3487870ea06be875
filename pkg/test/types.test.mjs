// The TypeScript declarations: a usage file compiles under --strict (with @ts-expect-error lines
// proving mistakes are caught), and the Code union lists exactly the runtime codes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKG } from './helpers.mjs';
import { codes } from '../index.node.js';

test('index.d.ts type-checks documented usage with tsc --strict', () => {
  const tsc = join(PKG, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(PKG, 'test', 'types', 'tsconfig.json')], { cwd: PKG, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the Code union is exactly the runtime codes', () => {
  const dts = readFileSync(join(PKG, 'dist', 'codes.d.ts'), 'utf8');
  const union = [...dts.matchAll(/^ {2}\| '(ERR_[A-Z0-9_]+)';?$/gm)].map((m) => m[1]);
  assert.deepEqual(union, Object.values(codes));
});
