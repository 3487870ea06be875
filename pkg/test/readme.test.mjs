// The README's "Node package and CLI" examples, run as written: the JS block as a module that
// imports the package by name, the CLI block line by line in a scratch directory holding the
// files it names (lines that need the network are skipped).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, PKG, BIN } from './helpers.mjs';

function section() {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Node package and CLI');
  assert.ok(start >= 0, 'README has no "Node package and CLI" section');
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end === -1 ? undefined : end);
}

const blocks = (text, lang) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

test('README JS example runs against the package', () => {
  const js = blocks(section(), 'js');
  assert.ok(js.length >= 1);
  // Inside the package folder, `import … from 'jwtgate'` resolves to the package itself.
  const dir = join(PKG, '.readme-test');
  mkdirSync(dir, { recursive: true });
  try {
    js.forEach((code, i) => {
      const file = join(dir, `example${i}.mjs`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `README js block ${i} failed:\n${r.stderr}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('README CLI examples run (offline lines)', () => {
  const sh = blocks(section(), 'sh').find((b) => /^jwtgate mint/m.test(b));
  assert.ok(sh, 'no CLI block with jwtgate mint');
  const lines = sh.replace(/\\\n\s*/g, '').split('\n').filter((l) => l.startsWith('jwtgate '));
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-readme-'));
  const sample = join(ROOT, 'tests', 'fixtures', 'sample');
  copyFileSync(join(sample, 'role.json'), join(dir, 'role.json'));
  copyFileSync(join(sample, 'policy.hcl'), join(dir, 'policy.hcl'));
  writeFileSync(join(dir, 'trust.json'), JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/nomad.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'nomad.example.com:aud': 'aws' } } }],
  }));
  // The mint line makes token.jwt and jwks.json for the others: run it first.
  lines.sort((a, b) => Number(b.startsWith('jwtgate mint')) - Number(a.startsWith('jwtgate mint')));
  let ran = 0;
  for (const line of lines) {
    if (line.includes('https://nomad.example.com:4646')) continue; // needs the network
    const redirect = line.match(/ > (\S+)$/);
    const args = (redirect ? line.slice(0, redirect.index) : line).split(/\s+/).slice(1);
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (redirect) writeFileSync(join(dir, redirect[1]), r.stdout);
    assert.notEqual(r.status, 2, `${line}\n${r.stderr}`);
    assert.notEqual(r.stdout, '', line);
    ran++;
  }
  assert.ok(ran >= 5, `only ${ran} README CLI lines ran`);
});
