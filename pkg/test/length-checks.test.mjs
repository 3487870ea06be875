// Length checks before copying (issue 18): tokens and documents longer than their limit are
// refused in JavaScript, before anything reaches wasm, with the ERR_LIMIT_EXCEEDED the core
// itself gives (compared here with the core's own answer, asked directly through the glue), and
// wasm memory (which never shrinks) does not grow for a huge input.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jwtgate from '../index.node.js';
import { wasm, memoryBytes } from '../src/engine.js';
import { countUtf8, utf8Length } from '../src/limits.js';

const sample = (f) => readFileSync(new URL(`../../tests/fixtures/sample/${f}`, import.meta.url), 'utf8');
const jwks = sample('jwks.json');
const role = sample('role.json');
const config = sample('config.json');
const token = sample('token.jwt').trim();
const now = Number(sample('now.txt'));
const policy = sample('policy.hcl');
const pem = jwtgate.jwksToPem(jwks).keys[0].pem;
const encoder = new TextEncoder();

/** The core's error for a raw call (the object it throws), as `{ code, message }`. */
function core(call) {
  try {
    const answer = call();
    assert.fail(`the core accepted it: ${String(answer).slice(0, 200)}`);
  } catch (err) {
    assert.ok(!(err instanceof Error), String(err));
    return { code: err.code, message: err.message };
  }
}
function js(call) {
  try {
    call();
  } catch (e) {
    assert.ok(e instanceof jwtgate.JwtgateError, String(e));
    return { code: e.code, message: e.message };
  }
  assert.fail('accepted');
}
/** A raw core Verifier and a call configuring it with `options` (JSON). */
function rawConfigure(options) {
  const v = new wasm.Verifier();
  const answer = () => v.configure(JSON.stringify(options));
  return { v, answer };
}

// Documents padded past a small max_document_len with JSON/HCL/PEM whitespace: the limit, not
// the content, is what refuses them.
const maxDocumentLen = 1000;
const pad = (text) => text + ' '.repeat(maxDocumentLen + 1 - encoder.encode(text).length);
const limits = { maxDocumentLen };

test('documents over max_document_len: the same error as the core, for each kind', () => {
  const cases = [
    ['JWKS', { jwks: pad(jwks), audience: ['x'], limits }],
    ['Vault role', { jwks, role: pad(role), limits }],
    ['Vault config', { jwks, role, config: pad(config), limits }],
    ['PEM', { keys: [pad(pem)], audience: ['x'], limits }],
  ];
  for (const [what, options] of cases) {
    const expected = core(rawConfigure(options).answer);
    assert.equal(expected.code, 'ERR_LIMIT_EXCEEDED', what);
    assert.deepEqual(js(() => jwtgate.createVerifier(options)), expected, what);
    assert.deepEqual(js(() => jwtgate.verify(token, { ...options, now })), expected, what);
  }
  // Policies: authorize and renderPolicies refuse them before verifying the token.
  const v = jwtgate.createVerifier({ jwks, role, config, limits });
  const { v: raw, answer: configured } = rawConfigure({ jwks, role, config, limits });
  configured();
  const policies = [{ name: 'ops', text: pad(policy) }];
  const expected = core(() => raw.authorize(encoder.encode(token), JSON.stringify({ policies, request: { path: 'a', capability: 'read' } }), now));
  assert.match(expected.message, /^policy "ops": limit max_document_len exceeded: 1001 > 1000$/);
  assert.deepEqual(js(() => v.authorize(token, { policies, request: { path: 'a', capability: 'read' }, now })), expected);
  assert.deepEqual(js(() => v.renderPolicies(token, { policies, now })), expected);
  assert.deepEqual(js(() => jwtgate.authorize(token, { jwks, role, config, limits, policies, request: { path: 'a', capability: 'read' }, now })), expected);
  // An AWS trust policy.
  const trust = pad(JSON.stringify({ Version: '2012-10-17', Statement: [] }));
  const aws = { providerUrl: 'https://nomad.example' };
  const expectedTrust = core(() => wasm.evaluateTrustPolicy(token, JSON.stringify({ limits }), JSON.stringify({ ...aws, trustPolicy: trust }), now));
  assert.deepEqual(js(() => jwtgate.evaluateTrustPolicy(token, { ...aws, limits, trustPolicy: trust, now })), expectedTrust);
  // Module functions read documents with the default limits (256 KiB).
  const big = jwks + ' '.repeat(256 * 1024);
  for (const [name, call, raw2] of [
    ['jwksInfo', () => jwtgate.jwksInfo(big), () => wasm.jwksInfo(big)],
    ['jwksToPem', () => jwtgate.jwksToPem(big), () => wasm.jwksToPem(big)],
    ['thumbprint', () => jwtgate.thumbprint(big), () => wasm.thumbprint(big)],
    ['parseDiscovery', () => jwtgate.parseDiscovery(big, 'https://x'), () => wasm.parseDiscovery(big, 'https://x')],
  ]) {
    const expected2 = core(raw2);
    assert.equal(expected2.code, 'ERR_LIMIT_EXCEEDED', name);
    assert.deepEqual(js(call), expected2, name);
  }
});

