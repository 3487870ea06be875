// The shared vectors (tests/vectors/) through the JS API, with the Rust runners' expectations
// and the same known-divergences handling. Claims vectors are signed here with independent
// node:crypto keys so they go through the whole verify pipeline (signature included).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { verify, inspect, authorize, evaluateTrustPolicy, JwtgateError } from '../index.node.js';
import { RAW, VECTORS, runKind, patched, signers } from './vectors.mjs';

const S = signers();

function outcomeOf(fn) {
  try {
    const r = fn();
    return { ok: true, alias: r.alias ?? null, result: r };
  } catch (e) {
    if (!(e instanceof JwtgateError)) throw e;
    const checks = e.report?.checks ?? [];
    return { ok: false, code: e.code, message: e.message, check: checks.find((c) => c.outcome === 'fail')?.id, error: e };
  }
}

/** The signing algorithm a Vault config accepts (EdDSA unless jwt_supported_algs excludes it). */
function algFor(config) {
  const algs = config?.jwt_supported_algs;
  if (!Array.isArray(algs) || algs.length === 0 || algs.includes('EdDSA')) return 'EdDSA';
  return ['RS256', 'ES256'].find((a) => algs.includes(a)) ?? 'EdDSA';
}

test('standard profile vectors', () => {
  const { count, problems } = runKind('standard', (defaults, c) => {
    const options = patched(defaults.options ?? {}, c.options_patch);
    const now = c.now ?? defaults.now;
    return outcomeOf(() => verify(S.token(c.claims[RAW]), { ...options, jwks: S.jwks, now }));
  });
  assert.ok(count >= 30, `only ${count} standard vectors`);
  assert.deepEqual(problems, []);
});

test('vault semantics vectors', () => {
  const { count, problems } = runKind('vault', (defaults, c) => {
    const base = c.role ?? defaults.role;
    // Unpatched roles go as written (a bound 123.0 must stay 123.0).
    const role = c.role_patch ? patched(base, c.role_patch) : base[RAW];
    const configDoc = c.config ?? defaults.config;
    const config = configDoc ? configDoc[RAW] : '{}';
    const roleName = c.role_name ?? defaults.role_name ?? 'test';
    const now = c.now ?? defaults.now;
    const token = S.token(c.claims[RAW], algFor(configDoc));
    return outcomeOf(() => verify(token, { jwks: S.jwks, role, roleName, config, now }));
  });
  assert.ok(count >= 100, `only ${count} vault vectors`);
  assert.deepEqual(problems, []);
});

