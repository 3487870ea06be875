// The gate conformance corpus (tests/vectors/gate/, format in its README) through the built
// filter on the host JWTGATE_ENVOY_HOST names: what a proxy shows must equal each case's golden
// decision byte for byte — the status, the local reply (status, headers, body) or the upstream
// edits (headers set and removed, the :path rewrite), every other request header untouched.
// Remote keys: the case's `fetches` answer the filter's cluster calls, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envoy, repoRoot } from './support.mjs';

const dir = join(repoRoot, 'tests', 'vectors', 'gate');
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(dir, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`))
  .sort();

const fill = (s, token) => (token == null ? s : s.replaceAll('$TOKEN', token));

test('the corpus has at least 60 cases, each with a golden decision', () => {
  assert.ok(cases.length >= 60, `${cases.length} cases`);
  for (const name of cases) {
    assert.ok(JSON.parse(readFileSync(join(dir, name), 'utf8')).decision, `${name} has no golden`);
  }
});

for (const name of cases) {
  test(`gate corpus: ${name}`, () => {
    const c = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const golden = c.decision;
    const fetches = [...(c.fetches ?? [])];
    let served = 0;
    const clusters = {};
    for (const p of c.config.providers) {
      if (!p.remote_jwks) continue;
      clusters[p.remote_jwks.cluster] = () => {
        const f = fetches.shift();
        assert.ok(f, `${name}: the filter fetched more than the case's ${served} fetches`);
        served++;
        return { status: f.status, headers: { 'content-type': 'application/json' }, body: f.body };
      };
    }
    const e = envoy(c.config, { nowMs: c.now * 1000, clusters });
    assert.equal(e.loadError, null);
    const headers = c.request.headers.map(([k, v]) => [k, fill(v, c.token)]);
    const path = fill(c.request.path, c.token);
    const r = e.request({ method: c.request.method, path, headers });
    for (let i = 0; i < 10 && r.state === 'paused'; i++) e.settle();
    assert.equal(fetches.length, 0, `${name}: fetches left unused`);

    if (golden.reply) {
      assert.equal(r.state, 'replied', `${name}: expected a local reply`);
      assert.equal(r.reply.status, golden.reply.status);
      assert.equal(r.reply.status, golden.status);
      // content-length is Envoy's own, written for any local reply body.
      const sent = r.reply.headers.map(([k, v]) => [k, String(v)]);
      const length = sent.find(([k]) => k === 'content-length');
      if (length) assert.equal(Number(length[1]), Buffer.byteLength(golden.reply.body));
      assert.deepEqual(sent.filter(([k]) => k !== 'content-length'), golden.reply.headers);
      assert.equal(Buffer.from(r.reply.body).toString('utf8'), golden.reply.body);
      return;
    }
    assert.equal(golden.status, 200, `${name}: a golden without a reply is forwarded`);
    assert.equal(r.state, 'continued', `${name}: ${r.reply ? Buffer.from(r.reply.body).toString() : r.state}`);
    const up = golden.upstream;
    // The request as the filter received it, with the golden's edits applied.
    const expected = new Map([[':method', c.request.method], [':path', path]]);
    for (const [k, v] of headers) expected.set(k, v);
    for (const k of up.remove ?? []) expected.delete(k);
    for (const [k, v] of up.set ?? []) expected.set(k, v);
    if (up.path !== undefined) expected.set(':path', up.path);
    for (const [k, v] of expected) {
      assert.equal(r.header(k) === undefined ? undefined : String(r.header(k)), v, `${name}: header ${k}`);
      assert.equal(r.headerCount(k), 1, `${name}: header ${k} once`);
    }
    for (const k of up.remove ?? []) assert.equal(r.header(k), undefined, `${name}: ${k} removed`);
  });
}

test('each login-order hazard of the configuration is one warning line at configure time', () => {
  const shared = JSON.parse(readFileSync(join(dir, 'allow', 'vault-role-and-policy.json'), 'utf8'));
  const e = envoy(shared.config, { nowMs: shared.now * 1000 });
  assert.equal(e.loadError, null);
  const hazards = shared.decision.login_order;
  assert.ok(hazards.length > 0, 'the tutorial role shares its alias between namespaces');
  // One line per hazard per VM configured (the canary and the worker run on_configure alike).
  const lines = e.logsMatching(/^jwtgate: provider "nomad": login-order hazard /);
  const perVm = new Map();
  for (const l of lines) perVm.set(l.vm, [...(perVm.get(l.vm) ?? []), l]);
  assert.ok(perVm.size >= 1);
  for (const list of perVm.values()) {
    assert.equal(list.length, hazards.length);
    list.forEach((l, i) => {
      assert.equal(l.level, 3, 'warn');
      assert.ok(l.msg.includes(`(${hazards[i].code}, ${hazards[i].severity}): ${hazards[i].message}`), l.msg);
    });
  }
  // A provider without Vault policies has none.
  const quiet = envoy(JSON.parse(readFileSync(join(dir, 'allow', 'bearer-standard.json'), 'utf8')).config);
  assert.equal(quiet.logsMatching(/login-order hazard/).length, 0);
});
