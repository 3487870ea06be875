// The gate conformance corpus through the CLI: `jwtgate gate --config FILE --request "M P"
// --header k:v --token T --now S --json` prints the case's golden Decision JSON (one line) and
// exits 0 for allow/pass, 1 otherwise. Cases with inline keys run the real bin/jwtgate.js as a
// subprocess; cases with remote keys run the same `main()` in-process, with the case's scripted
// responses as the fetch (a subprocess could only reach the network).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli.js';
import { cli } from './helpers.mjs';
import { cases, scriptedFetch } from './gate-cases.mjs';

const all = cases();
const dir = mkdtempSync(join(tmpdir(), 'jwtgate-gate-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI arguments for case `c` (its config written to a file). */
function argsOf(name, c) {
  const config = join(dir, `${name.replace(/[^\w.-]/g, '_')}`);
  writeFileSync(config, JSON.stringify(c.config));
  const r = c.request;
  const args = ['gate', '--config', config, '--request', `${r.method ?? 'GET'} ${r.path}`, '--now', String(c.now), '--json'];
  for (const [k, v] of r.headers ?? []) args.push('--header', `${k}:${v}`);
  // The CLI puts the token where the request says $TOKEN (it is always named in the corpus).
  if (c.token != null) args.push('--token', c.token);
  return args;
}

const exitOf = (d) => (d.verdict === 'allow' || d.verdict === 'pass' ? 0 : 1);

test('the corpus is there', () => {
  assert.ok(all.length > 0, 'no case in tests/vectors/gate');
});

for (const { name, case: c, golden } of all) {
  test(`gate CLI corpus: ${name}`, async () => {
    assert.ok(golden, `${name} has no golden decision`);
    const args = argsOf(name, c);
    const want = exitOf(JSON.parse(golden));
    if ((c.fetches ?? []).length === 0) {
      const r = cli(args);
      assert.equal(r.stdout, `${golden}\n`, r.stderr);
      assert.equal(r.code, want);
      return;
    }
    const served = scriptedFetch(c);
    let stdout = '';
    let stderr = '';
    const io = {
      env: { NO_COLOR: '1' },
      isTTY: false,
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      readStdin: () => '',
      fetch: served.fetch,
    };
    const code = await main(args, io);
    assert.equal(stdout, `${golden}\n`, stderr);
    assert.equal(code, want);
    assert.equal(served.left(), 0, 'fetches left unused');
  });
}

test('jwtgate gate: human output names the status, the reply and every failing check', () => {
  const deny = all.find((x) => x.case.expect?.also_failing?.length && !(x.case.fetches ?? []).length);
  if (deny === undefined) return;
  const args = argsOf(deny.name, deny.case).filter((a) => a !== '--json');
  const r = cli(args);
  assert.equal(r.code, 1, r.stderr);
  const d = JSON.parse(deny.golden);
  assert.match(r.stdout, new RegExp(`^DENY: ${d.status} local reply`));
  assert.ok(r.stdout.includes(d.code));
  assert.ok(r.stdout.includes(`reply ${d.reply.status}`));
  assert.match(r.stdout, /also failing/);
  for (const k of d.also_failing) assert.ok(r.stdout.includes(k.id), k.id);
  const help = cli(['gate', '--help']);
  for (const flag of ['--config', '--request', '--token', '--header', '--now', '--json']) assert.ok(help.stdout.includes(flag), flag);
  const usage = cli(['gate', '--config', args[2]]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--request/);
});
