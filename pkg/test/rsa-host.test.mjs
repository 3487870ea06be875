// RSA through Node's primitive (src/node-rsa.js: crypto.publicDecrypt with RSA_NO_PADDING) and
// through the module's own arithmetic (`rsaPrimitive: 'wasm'`, what browsers and Envoy run) must
// give the same verdict for every input: every Wycheproof RSA vector (PKCS#1 v1.5 and PSS, both
// salt rules), the minted interop corpus (PyJWT and jose tokens), and the edge cases the core
// refuses before asking the host (wrong length, s >= n) or after (a host that throws or answers
// the wrong length: a refusal, never a trap).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createVerifier, verify, JwtgateError } from '../index.node.js';
import { Verifier } from '../dist/jwtgate.js';
import { generation } from '../src/engine.js';
import { setRsaHost } from '../src/rsa-host.js';
import { nodeRsaOp } from '../src/node-rsa.js';
import { VECTORS } from './vectors.mjs';
import { trapPackage, trapOnMarkedTokens } from './trap-package.mjs';

// The Node entry's host, wrapped to count how often keys are prepared and the host is asked,
// and to inject failures. Restored by the last test.
const seen = { prepared: 0, calls: 0 };
let inject; // undefined, or (slot, signature, answer) => what the host returns instead
setRsaHost((core) => {
  const op = nodeRsaOp(core);
  if (op === undefined) return undefined;
  seen.prepared++;
  return (slot, signature) => {
    seen.calls++;
    if (inject !== undefined) return inject(slot, signature, () => op(slot, signature));
    return op(slot, signature);
  };
});

const WYCHEPROOF = join(VECTORS, 'wycheproof');
const hex = (s) => Buffer.from(s, 'hex');
const b64u = (b) => Buffer.from(b).toString('base64url');
const JWS_ALG = {
  pkcs1: { 'SHA-256': 'RS256', 'SHA-384': 'RS384', 'SHA-512': 'RS512' },
  pss: { 'SHA-256': 'PS256', 'SHA-384': 'PS384', 'SHA-512': 'PS512' },
};
const HASH_LEN = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
// A Vault role: the Vault profile accepts any PSS salt length (Go's PSSSaltLengthAuto).
const VAULT_ROLE = JSON.stringify({ role_type: 'jwt', user_claim: 'sub', bound_audiences: ['x'] });

/** A core Verifier for one RSA public key, on the host path or the module's own. */
function core(modulus, exponent, { host, vault }) {
  const trim = (b) => b.subarray(b.findIndex((x) => x !== 0));
  const jwk = { kty: 'RSA', n: b64u(trim(modulus)), e: b64u(trim(exponent)) };
  const v = new Verifier();
  const options = { jwks: JSON.stringify({ keys: [jwk] }), ...(vault ? { role: VAULT_ROLE } : {}) };
  v.configure(JSON.stringify(options));
  if (host) {
    const op = nodeRsaOp(v);
    assert.ok(op !== undefined, 'Node prepares every Wycheproof key');
    let asked = 0;
    v.setRsaPublicOp((slot, sig) => {
      asked++;
      return op(slot, sig);
    });
    v.asked = () => asked;
  }
  return v;
}

/** The verdict Wycheproof (with jwtgate's documented policy, tests/rsa_wycheproof.rs) expects. */
function expected(t, group, pss, anySalt) {
  const accept = t.result === 'valid' || (t.result === 'acceptable' && !t.flags.includes('MissingNull'));
  if (!pss) return accept;
  const changed = /^s_len changed to (\d+)$/.exec(t.comment ?? '');
  const hLen = HASH_LEN[group.sha];
  if (changed) return anySalt || Number(changed[1]) === hLen;
  return accept && (anySalt || group.sLen === hLen);
}

