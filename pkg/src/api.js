// The public API, identical in Node and browsers. Every decision happens in the wasm core; this
// file only normalises options into the JSON the boundary (src/js.rs) reads and turns the
// boundary's answers into objects or JwtgateError.
import * as wasm from '../dist/jwtgate.js';
import { JwtgateError, unwrap } from './errors.js';
import { mintModule } from './mint.js';

const VERIFY_OPTIONS = new Set([
  'jwks',
  'keys',
  'issuer',
  'audience',
  'subject',
  'algorithms',
  'requiredClaims',
  'clockTolerance',
  'role',
  'roleName',
  'config',
  'limits',
  'cacheSize',
]);

function invalid(message) {
  return new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message });
}

/** `now` as whole Unix seconds: a number of seconds, a Date, or the current time. */
export function toSeconds(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) {
    const ms = now.getTime();
    if (!Number.isFinite(ms)) throw invalid('now is an invalid Date');
    return Math.floor(ms / 1000);
  }
  if (typeof now === 'number' && Number.isFinite(now)) return Math.floor(now);
  throw invalid('now must be Unix seconds (number) or a Date');
}

// A token crosses into wasm as UTF-8 bytes written by TextEncoder.encodeInto into a reused
// buffer. For a `string` argument wasm-bindgen's glue copies with a JavaScript loop over the
// characters: in Node 20 that loop takes 1.2 µs for 844 characters where encodeInto takes 0.08,
// and a whole call rejecting an RS256-sized token at parse went 9.1 -> 8.5 µs (side by side, CPU
// time). The glue copies the bytes into wasm memory before the call, so the buffer is free again
// when it returns. A string whose UTF-8 could pass 16 KiB (over 5,461 characters; tokens are far
// shorter) gets a buffer of its own instead of one kept alive at that size.
const encoder = new TextEncoder();
const SCRATCH_MAX = 16 * 1024;
let scratch = new Uint8Array(2048);
function utf8(str) {
  if (str.length * 3 > SCRATCH_MAX) return encoder.encode(str);
  if (scratch.length < str.length * 3) scratch = new Uint8Array(SCRATCH_MAX);
  return scratch.subarray(0, encoder.encodeInto(str, scratch).written);
}

const list = (v) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v]);
const text = (v) => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

/** The JSON the core's Verifier is configured with (everything but `now`). */
function verifierConfig(options) {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  for (const k of Object.keys(options)) {
    if (!VERIFY_OPTIONS.has(k)) throw invalid(`unknown option "${k}"`);
  }
  const o = options;
  if (o.clockTolerance !== undefined && !Number.isFinite(o.clockTolerance)) {
    throw invalid('clockTolerance must be a number of seconds');
  }
  return JSON.stringify({
    jwks: text(o.jwks),
    keys: list(o.keys),
    issuer: list(o.issuer),
    audience: list(o.audience),
    subject: o.subject,
    algorithms: list(o.algorithms),
    requiredClaims: o.requiredClaims,
    clockTolerance: o.clockTolerance,
    role: text(o.role),
    roleName: o.roleName,
    config: text(o.config),
    limits: o.limits,
    cacheSize: o.cacheSize,
  });
}

/**
 * Decodes a token without verifying anything (tolerant of `Bearer `, quotes, whitespace).
 * Never says "valid": use `verify` for that.
 */
export function inspect(token) {
  if (typeof token !== 'string') throw invalid('token must be a string');
  return unwrap(wasm.inspect(token));
}

/**
 * A verifier with its keys prepared once and a bounded cache of verified tokens (keyed by the
 * token; options and keys are fixed for the verifier's life). The fast path for a proxy or a
 * sidecar that sees the same tokens repeatedly.
 */
export function createVerifier(options = {}) {
  const config = verifierConfig(options);
  return makeVerifier(config);
}

function deepFreeze(value) {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    else for (const k in value) deepFreeze(value[k]);
  }
  return value;
}

/**
 * Reads a verified answer in the boundary's compact form (src/js.rs `verified_text`): `v`, then
 * window start, window end, the JSON array `[header, payload, key, alias]` and the report,
 * separated by newlines. Returns the deeply frozen result and the reuse window. The array is one
 * JSON.parse; the report (most of the text, read mostly after failures, which throw with it
 * already parsed) is parsed when first read.
 */