test('adversarial tokens: the parse error code, or past parsing for controls', () => {
  const cases = JSON.parse(readFileSync(join(VECTORS, 'adversarial', 'tokens.json'), 'utf8'));
  assert.ok(cases.length >= 40, `only ${cases.length} adversarial tokens`);
  const problems = [];
  for (const c of cases) {
    const o = outcomeOf(() => verify(c.token, { jwks: S.jwks, now: 1700000000 }));
    if (c.code === null) {
      // Controls parse: whatever fails afterwards (key, signature), the `token` check passed.
      const parsed = o.ok || o.error?.report?.checks?.some((k) => k.id === 'token' && k.outcome === 'pass');
      if (!parsed) problems.push(`${c.name}: control did not parse: ${o.code} ${o.message}`);
    } else if (o.ok || o.code !== c.code) {
      problems.push(`${c.name}: expected ${c.code}, got ${o.ok ? 'success' : `${o.code}: ${o.message}`}`);
    } else if (c.message_contains !== undefined && !o.message.includes(c.message_contains)) {
      problems.push(`${c.name}: message ${JSON.stringify(o.message)} lacks ${JSON.stringify(c.message_contains)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the bundled sample verifies with the tutorial role, as the Rust pipeline test says', () => {
  const dir = join(VECTORS, '..', 'fixtures', 'sample');
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  const now = Number(read('now.txt').trim());
  const r = verify(read('token.jwt').trim(), {
    jwks: JSON.parse(read('jwks.json')),
    role: JSON.parse(read('role.json')),
    roleName: 'nomad-workloads',
    config: JSON.parse(read('config.json')),
    now,
  });
  assert.equal(r.alias.name, 'mongo');
  assert.equal(r.alias.metadata.nomad_namespace, 'default');
  assert.equal(r.alias.metadata.role, 'nomad-workloads');
  assert.equal(r.key.alg, 'RS256');
  assert.equal(r.header.alg, 'RS256');
  assert.equal(r.payload.nomad_job_id, 'mongo');
  assert.ok(r.report.checks.every((c) => c.outcome !== 'fail'));
});

const e2eDir = join(VECTORS, 'e2e');

const sortedSet = (notes) => [...new Set(notes.map((n) => n.code))].sort();

test('inspect vectors (and every adversarial token through inspect)', () => {
  const cases = JSON.parse(readFileSync(join(VECTORS, 'inspect', 'cases.json'), 'utf8'));
  assert.ok(cases.length >= 30, `only ${cases.length} inspect vectors`);
  const problems = [];
  const eq = isDeepStrictEqual;
  for (const c of cases) {
    const r = inspect(c.input);
    const why = [];
    if (r.token !== c.token) why.push(`token ${JSON.stringify(r.token)}`);
    if (!eq(sortedSet(r.tolerated), c.tolerated)) why.push(`tolerated ${sortedSet(r.tolerated)}`);
    if (!eq(sortedSet(r.warnings), c.warnings)) why.push(`warnings ${sortedSet(r.warnings)}`);
    if ((r.strict_error?.code ?? null) !== c.strict_code) why.push(`strict ${r.strict_error?.code}`);
    if ('header' in c && !eq(r.header ?? null, c.header)) why.push('header');
    if ('payload' in c && !eq(r.payload ?? null, c.payload)) why.push('payload');
    if ('signature' in c && (r.signature ?? null) !== c.signature) why.push(`signature ${r.signature}`);
    if ('segment_status' in c && !eq(r.segments.map((s) => s.status), c.segment_status)) why.push('segment_status');
    for (const s of r.segments) if (r.token.slice(s.start, s.end) !== s.text) why.push(`segment ${s.name} range`);
    if (why.length) problems.push(`${c.name}: ${why.join('; ')}`);
  }
  const adversarial = JSON.parse(readFileSync(join(VECTORS, 'adversarial', 'tokens.json'), 'utf8'));
  for (const c of adversarial) {
    const r = inspect(c.token); // must never throw
    if (r.tolerated.length === 0 && (r.strict_error?.code ?? null) !== c.code) problems.push(`adversarial ${c.name}: strict ${r.strict_error?.code} != ${c.code}`);
  }
  assert.deepEqual(problems, []);
});

test('minted vectors (PyJWT and jose tokens, all ten algorithms)', () => {
  const dir = join(VECTORS, 'minted');
  const doc = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8'));
  const jwks = JSON.parse(readFileSync(join(dir, doc.jwks), 'utf8'));
  const problems = [];
  for (const c of doc.cases) {
    const o = outcomeOf(() => verify(c.token, { jwks, issuer: doc.claims.iss, audience: doc.claims.aud, now: doc.now }));
    if (c.expect.valid) {
      if (!o.ok) problems.push(`${c.id}: ${o.code} ${o.message}`);
      else if (c.expect.kid !== undefined && o.result.key.kid !== c.expect.kid) problems.push(`${c.id}: verified by ${o.result.key.kid}`);
    } else if (o.ok || o.code !== c.expect.code) {
      problems.push(`${c.id}: expected ${c.expect.code}, got ${o.ok ? 'success' : o.code}`);
    }
  }
  assert.ok(doc.cases.length >= 20, `only ${doc.cases.length} minted cases`);
  assert.deepEqual(problems, []);
});

test('e2e vectors: verify, then the Vault decision or the AWS preflight + trust policy', () => {
  const files = readdirSync(e2eDir).filter((f) => f.endsWith('.json')).sort();
  const names = [];
  const problems = [];
  // Checks the verify half of a case; true when the rest of the case should be checked too
  // (the case expects success and got it).
  const verifyAsExpected = (c, o, problems) => {
    const want = c.expect;
    if (!want.verify.ok) {
      if (o.ok || o.code !== want.verify.code) problems.push(`${c.name}: expected ${want.verify.code}, got ${o.ok ? 'success' : `${o.code} ${o.message}`}`);
      return false;
    }
    if (!o.ok) {
      problems.push(`${c.name}: ${o.code} ${o.message}`);
      return false;
    }
    return true;
  };
  for (const f of files) {
    const c = JSON.parse(readFileSync(join(e2eDir, f), 'utf8'));
    names.push(c.name);
    const want = c.expect;
    let o;
    if (c.vault) {
      const v = c.vault;
      const request = v.request.http ? { method: v.request.http.method, path: v.request.http.target } : { path: v.request.path, capability: v.request.operation };
      o = outcomeOf(() =>
        authorize(c.token, { jwks: c.jwks, role: v.role, roleName: v.role_name, config: v.config, policies: v.policies, accessor: v.accessor, entity: v.identity, request, now: c.now }),
      );
      if (!verifyAsExpected(c, o, problems)) continue;
      const r = o.result;
      if (r.alias.name !== want.verify.alias.name || !isDeepStrictEqual(r.alias.metadata, want.verify.alias.metadata)) problems.push(`${c.name}: alias ${JSON.stringify(r.alias)}`);
      if (r.allowed !== want.authorize.allowed) problems.push(`${c.name}: allowed ${r.allowed}`);
      if ((r.winner?.pattern ?? null) !== want.authorize.winner) problems.push(`${c.name}: winner ${r.winner?.pattern}`);
      if (!isDeepStrictEqual(r.dropped.map((d) => d.path), want.authorize.dropped)) problems.push(`${c.name}: dropped ${JSON.stringify(r.dropped.map((d) => d.path))}`);
    } else {
      const a = c.aws;
      o = outcomeOf(() => evaluateTrustPolicy(c.token, { jwks: c.jwks, ...a.options, trustPolicy: a.trust_policy, now: c.now }));
      if (!verifyAsExpected(c, o, problems)) continue;
      const r = o.result;
      const failed = r.preflight.filter((k) => k.outcome === 'fail').map((k) => k.id);
      if (!isDeepStrictEqual(failed, want.aws.preflight_failed)) problems.push(`${c.name}: preflight failed ${JSON.stringify(failed)}`);
      if (r.trust.allowed !== want.aws.allowed || r.trust.decision !== want.aws.decision) problems.push(`${c.name}: trust ${r.trust.decision}`);
    }
  }
  for (const required of ['nomad-vault-tutorial', 'nomad-aws']) assert.ok(names.includes(required), `missing ${required}`);
  assert.deepEqual(problems, []);
});