test('every Wycheproof RSA vector: the same verdict on the host primitive and in wasm', () => {
  const files = readdirSync(WYCHEPROOF).filter((f) => /^rsa_(signature|pss)_.*_test\.json$/.test(f)).sort();
  assert.equal(files.length, 10);
  let total = 0;
  let askedTotal = 0;
  let refusedBefore = 0;
  const problems = [];
  for (const file of files) {
    const doc = JSON.parse(readFileSync(join(WYCHEPROOF, file), 'utf8'));
    const pss = file.startsWith('rsa_pss_');
    let count = 0;
    for (const group of doc.testGroups) {
      const alg = (pss ? JWS_ALG.pss : JWS_ALG.pkcs1)[group.sha];
      const n = hex(group.publicKey.modulus);
      const e = hex(group.publicKey.publicExponent);
      const nBig = BigInt(`0x${group.publicKey.modulus}`);
      const k = Math.ceil(group.keySize / 8);
      for (const vault of pss ? [false, true] : [false]) {
        const host = core(n, e, { host: true, vault });
        const wasm = core(n, e, { host: false, vault });
        let reaching = 0;
        for (const t of group.tests) {
          const msg = hex(t.msg);
          const sig = hex(t.sig);
          const viaHost = host.__probeSignature(alg, msg, sig);
          const viaWasm = wasm.__probeSignature(alg, msg, sig);
          const want = expected(t, group, pss, vault) ? 1 : 0;
          if (viaHost !== viaWasm || viaHost !== want) {
            problems.push(`${file} tcId ${t.tcId}${vault ? ' (any salt)' : ''}: host ${viaHost}, wasm ${viaWasm}, expected ${want}`);
          }
          const reaches = sig.length === k && BigInt(`0x${t.sig || '0'}`) < nBig;
          reaching += reaches ? 1 : 0;
          if (!reaches) refusedBefore++;
          if (!vault) count++;
        }
        // The host is asked exactly about the signatures that pass the core's own checks.
        if (host.asked() !== reaching) problems.push(`${file} group: host asked ${host.asked()} times, ${reaching} expected`);
        askedTotal += host.asked();
        host.free();
        wasm.free();
      }
    }
    assert.equal(count, doc.numberOfTests, `${file}: vectors skipped`);
    total += count;
  }
  assert.deepEqual(problems, []);
  // As tests/rsa_wycheproof.rs counts them: 1294 PKCS#1 v1.5 and 708 PSS vectors.
  assert.equal(total, 1294 + 708);
  assert.ok(refusedBefore > 0 && askedTotal > 1900, `${refusedBefore} refused before, ${askedTotal} asked`);
});

/** The whole outcome of a verify call: the result, or the error's code, message and report. */
function outcome(fn) {
  try {
    return { ok: structuredClone({ ...fn(), report: undefined }) };
  } catch (e) {
    if (!(e instanceof JwtgateError)) throw e;
    return { code: e.code, message: e.message, report: e.report };
  }
}

test('the minted interop corpus (PyJWT, jose): the same outcome on both paths, as expected', () => {
  const corpus = JSON.parse(readFileSync(join(VECTORS, 'minted', 'tokens.json'), 'utf8'));
  const jwks = readFileSync(join(VECTORS, 'minted', corpus.jwks), 'utf8');
  const options = { jwks, issuer: corpus.claims.iss, audience: corpus.claims.aud, now: corpus.now };
  const calls = seen.calls;
  let rsa = 0;
  for (const c of corpus.cases) {
    const host = outcome(() => verify(c.token, options));
    const wasm = outcome(() => verify(c.token, { ...options, rsaPrimitive: 'wasm' }));
    assert.deepEqual(host, wasm, c.id);
    if (c.expect.valid) assert.equal(host.ok?.key.kid, c.expect.kid, c.id);
    else assert.equal(host.code, c.expect.code, c.id);
    if (/^(RS|PS)/.test(c.alg)) rsa++;
  }
  assert.ok(rsa >= 20, `only ${rsa} RSA cases`);
  // Every RSA case that reached a signature check asked the host once (the wasm path never).
  assert.ok(seen.calls - calls >= rsa - 6, `host asked ${seen.calls - calls} times for ${rsa} RSA cases`);
});

// A fresh RSA key and tokens signed by node:crypto.
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
const JWKS = JSON.stringify({ keys: [jwk] });
const NOW = 1767225900;
const input = `${b64u(JSON.stringify({ alg: 'RS256', kid: 'k1' }))}.${b64u(JSON.stringify({ sub: 'w', exp: NOW + 600 }))}`;
const goodSig = sign('sha256', Buffer.from(input), privateKey);
const token = (sig) => `${input}.${b64u(sig)}`;
const N = Buffer.from(jwk.n, 'base64url');

function both(sig, extra = {}) {
  const run = (rsaPrimitive) => {
    const v = createVerifier({ jwks: JWKS, cacheSize: 0, rsaPrimitive, ...extra });
    try {
      return outcome(() => v.verify(token(sig), { now: NOW }));
    } finally {
      v.free();
    }
  };
  return [run('auto'), run('wasm')];
}

test('s >= n and wrong lengths are refused identically, without asking the host', () => {
  const plusOne = Buffer.from((BigInt(`0x${N.toString('hex')}`) + 1n).toString(16).padStart(512, '0'), 'hex');
  const cases = {
    'the modulus itself': N,
    'n + 1': plusOne,
    'all ones': Buffer.alloc(256, 0xff),
    'one byte short': goodSig.subarray(1),
    'one byte long': Buffer.concat([Buffer.alloc(1), goodSig]),
    zero: Buffer.alloc(256),
  };
  const calls = seen.calls;
  for (const [name, sig] of Object.entries(cases)) {
    const [host, wasm] = both(sig);
    assert.deepEqual(host, wasm, name);
    assert.equal(host.code, 'ERR_JWS_SIGNATURE_INVALID', name);
  }
  // Only `zero` (k bytes, below n) reaches the host.
  assert.equal(seen.calls - calls, 1);
  const [host, wasm] = both(goodSig);
  assert.deepEqual(host, wasm);
  assert.equal(host.ok.payload.sub, 'w');
});

