// The fuzz regression entries (tests/vectors/fuzz/, the same files tests/fuzz_regressions.rs
// replays) through the built wasm package: every call returns or throws a JwtgateError with a
// published code — never a wasm trap (RuntimeError) or another exception — the module keeps
// working afterwards, and where the Rust runner pins a code (expect.json) the package reports
// the same one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  verify, inspect, authorize, renderPolicies, jwksInfo, jwksToPem, parseDiscovery, codes, JwtgateError,
} from '../index.node.js';
import { VECTORS } from './vectors.mjs';
import { entries, parts, text, expected } from '../../tests/vectors/fuzz/entries.mjs';

const CODES = new Set(Object.values(codes));
const tutorial = JSON.parse(readFileSync(join(VECTORS, 'e2e', 'nomad-vault-tutorial.json'), 'utf8'));
const minted = JSON.parse(readFileSync(join(VECTORS, 'minted', 'tokens.json'), 'utf8'));
const base = {
  jwks: tutorial.jwks,
  role: tutorial.vault.role,
  roleName: tutorial.vault.role_name,
  config: tutorial.vault.config,
  now: tutorial.now,
};
/** authorize and renderPolicies also take the mount accessor the templates name. */
const withAccessor = { ...base, accessor: tutorial.vault.accessor };
const tutorialRequest = { path: 'secret/data/x', capability: 'read' };

/** Runs fn; returns 'ok' or the JwtgateError's code. Anything else fails the test. */
function outcome(what, fn) {
  try {
    fn();
    return 'ok';
  } catch (e) {
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `${what}: wasm trap: ${e.message}`);
    assert.ok(e instanceof JwtgateError, `${what}: ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(CODES.has(e.code), `${what}: unpublished code ${e.code}`);
    assert.ok(typeof e.message === 'string' && e.message.length > 0, `${what}: empty message`);
    return e.code;
  }
}

/** JSON text → object when it is one, else undefined (the JS API takes roles as objects). */
function object(buf) {
  try {
    const v = JSON.parse(text(buf));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A request part as the harness reads it: JSON, `METHOD target`, or a bare path. */
function request(buf) {
  const v = object(buf);
  if (v && typeof v.path === 'string' && typeof v.operation === 'string') return { path: v.path, capability: v.operation };
  const line = text(buf);
  const sp = line.indexOf(' ');
  if (sp > 0) return { method: line.slice(0, sp), path: line.slice(sp + 1) };
  return { path: line || 'secret/data/x', capability: 'read' };
}

/** What each target's entries go through in the package. */
const RUN = {
  compact(e, go) {
    const token = text(e.bytes);
    const code = go('verify', () => verify(token, { jwks: minted.jwks, now: minted.now }));
    go('inspect', () => inspect(token));
    const want = expected('compact', e.file, 'parse_compact');
    // The token check is the first one, so a parse failure is the package's error too.
    if (want && want !== 'ok') assert.equal(code, want, `compact/${e.file}`);
  },
  jwks(e, go) {
    const doc = text(e.bytes);
    const code = go('jwksInfo', () => jwksInfo(doc));
    go('jwksToPem', () => jwksToPem(doc));
    go('parseDiscovery', () => parseDiscovery(doc, 'https://nomad.example.com:4646'));
    const want = expected('jwks', e.file, 'from_jwks');
    if (want && want !== 'ok') assert.equal(code, want, `jwks/${e.file}`);
  },
  pem(e, go) {
    const keys = parts(e.bytes).map(text);
    go('verify(keys)', () => verify(tutorial.token, { keys, now: tutorial.now }));
  },
  policy(e, go) {
    go('authorize', () => authorize(tutorial.token, { ...withAccessor, policies: text(e.bytes), request: tutorialRequest }));
  },
  template(e, go) {
    const [tpl] = parts(e.bytes).map(text);
    const policy = `path ${JSON.stringify(tpl)} { capabilities = ["read"] }`;
    go('renderPolicies', () => renderPolicies(tutorial.token, { ...withAccessor, policies: policy }));
  },
  vault_config(e, go) {
    const doc = object(e.bytes);
    if (doc === undefined) return; // not an object: the JS API cannot even be handed it
    go('verify(role)', () => verify(tutorial.token, { ...base, role: doc }));
    go('verify(config)', () => verify(tutorial.token, { ...base, config: doc }));
  },
  verify(e, go) {
    const [token, jwks, role, config, policy, req] = parts(e.bytes);
    const opts = { jwks: text(jwks), now: minted.now };
    const r = object(role);
    const c = object(config);
    if (r && c) Object.assign(opts, { role: r, roleName: 'fuzz', config: c });
    go('verify', () => verify(text(token), opts));
    const extra = r && c ? { accessor: 'auth_jwt_fuzz' } : {};
    go('authorize', () => authorize(text(token), { ...opts, ...extra, policies: text(policy), request: request(req) }));
  },
  authorize(e, go) {
    const [req, ...policies] = parts(e.bytes);
    go('authorize', () => authorize(tutorial.token, { ...withAccessor, policies: policies.map(text), request: request(req) }));
  },
};

for (const [target, run] of Object.entries(RUN)) {
  test(`fuzz regression entries (${target}) through the wasm package: typed errors, no trap`, () => {
    const list = entries(target);
    assert.ok(list.length > 0, `no ${target} entries`);
    for (const e of list) {
      run(e, (what, fn) => {
        const code = outcome(`${target}/${e.file} ${what}`, fn);
        return code;
      });
    }
    // The module survived all of it: the tutorial token still verifies.
    assert.equal(verify(tutorial.token, base).alias.name, tutorial.expect.verify.alias.name);
  });
}