function readVerified(text) {
  const a = text.indexOf('\n');
  const b = text.indexOf('\n', a + 1);
  const c = text.indexOf('\n', b + 1);
  const from = a > 1 ? Number(text.slice(1, a)) : undefined;
  const until = b > a + 1 ? Number(text.slice(a + 1, b)) : undefined;
  const parts = JSON.parse(text.slice(b + 1, c));
  const reportText = text.slice(c + 1);
  let report;
  const value = Object.freeze({
    header: deepFreeze(parts[0]),
    payload: deepFreeze(parts[1]),
    key: deepFreeze(parts[2]),
    alias: deepFreeze(parts[3]),
    get report() {
      if (report === undefined) report = deepFreeze(JSON.parse(reportText));
      return report;
    },
  });
  return { value, from, until };
}

/** A boundary answer of `Verifier.verify`: the compact form, or a `{"err": …}` envelope. */
function verifiedOrThrow(text) {
  if (text.charCodeAt(0) === 118 /* v */) return readVerified(text);
  unwrap(text);
  // unwrap throws for every envelope verify returns other than the compact form.
  throw new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message: 'unexpected verifier answer' });
}

function makeVerifier(config) {
  const core = new wasm.Verifier();
  unwrap(core.configure(config));
  const capacity = unwrap(core.cacheStats()).capacity;
  // A memo of parsed answers in front of the core's cache, keyed by the exact token (options and
  // keys are fixed for this verifier) and valid in the window the core computed for that answer
  // ([verified-at, raw exp), at most 10 min), so a hit costs a Map lookup instead of a wasm call
  // and a JSON.parse. Bounded like the core's cache; oldest entry evicted first.
  const memo = new Map();
  let memoHits = 0;
  return {
    /** Verifies `token`; returns the verified identity (deeply frozen) or throws JwtgateError. */
    verify(token, { now } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      const at = toSeconds(now);
      const hit = memo.get(token);
      if (hit !== undefined) {
        if (at >= hit.from && at < hit.until) {
          memoHits++;
          return hit.value;
        }
        if (at >= hit.until) memo.delete(token);
      }
      const { value, from, until } = verifiedOrThrow(core.verify(utf8(token), at));
      if (until !== undefined && capacity > 0) {
        if (memo.size >= capacity) memo.delete(memo.keys().next().value);
        memo.set(token, { value, from, until });
      }
      return value;
    },
    /** Verifies `token` and decides `request` against `policies`; denial is a result. */
    authorize(token, { policies, accessor, request, now, entity } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      const input = JSON.stringify({ policies: policyList(policies), accessor, request, entity });
      return unwrap(core.authorize(utf8(token), input, toSeconds(now)));
    },
    /** Verifies `token` and renders `policies` for its alias (no decision). */
    renderPolicies(token, { policies, accessor, now, entity } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      const input = JSON.stringify({ policies: policyList(policies), accessor, entity });
      return unwrap(core.renderPolicies(utf8(token), input, toSeconds(now)));
    },
    /** Cache counters: `{ len, capacity, hits, misses }` (hits include the JS memo's). */
    cacheStats() {
      const st = unwrap(core.cacheStats());
      return { ...st, hits: st.hits + memoHits };
    },
    /** Releases the wasm memory now instead of at garbage collection. */
    free() {
      core.free();
    },
  };
}

// verify(token, options) reuses verifiers by their configuration, so repeated calls with the
// same options share prepared keys and the token cache. Bounded; oldest configuration evicted.
const MAX_VERIFIERS = 16;
const verifiers = new Map();

function verifierFor(options) {
  const config = verifierConfig(options);
  let v = verifiers.get(config);
  if (v === undefined) {
    v = makeVerifier(config);
    if (verifiers.size >= MAX_VERIFIERS) {
      const [oldestKey, oldest] = verifiers.entries().next().value;
      verifiers.delete(oldestKey);
      oldest.free();
    }
    verifiers.set(config, v);
  }
  return v;
}

function splitNow(options) {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  const { now, ...rest } = options;
  return [now, rest];
}

/**
 * Verifies a token: signature against `jwks`/`keys`, then the claims with RFC 7519
 * semantics, or Vault's JWT-auth semantics when `role` is given. Returns
 * `{ header, payload, key, alias?, report }`; throws JwtgateError.
 */
