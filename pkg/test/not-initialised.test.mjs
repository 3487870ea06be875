// The browser entry before `init()` (issue 21): every function throws JwtgateError
// ERR_NOT_INITIALISED saying what to call, never wasm-bindgen's TypeError. Own process (node
// --test runs each file alone), so the module is really not loaded yet.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jwtgate from '../index.browser.js';

const dist = (name) => readFileSync(new URL(`../dist/${name}`, import.meta.url));
const jwks = readFileSync(new URL('../../tests/fixtures/sample/jwks.json', import.meta.url), 'utf8');
const token = readFileSync(new URL('../../tests/fixtures/sample/token.jwt', import.meta.url), 'utf8').trim();
const discovery = JSON.stringify({ issuer: 'https://nomad.example', jwks_uri: 'https://nomad.example/.well-known/jwks.json' });

const calls = {
  inspect: () => jwtgate.inspect(token),
  verify: () => jwtgate.verify(token, { jwks, now: 1767225900 }),
  createVerifier: () => jwtgate.createVerifier({ jwks }),
  authorize: () => jwtgate.authorize(token, { jwks, role: {}, policies: [], request: { path: 'a', capability: 'read' } }),
  renderPolicies: () => jwtgate.renderPolicies(token, { jwks, role: {}, policies: [] }),
  evaluateTrustPolicy: () => jwtgate.evaluateTrustPolicy(token, { providerUrl: 'https://nomad.example' }),
  suggestTrustPolicy: () => jwtgate.suggestTrustPolicy(token, { providerUrl: 'https://nomad.example' }),
  jwksInfo: () => jwtgate.jwksInfo(jwks),
  jwksToPem: () => jwtgate.jwksToPem(jwks),
  thumbprint: () => jwtgate.thumbprint(JSON.parse(jwks).keys[0]),
  parseDiscovery: () => jwtgate.parseDiscovery(discovery, 'https://nomad.example'),
  createRemoteVerifier: () => jwtgate.createRemoteVerifier({ jwksUrl: 'https://nomad.example/.well-known/jwks.json' }),
  analyzeLoginOrder: () => jwtgate.analyzeLoginOrder({ role: {} }),
  simulateLogins: () => jwtgate.simulateLogins([token], { role: {} }),
  createGate: () => jwtgate.createGate({ providers: [] }),
};

test('before init(): every function throws ERR_NOT_INITIALISED naming init()', () => {
  // Every function the entry exports that reaches the engine is listed here.
  const engineFree = new Set(['init', 'initMint', 'initGate', 'toSeconds', 'fetchJwks', 'discover', 'clearJwksCache', 'mintTestIdentity']);
  const exported = Object.keys(jwtgate).filter((k) => typeof jwtgate[k] === 'function' && k !== 'JwtgateError' && !engineFree.has(k));
  assert.deepEqual(exported.sort(), Object.keys(calls).sort());
  for (const [name, call] of Object.entries(calls)) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof jwtgate.JwtgateError, `${name}: ${e}`);
      assert.equal(e.code, 'ERR_NOT_INITIALISED', name);
      assert.match(e.message, /await init\(\)/, name);
      return true;
    });
  }
  // The error codes and the error class need no engine.
  assert.equal(jwtgate.codes.NOT_INITIALISED, 'ERR_NOT_INITIALISED');
});

test('after init(): the same calls reach the engine', async () => {
  await jwtgate.init(dist('jwtgate_bg.wasm'));
  for (const [name, call] of Object.entries(calls)) {
    try {
      call();
    } catch (e) {
      // Answers from the engine (a role without bound fields, ...) are fine; not loaded is not.
      assert.ok(e instanceof jwtgate.JwtgateError, `${name}: ${e}`);
      assert.notEqual(e.code, 'ERR_NOT_INITIALISED', name);
    }
  }
  assert.equal(jwtgate.inspect(token).header.alg, 'RS256');
});
