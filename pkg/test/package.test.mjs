// Packaging: `npm pack` → install the tarball into a scratch project → import it and run the CLI
// from node_modules/.bin, exactly as a user would.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKG } from './helpers.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('the packed tarball installs, imports without init, and its bin runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-pack-'));
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: PKG, encoding: 'utf8' }));
  const files = packed[0].files.map((f) => f.path).sort();
  for (const want of ['package.json', 'index.node.js', 'index.browser.js', 'index.d.ts', 'bin/jwtgate.js', 'dist/jwtgate_bg.wasm', 'dist/jwtgate.js', 'dist/jwtgate_mint_bg.wasm', 'dist/jwtgate_mint.js', 'dist/jwtgate_gate_bg.wasm', 'dist/jwtgate_gate.js', 'dist/codes.js', 'dist/codes.d.ts', 'src/api.js', 'README.md']) {
    assert.ok(files.includes(want), `${want} missing from the tarball: ${files.join(', ')}`);
  }
  for (const f of files) assert.doesNotMatch(f, /^(test|bench|scripts|node_modules)\//, `${f} should not be packed`);

  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed[0].filename)], { cwd: app, encoding: 'utf8' });

  writeFileSync(
    join(app, 'main.js'),
    `import { mintTestIdentity, codes, inspect } from 'jwtgate';
const m = mintTestIdentity({ job: 'mongo' });
console.log(JSON.stringify({ sub: m.payload.sub, expired: codes.JWT_EXPIRED }));`,
  );
  const run = spawnSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { sub: 'global:default:mongo:db:mongo:vault_default', expired: 'ERR_JWT_EXPIRED' });

  const bin = join(app, 'node_modules', '.bin', 'jwtgate');
  assert.ok(existsSync(bin));
  const help = spawnSync(bin, ['--help'], { cwd: app, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /usage: jwtgate <command>/);
  const minted = spawnSync(bin, ['mint', '--json'], { cwd: app, encoding: 'utf8' });
  assert.equal(minted.status, 0, minted.stderr);
  assert.equal(JSON.parse(minted.stdout).header.alg, 'EdDSA');

  const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'jwtgate', 'package.json'), 'utf8'));
  assert.equal(manifest.type, 'module');
  assert.deepEqual(Object.keys(manifest.exports['.']), ['types', 'node', 'browser', 'default']);
});