export function verify(token, options = {}) {
  const [now, rest] = splitNow(options);
  return verifierFor(rest).verify(token, { now });
}

function policyList(policies) {
  if (policies === undefined) return [];
  if (!Array.isArray(policies)) policies = [policies];
  return policies.map((p, i) =>
    typeof p === 'string' ? { name: `policy${i + 1}`, text: p } : { name: p.name ?? `policy${i + 1}`, text: p.text ?? p.policy },
  );
}

/**
 * Verifies the token with Vault semantics, renders the templated policies for the resulting
 * alias and decides `request` (`{ path, capability }` or `{ method, path }`). Returns the report;
 * a denial is a result (`allowed: false`), not a throw.
 */
export function authorize(token, options = {}) {
  const [now, rest] = splitNow(options);
  const { policies, accessor, request, entity, ...verifyOptions } = rest;
  return verifierFor(verifyOptions).authorize(token, { policies, accessor, request, entity, now });
}

/** Renders templated Vault policies for a verified token (no decision). */
export function renderPolicies(token, options = {}) {
  const [now, rest] = splitNow(options);
  const { policies, accessor, entity, ...verifyOptions } = rest;
  // The wasm export is a Verifier method (src/js.rs), not a module function.
  return verifierFor(verifyOptions).renderPolicies(token, { policies, accessor, entity, now });
}

/**
 * Evaluates an AWS IAM role trust policy for `sts:AssumeRoleWithWebIdentity` with this token:
 * `{ trustPolicy?, providerUrl, clientIds?, accountId?, now? }` plus key options (`jwks`/`keys`):
 * with keys the token is verified first (`iss` must equal `providerUrl`), without them only decoded.
 */
export function evaluateTrustPolicy(token, options = {}) {
  const [now, rest] = splitNow(options);
  const { trustPolicy, providerUrl, clientIds, accountId, ...verifyOptions } = rest;
  const input = JSON.stringify({ trustPolicy: text(trustPolicy), providerUrl, clientIds: list(clientIds), accountId });
  return unwrap(wasm.evaluateTrustPolicy(token, verifierConfig(verifyOptions), input, toSeconds(now)));
}

/**
 * A least-privilege IAM trust policy for this token's provider: `aud` pinned to the first client
 * id, `sub` scoped to the Nomad job (`region:namespace:job:*`). The token is decoded, not verified.
 */
export function suggestTrustPolicy(token, options = {}) {
  const { providerUrl, clientIds, accountId } = options;
  return unwrap(wasm.suggestTrustPolicy(token, JSON.stringify({ providerUrl, clientIds: list(clientIds), accountId })));
}

/** Lists a JWKS's usable keys (kid, alg, kty, thumbprint) and the keys skipped, with reasons. */
export function jwksInfo(jwks) {
  return unwrap(wasm.jwksInfo(text(jwks)));
}

/**
 * Converts every usable key of a JWKS to PEM (SPKI `PUBLIC KEY`), for Vault's
 * `jwt_validation_pubkeys`: `{ keys: [{ kid, thumbprint, pem }], skipped: [{ index, kid, code, message }] }`.
 */
export function jwksToPem(jwks) {
  return unwrap(wasm.jwksToPem(text(jwks)));
}

/** RFC 7638 SHA-256 thumbprint (base64url) of a public JWK. */
export function thumbprint(jwk) {
  return unwrap(wasm.thumbprint(text(jwk)));
}

/** Checks an OIDC discovery document against the issuer it was fetched for. */
export function parseDiscovery(document, issuer) {
  return unwrap(wasm.parseDiscovery(text(document), issuer));
}

/**
 * Generates a key pair (host CSPRNG) and a Nomad-shaped signed workload identity for testing
 * Vault roles and AWS trust policies locally. Returns `{ token, jwks, privateJwk, header, payload }`.
 * `alg: 'RS256'` (Nomad 1.7+, AWS) generates an RSA 2048 key, which takes about a second;
 * `'EdDSA'` is instant. Runs in a second wasm module loaded on first use (Node: automatically;
 * browsers: `await initMint()` first).
 */
export function mintTestIdentity(options = {}) {
  const { now, ...rest } = options;
  const o = { ...rest };
  if (o.audience !== undefined) o.audience = list(o.audience);
  if (now !== undefined) o.now = toSeconds(now);
  return unwrap(mintModule()(JSON.stringify(o), toSeconds(undefined)));
}