test('tokens over max_token_len, measured in UTF-8 bytes as the core measures them', () => {
  const { v: raw, answer: configured } = rawConfigure({ jwks, audience: ['x'] });
  configured();
  const v = jwtgate.createVerifier({ jwks, audience: ['x'] });
  for (const long of [
    'a'.repeat(16 * 1024 + 1),
    '€'.repeat(6000), // 6,000 code units, 18,000 bytes
    '\ud800'.repeat(5462), // lone surrogates: U+FFFD, 3 bytes each, as TextEncoder writes them
    `${'😀'.repeat(4096)}a`, // surrogate pairs: 4 bytes each
  ]) {
    const expected = core(() => raw.verify(encoder.encode(long), now));
    assert.equal(expected.message, `limit max_token_len exceeded: ${encoder.encode(long).length} > 16384`);
    assert.deepEqual(js(() => v.verify(long, { now })), expected);
    assert.deepEqual(js(() => jwtgate.verify(long, { jwks, audience: ['x'], now })), expected);
  }
  // Just within the limit in bytes: the core reads it (and refuses what it is, not its length).
  const within = '€'.repeat(5461);
  assert.notEqual(js(() => v.verify(within, { now })).code, 'ERR_LIMIT_EXCEEDED');
  // A caller's own limit applies the same way.
  const small = jwtgate.createVerifier({ jwks, audience: ['x'], limits: { maxTokenLen: 100 } });
  assert.deepEqual(js(() => small.verify(token, { now })), {
    code: 'ERR_LIMIT_EXCEEDED',
    message: `limit max_token_len exceeded: ${token.length} > 100`,
  });
});

test('UTF-8 lengths are what TextEncoder writes, natively (Node) and counted (browsers)', () => {
  for (const s of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00', '\udc00\ud800x', '\ud83d', `a${'\u07ff\u0800\uffff'.repeat(3)}`]) {
    const bytes = encoder.encode(s).length;
    assert.equal(countUtf8(s), bytes, JSON.stringify(s));
    assert.equal(utf8Length(s), bytes, JSON.stringify(s));
  }
});

test('inspect and suggestTrustPolicy answer an oversized input as the core does, without it', () => {
  const long = `${token} ${'x'.repeat(300 * 1024)}`;
  assert.deepEqual(jwtgate.inspect(long), JSON.parse(wasm.inspect(long)).ok);
  assert.match(jwtgate.inspect(long).warnings[0].message, new RegExp(`input is ${long.length} bytes`));
  const input = { providerUrl: 'https://nomad.example' };
  assert.deepEqual(
    js(() => jwtgate.suggestTrustPolicy(long, input)),
    core(() => wasm.suggestTrustPolicy(long, JSON.stringify(input))),
  );
});

test('a 100 MB token or document does not grow wasm memory', () => {
  const huge = 'a'.repeat(100 * 1000 * 1000);
  const v = jwtgate.createVerifier({ jwks, audience: ['x'] });
  const before = memoryBytes();
  assert.deepEqual(js(() => v.verify(huge, { now })), {
    code: 'ERR_LIMIT_EXCEEDED',
    message: 'limit max_token_len exceeded: 100000000 > 16384',
  });
  assert.equal(js(() => jwtgate.verify(huge, { jwks, now })).code, 'ERR_LIMIT_EXCEEDED');
  assert.equal(js(() => jwtgate.createVerifier({ jwks: huge })).message, 'JWKS: limit max_document_len exceeded: 100000000 > 262144');
  assert.equal(js(() => v.authorize(token, { policies: [huge], now })).code, 'ERR_LIMIT_EXCEEDED');
  assert.equal(jwtgate.inspect(huge).strict_error.message, 'limit max_token_len exceeded: 100000000 > 16384');
  assert.equal(js(() => jwtgate.suggestTrustPolicy(huge, { providerUrl: 'https://x' })).code, 'ERR_JWT_CLAIM_MISSING');
  assert.equal(js(() => jwtgate.jwksInfo(huge)).code, 'ERR_LIMIT_EXCEEDED');
  assert.equal(memoryBytes(), before, 'wasm memory grew');
});