test('a host that throws or answers the wrong length is a refusal, never a trap', () => {
  const before = generation();
  const answers = {
    throws: () => {
      throw new Error('OpenSSL says no');
    },
    'one byte short': (slot, sig, real) => real().subarray(1),
    'one byte long': (slot, sig, real) => Buffer.concat([Buffer.alloc(1), real()]),
    empty: () => new Uint8Array(0),
    'a string': () => 'x'.repeat(256),
    undefined: () => undefined,
    'an ArrayBuffer': (slot, sig, real) => real().buffer.slice(0, 256),
    'the encoding with one bit flipped': (slot, sig, real) => {
      const em = Buffer.from(real());
      em[100] ^= 1;
      return em;
    },
  };
  try {
    for (const [name, answer] of Object.entries(answers)) {
      inject = answer;
      const v = createVerifier({ jwks: JWKS, cacheSize: 0 });
      const r = outcome(() => v.verify(token(goodSig), { now: NOW }));
      assert.equal(r.code, 'ERR_JWS_SIGNATURE_INVALID', name);
      inject = undefined;
      // The same verifier works again once its host does.
      assert.equal(outcome(() => v.verify(token(goodSig), { now: NOW })).ok?.payload.sub, 'w', name);
      v.free();
    }
  } finally {
    inject = undefined;
  }
  assert.equal(generation(), before, 'no trap restarted the engine');
});

test('KeyObjects are prepared once per key set: per verifier, and per pooled one-shot options', () => {
  const p = seen.prepared;
  const v = createVerifier({ jwks: JWKS, cacheSize: 0 });
  for (let i = 0; i < 5; i++) v.verify(token(goodSig), { now: NOW });
  assert.equal(seen.prepared - p, 1);
  v.free();
  const options = { jwks: JWKS, cacheSize: 0, now: NOW };
  for (let i = 0; i < 5; i++) verify(token(goodSig), options);
  for (let i = 0; i < 3; i++) verify(token(goodSig), { ...options });
  assert.equal(seen.prepared - p, 2);
  // The pure path prepares nothing and never asks the host; an EC-only key set has no RSA key.
  const calls = seen.calls;
  for (let i = 0; i < 3; i++) verify(token(goodSig), { ...options, rsaPrimitive: 'wasm' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  createVerifier({ jwks: JSON.stringify({ keys: [ec] }) }).free();
  assert.equal(seen.prepared - p, 2);
  assert.equal(seen.calls, calls);
});

test('after a trap, the rebuilt core gets the same prepared KeyObjects, and verifies through them', async () => {
  const copy = trapPackage();
  try {
    const load = (f) => import(pathToFileURL(join(copy.dir, f)).href);
    const api = await load('index.node.js');
    const engine = await load('src/engine.js');
    trapOnMarkedTokens(await load('dist/jwtgate.js'));
    const host = await load('src/rsa-host.js');
    const { nodeRsaOp: op } = await load('src/node-rsa.js');
    const count = { prepared: 0, calls: 0 };
    host.setRsaHost((c) => {
      const f = op(c);
      count.prepared++;
      return (slot, sig) => {
        count.calls++;
        return f(slot, sig);
      };
    });
    const v = api.createVerifier({ jwks: JWKS, cacheSize: 0 });
    assert.equal(v.verify(token(goodSig), { now: NOW }).payload.sub, 'w');
    const g = engine.generation();
    assert.throws(() => v.verify('trap:unreachable', { now: NOW }), { code: 'ERR_INTERNAL' });
    assert.equal(engine.generation(), g + 1);
    assert.equal(v.verify(token(goodSig), { now: NOW }).payload.sub, 'w');
    // s = n: refused by the core before the host is asked.
    assert.throws(() => v.verify(token(N), { now: NOW }), { code: 'ERR_JWS_SIGNATURE_INVALID' });
    assert.deepEqual(count, { prepared: 1, calls: 2 });
    v.free();
  } finally {
    copy.remove();
  }
});

test('rsaPrimitive takes auto or wasm only', () => {
  for (const bad of ['host', 'openssl', 1, null, true]) {
    assert.throws(() => createVerifier({ jwks: JWKS, rsaPrimitive: bad }), { code: 'ERR_OPTIONS_INVALID' });
  }
  for (const ok of ['auto', 'wasm', undefined]) createVerifier({ jwks: JWKS, rsaPrimitive: ok }).free();
});

test('restore the Node entry host', () => {
  setRsaHost(nodeRsaOp);
});
