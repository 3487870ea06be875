// The public API, identical in Node and browsers. Every decision happens in the wasm core; this
// file only normalises options into the JSON the boundary (src/js.rs) reads and turns the
// boundary's answers into objects or JwtgateError. It also refuses inputs longer than their
// limits before copying them into wasm (./limits.js), bounds the verifiers' caches in bytes, and
// goes through ./engine.js for every call into wasm (not initialised, restart after a trap).
import { enter, failed, generation, onRestart, wasm } from './engine.js';
import { JwtgateError, unwrap } from './errors.js';
import { checkDocument, checkToken, limitOf, utf8Length, DEFAULT_MAX_DOCUMENT_LEN } from './limits.js';
import { mintModule } from './mint.js';
import { hostRsaOp } from './rsa-host.js';

// The gate (the Envoy filter's whole decision) is part of the API every entry exports.
export { createGate } from './gate.js';

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
  'cacheBytes',
  'rsaPrimitive',
]);

/** Default bound on one verifier's cached answers (`cacheBytes`), in bytes. */
export const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;
/**
 * Bound on every live verifier's cache together (createVerifier's and verify()'s pool), in
 * bytes: wasm memory is shared by all of them and never shrinks, so the bound is on the sum.
 */
export const TOTAL_CACHE_BYTES = 64 * 1024 * 1024;
/** Cache bound of each verifier in verify()'s pool (at most MAX_VERIFIERS of them). */
const POOL_CACHE_BYTES = 2 * 1024 * 1024;

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

/**
 * The options the core's Verifier is configured with (everything but `now`), after their
 * documents were measured against the limits (ERR_LIMIT_EXCEEDED, as the core words it, before
 * anything is copied into wasm). `cacheBytes` is the caller's request; the grant is decided
 * when the verifier is made.
 */
function verifierOptions(options) {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  for (const k of Object.keys(options)) {
    if (!VERIFY_OPTIONS.has(k)) throw invalid(`unknown option "${k}"`);
  }
  const o = options;
  if (o.clockTolerance !== undefined && !Number.isFinite(o.clockTolerance)) {
    throw invalid('clockTolerance must be a number of seconds');
  }
  if (o.cacheBytes !== undefined && !(Number.isSafeInteger(o.cacheBytes) && o.cacheBytes >= 0)) {
    throw invalid('cacheBytes must be a whole number of bytes (0 disables the cache)');
  }
  if (o.rsaPrimitive !== undefined && o.rsaPrimitive !== 'auto' && o.rsaPrimitive !== 'wasm') {
    throw invalid(`rsaPrimitive must be 'auto' or 'wasm', not ${JSON.stringify(o.rsaPrimitive)}`);
  }
  // In the order the core reads them (role, config, then the keys).
  const maxDoc = limitOf(o.limits, 'maxDocumentLen');
  const role = text(o.role);
  const config = text(o.config);
  const jwks = text(o.jwks);
  const keys = list(o.keys);
  checkDocument(role, maxDoc, 'Vault role: ');
  checkDocument(config, maxDoc, 'Vault config: ');
  checkDocument(jwks, maxDoc, 'JWKS: ');
  if (keys !== undefined && jwks === undefined) {
    for (const pem of keys) if (typeof pem === 'string') checkDocument(pem, maxDoc, '');
  }
  return {
    jwks,
    keys,
    issuer: list(o.issuer),
    audience: list(o.audience),
    subject: o.subject,
    algorithms: list(o.algorithms),
    requiredClaims: o.requiredClaims,
    clockTolerance: o.clockTolerance,
    role,
    roleName: o.roleName,
    config,
    limits: o.limits,
    cacheSize: o.cacheSize,
    cacheBytes: o.cacheBytes,
    // Not the core's: which RSA arithmetic the verifier gets (./rsa-host.js). Only 'wasm' is
    // kept, so it is part of the pool key and the default adds nothing to it.
    rsaPrimitive: o.rsaPrimitive === 'wasm' ? 'wasm' : undefined,
  };
}

/**
 * Decodes a token without verifying anything (tolerant of `Bearer `, quotes, whitespace).
 * Never says "valid": use `verify` for that.
 */
export function inspect(token) {
  if (typeof token !== 'string') throw invalid('token must be a string');
  enter();
  // Over the default max_document_len the core decodes nothing and its answer depends on the
  // length alone: ask for it by length, without copying the input.
  const size = token.length > DEFAULT_MAX_DOCUMENT_LEN ? utf8Length(token) : 0;
  try {
    return unwrap(size > DEFAULT_MAX_DOCUMENT_LEN ? wasm.inspectOversized(size) : wasm.inspect(token));
  } catch (e) {
    throw failed(e);
  }
}

/**
 * A verifier with its keys prepared once and a bounded cache of verified tokens (keyed by the
 * token; options and keys are fixed for the verifier's life). The fast path for a proxy or a
 * sidecar that sees the same tokens repeatedly.
 */
export function createVerifier(options = {}) {
  const o = verifierOptions(options);
  return makeVerifier(o, o.cacheBytes ?? DEFAULT_CACHE_BYTES);
}

// The cache budget: every live verifier holds a grant (its core's `cacheBytes`) and the grants
// never sum past TOTAL_CACHE_BYTES. A verifier dropped without free() returns its grant when it
// is garbage-collected, as wasm-bindgen's finalizer frees its core then.
let granted = 0;
const grants = typeof FinalizationRegistry === 'undefined' ? null : new FinalizationRegistry((bytes) => {
  granted -= bytes;
});

/** Takes up to `want` bytes of the budget, evicting verify()'s pooled verifiers first if needed. */
function grant(want) {
  while (granted + want > TOTAL_CACHE_BYTES && evictPooled()) {
    // evictPooled() freed one pooled verifier and its grant.
  }
  const bytes = Math.max(0, Math.min(want, TOTAL_CACHE_BYTES - granted));
  granted += bytes;
  return bytes;
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
  return { value, from, until, size: text.length };
}

/** A boundary answer of `Verifier.verify` (it throws its failures): the compact form. */
function verifiedOrThrow(text) {
  if (text.charCodeAt(0) === 118 /* v */) return readVerified(text);
  throw new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message: 'unexpected verifier answer' });
}

/**
 * A verifier over a core Verifier configured with `options` and a cache of `want` bytes (less if
 * the budget is spent). The core is rebuilt from the same options when the engine was restarted
 * after a trap (its cache starts empty); `free()` releases it and the grant.
 */
function makeVerifier(options, want) {
  enter();
  // A verifier that caches nothing (`cacheSize: 0`) takes none of the budget.
  const bytes = grant(options.cacheSize === 0 ? 0 : want);
  const { rsaPrimitive, ...coreOptions } = options;
  const config = JSON.stringify({ ...coreOptions, cacheBytes: bytes });
  const maxToken = limitOf(options.limits, 'maxTokenLen');
  const maxDoc = limitOf(options.limits, 'maxDocumentLen');
  let core;
  let coreGeneration;
  let capacity;
  let freed = false;
  // A memo of parsed answers in front of the core's cache, keyed by the exact token (options and
  // keys are fixed for this verifier) and valid in the window the core computed for that answer
  // ([verified-at, raw exp), at most 10 min), so a hit costs a Map lookup instead of a wasm call
  // and a JSON.parse. Bounded like the core's cache, in entries and in bytes (the token's and the
  // answer's text, twice for UTF-16); oldest entry evicted first.
  const memo = new Map();
  let memoBytes = 0;
  // authorize: the last policy set sent to the core, `{ core, id, list }` (the core it was
  // sent to, the id it keeps it under there, and the `{ name, text }` list), and the last id
  // given (ids are never reused by this verifier).
  let sent;
  let setIds = 0;
  // authorize: `{ core, id, text }`, the `verification` member the core last answered with
  // (src/js.rs `VerifiedMembers`): its number there and its JSON text.
  let verified;
  // authorize: the core's login-order note for the last policy set, accessor and knowledge
  // `{ list, key, text }` (`text` null when the setup has no hazard), found once per setup.
  let noted;
  let memoHits = 0;
  // The host's RSA public operation for these keys (./rsa-host.js): prepared with the first
  // core, lent again to every core rebuilt from the same options. `null`: none.
  let rsaOp;
  const forget = (token, hit) => {
    memo.delete(token);
    memoBytes -= hit.bytes;
  };
  /** The core of the current engine: (re)built on first use and after a restart. */
  function live() {
    if (freed) throw invalid('this verifier was freed');
    enter();
    if (coreGeneration !== generation()) {
      memo.clear();
      memoBytes = 0;
      core = undefined;
      const fresh = new wasm.Verifier();
      unwrap(fresh.configure(config));
      rsaOp ??= hostRsaOp(fresh, rsaPrimitive) ?? null;
      if (rsaOp !== null) fresh.setRsaPublicOp(rsaOp);
      capacity = unwrap(fresh.cacheStats()).capacity;
      core = fresh;
      coreGeneration = generation();
    }
    return core;
  }
  const guarded = (fn) => {
    try {
      return fn(live());
    } catch (e) {
      throw failed(e);
    }
  };
  try {
    guarded(() => undefined);
  } catch (e) {
    granted -= bytes;
    throw e;
  }
  /** The login-order note's JSON text for this role with `list` (null: no hazard). */
  function loginOrderNote(list, accessor, knowledge) {
    const key = JSON.stringify([accessor, knowledge]);
    if (noted !== undefined && noted.key === key && samePairs(list, noted.list)) return noted.text;
    const input = JSON.stringify({ role: options.role, roleName: options.roleName, policies: list, accessor, knowledge, limits: options.limits });
    const note = unwrap(guarded(() => wasm.loginOrderNote(input)));
    noted = { list, key, text: note === null || note === undefined ? null : JSON.stringify(note) };
    return noted.text;
  }
  const handle = {
    /** Verifies `token`; returns the verified identity (deeply frozen) or throws JwtgateError. */
    verify(token, { now } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      const at = toSeconds(now);
      const hit = memo.get(token);
      if (hit !== undefined && coreGeneration === generation()) {
        if (at >= hit.from && at < hit.until) {
          memoHits++;
          return hit.value;
        }
        if (at >= hit.until) forget(token, hit);
      }
      checkToken(token, maxToken);
      let answer;
      try {
        answer = live().verify(utf8(token), at);
      } catch (e) {
        throw failed(e);
      }
      const { value, from, until, size } = verifiedOrThrow(answer);
      const weight = 2 * (token.length + size);
      if (until !== undefined && capacity > 0 && weight <= bytes) {
        while (memo.size > 0 && (memo.size >= capacity || memoBytes + weight > bytes)) {
          const [oldest, old] = memo.entries().next().value;
          forget(oldest, old);
        }
        memo.set(token, { value, from, until, bytes: weight });
        memoBytes += weight;
      }
      return value;
    },
    /** Verifies `token` and decides `request` against `policies`; denial is a result. */
    authorize(token, { policies, accessor, request, now, entity, knowledge } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      let list = policyPairs(policies);
      // The same policies as the last call's (every name and text `===`, whatever array or
      // objects hold them): their texts passed the length check then, under this verifier's
      // fixed limits, and the core may still keep them under `sent.id`, so the call names the
      // set instead of copying (and the core comparing) every text again.
      const same = sent !== undefined && samePairs(list, sent.list);
      if (same) list = sent.list;
      else checkPolicies(list, maxDoc);
      checkToken(token, maxToken);
      const at = toSeconds(now);
      // The rest of the input as text, kept for a later read of `rendered` (the accessor and
      // entity of this call even if the caller's objects change since).
      const tail = JSON.stringify({ accessor, request, entity });
      const rest = tail === '{}' ? '}' : `,${tail.slice(1)}`;
      const full = () => `{"policies":${JSON.stringify(list)}${rest}`;
      let held;
      let core;
      const answer = guarded((c) => {
        core = c;
        // The verification this verifier's core last answered with, if we hold its text.
        held = verified?.core === c ? verified : undefined;
        const lazy = held === undefined ? '"lazy":true' : `"lazy":true,"have":${held.id}`;
        if (same && sent.core === c) {
          const a = c.authorize(utf8(token), `{"set":${sent.id},${lazy}${rest}`, at);
          if (a !== STALE) return a;
        }
        // Not kept (a new core after a restart, or dropped for other sets): the text, under
        // a new id, since an id names one content for good. No id for no policies: an id
        // without policies names a kept set.
        if (list.length === 0) return c.authorize(utf8(token), `{${lazy},${full().slice(1)}`, at);
        const id = ++setIds;
        const a = c.authorize(utf8(token), `{"set":${id},${lazy},${full().slice(1)}`, at);
        if (a.startsWith('{"ok":')) sent = { core: c, id, list };
        return a;
      });
      // Failures were thrown (and turned into JwtgateError by `guarded`).
      const envelope = JSON.parse(answer);
      const report = envelope.ok;
      const used = sent?.list === list ? sent : undefined;
      // `verification` (the token's whole verification report, most of the answer once
      // `rendered` is left out) is the same for every call answered from one cached
      // verification: the core leaves it out (`elided`) when we hold its text, and each
      // report gets its own copy of it when read.
      if (envelope.elided === true) {
        const { text } = held;
        lazyMember(report, 'verification', () => JSON.parse(text));
      } else {
        verified = { core, id: envelope.members, text: JSON.stringify(report.verification) };
      }
      // Beside the verdict, when this setup's answers depend on who logged in last with the
      // same alias: the core's hazards and fix (src/login_order/note.rs), read when first read.
      // `depends` (src/login_order/depends.rs) is per answer: present when another login
      // sharing this token's alias would get the other answer.
      const noteText = loginOrderNote(list, accessor, knowledge);
      if (noteText !== null) {
        // Only this call's entity and knowledge are copied now (the caller's objects may change
        // since); the policy texts, which can be most of the input, are serialised when read.
        const own = JSON.stringify({ entity, knowledge });
        report.loginOrder = null;
        lazyMember(report, 'loginOrder', () => {
          const asked = JSON.stringify({
            role: options.role, roleName: options.roleName, policies: list, accessor, limits: options.limits,
            alias: report.alias, request: report.request, allowed: report.allowed, ...JSON.parse(own),
          });
          const note = JSON.parse(noteText);
          // A module function (no verifier state): it reads after free() too.
          enter();
          let text;
          try {
            text = wasm.loginOrderDepends(asked, at);
          } catch (e) {
            throw failed(e);
          }
          const depends = unwrap(text);
          return depends === null || depends === undefined ? note : { ...note, depends };
        });
      }
      // `rendered` (one entry per templated path, most of the answer's size) is asked of the
      // core only when read: the same answer, rendered from the same set, token, time,
      // accessor and entity.
      return lazyMember(report, 'rendered', () => {
        if (freed) {
          // A fresh verifier from the same options gives the same answer.
          const v = makeVerifier(options, 0);
          try {
            const { accessor: a, entity: e } = JSON.parse(tail);
            return v.renderPolicies(token, { policies: list, accessor: a, entity: e, now: at }).rendered;
          } finally {
            v.free();
          }
        }
        const text = guarded((c) => {
          const a = used?.core === c ? c.renderPolicies(utf8(token), `{"set":${used.id}${rest}`, at) : STALE;
          return a === STALE ? c.renderPolicies(utf8(token), full(), at) : a;
        });
        return unwrap(text).rendered;
      });
    },
    /** Verifies `token` and renders `policies` for its alias (no decision). */
    renderPolicies(token, { policies, accessor, now, entity, knowledge } = {}) {
      if (typeof token !== 'string') throw invalid('token must be a string');
      const list = policyList(policies, maxDoc);
      checkToken(token, maxToken);
      const input = JSON.stringify({ policies: list, accessor, entity });
      const at = toSeconds(now);
      const r = unwrap(guarded((c) => c.renderPolicies(utf8(token), input, at)));
      // The paths are this token's only while it was the last to log in with its alias.
      const noteText = loginOrderNote(list, accessor, knowledge);
      if (noteText !== null) r.loginOrder = JSON.parse(noteText);
      return r;
    },
    /**
     * Cache counters: `{ len, capacity, hits, misses, bytes, maxBytes }` (hits include the JS
     * memo's; `bytes` is the core cache's weight, `maxBytes` this verifier's grant).
     */
    cacheStats() {
      const st = unwrap(guarded((c) => c.cacheStats()));
      return { ...st, hits: st.hits + memoHits };
    },
    /** Releases the wasm memory and the cache grant now instead of at garbage collection. */
    free() {
      if (freed) return;
      freed = true;
      memo.clear();
      // authorize's reports read late keep what they need in their own closures.
      sent = undefined;
      verified = undefined;
      noted = undefined;
      grants?.unregister(handle);
      granted -= bytes;
      // A core from an engine since replaced is gone with it (its finalizer is a no-op).
      if (core !== undefined && coreGeneration === generation()) {
        try {
          core.free();
        } catch (e) {
          throw failed(e);
        }
      }
      core = undefined;
    },
  };
  grants?.register(handle, bytes, handle);
  return handle;
}

// verify(token, options) reuses verifiers by their configuration, so repeated calls with the
// same options share prepared keys and the token cache. Bounded; oldest configuration evicted.
// Each pooled verifier's cache is POOL_CACHE_BYTES (its own `cacheBytes` when smaller), so the
// pool holds at most MAX_VERIFIERS * POOL_CACHE_BYTES; it is also the first thing given up when
// createVerifier's verifiers need the budget. After a trap the pool is dropped whole.
const MAX_VERIFIERS = 16;
const verifiers = new Map();
// Changes whenever a verifier leaves the pool, so verify()'s memo knows when to look again.
let poolEpoch = 0;
onRestart(() => {
  for (const v of verifiers.values()) v.free();
  verifiers.clear();
  poolEpoch++;
});

/** Frees the oldest pooled verifier; false when the pool is empty. */
function evictPooled() {
  const oldest = verifiers.entries().next().value;
  if (oldest === undefined) return false;
  poolEpoch++;
  verifiers.delete(oldest[0]);
  oldest[1].free();
  return true;
}

function verifierFor(options) {
  return pooled(options)[1];
}

/** `[key, verifier]`: the pooled verifier for `options` (made if needed) and its pool key. */
function pooled(options) {
  const o = verifierOptions(options);
  const key = JSON.stringify(o);
  let v = verifiers.get(key);
  if (v === undefined) {
    if (verifiers.size >= MAX_VERIFIERS) evictPooled();
    v = makeVerifier(o, Math.min(o.cacheBytes ?? POOL_CACHE_BYTES, POOL_CACHE_BYTES));
    verifiers.set(key, v);
  }
  return [key, v];
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
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  return (recalled(options) ?? remembered(options)).verify(token, { now: options.now });
}

// verify()'s memo in front of the pool. Finding the pooled verifier means serialising the
// options (the JWKS included), which costs more than answering a cached token; so the last few
// options objects are kept with a snapshot of their content (everything but `now`: objects and
// arrays copied, strings and numbers shared) and the pool key they serialised to. The same
// object is checked against its own snapshot; another object against each snapshot. Either way
// the check walks the object, so a mutation since (a key replaced inside `jwks`, an audience
// pushed) is seen and the options are serialised again. Member order is compared too, as the
// pool key depends on it. A part that is deeply frozen data (Object.freeze all the way down, no
// getters) cannot change, so the same object there is the same content without a walk. Options
// JSON would not read as plain data (a `toJSON`, a class instance, a Date, nesting deeper than
// MEMO_DEPTH) are never remembered.
const MEMO_SIZE = 4;
const MEMO_DEPTH = 16;
const memo = [];

/** The pooled verifier of a remembered options object with the same content, or undefined. */
function recalled(options) {
  // The same object first: its own snapshot, and only it (a content change means new options).
  let hit = -1;
  for (let i = 0; i < memo.length; i++) {
    if (memo[i].options === options) {
      if (!sameTop(options, memo[i].snapshot)) return undefined;
      hit = i;
      break;
    }
  }
  if (hit < 0) {
    for (let i = 0; i < memo.length; i++) {
      if (sameTop(options, memo[i].snapshot)) {
        hit = i;
        break;
      }
    }
    if (hit < 0) return undefined;
    // Another object with the same content. Deeply frozen, it gets an entry of its own, whose
    // snapshot lets later calls with it skip the walk; others share the entry (an equal new
    // object on every call must not fill the memo).
    if (Object.isFrozen(options)) {
      const snap = snapshot(options, 0, 'now');
      if (snap !== NOT_PLAIN && snap.frozen) {
        const m = memo[hit];
        memo.unshift({ ...m, options, snapshot: snap });
        if (memo.length > MEMO_SIZE) memo.pop();
        hit = 0;
      }
    }
  }
  const m = memo[hit];
  if (m.epoch !== poolEpoch) {
    // Evicted from the pool, or dropped after a restart: configured anew by the caller.
    if (verifiers.get(m.key) !== m.verifier) return undefined;
    m.epoch = poolEpoch;
  }
  m.options = options;
  if (hit > 0) {
    memo.splice(hit, 1);
    memo.unshift(m);
  }
  return m.verifier;
}

/** The pooled verifier for `options` (serialised), remembered when its options are plain. */
function remembered(options) {
  const snap = plain(options) ? snapshot(options, 0, 'now') : NOT_PLAIN;
  if (snap === NOT_PLAIN) {
    const { now, ...rest } = options;
    return pooled(rest)[1];
  }
  // Configured from the snapshot itself, so what later calls are compared with is exactly what
  // the verifier was made from (a getter read twice could have answered differently).
  const [key, v] = pooled(rebuild(snap));
  const old = memo.findIndex((m) => m.key === key || m.options === options);
  if (old >= 0) memo.splice(old, 1);
  memo.unshift({ options, snapshot: snap, key, verifier: v, epoch: poolEpoch });
  if (memo.length > MEMO_SIZE) memo.pop();
  return v;
}

/** Plain data with the content `snap` recorded. */
function rebuild(snap) {
  if (typeof snap !== 'object' || snap === null) return snap;
  if (snap.a !== undefined) return snap.a.map(rebuild);
  // No prototype: a member named `__proto__` (JSON.parse makes them) stays a member.
  const out = Object.create(null);
  for (let i = 0; i < snap.k.length; i++) out[snap.k[i]] = rebuild(snap.v[i]);
  return out;
}

const NOT_PLAIN = Symbol('not plain');

/** Whether JSON.stringify reads `v` (an object) as its own enumerable members and nothing else. */
function plain(v) {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null || proto === Array.prototype) && v.toJSON === undefined;
}

/**
 * `value`'s content: primitives as they are; an array as `{ a: [items] }`; an object as
 * `{ k: [keys in order], v: [values] }` (without the member `skip`); each with `ref` (the
 * object) and `frozen` (it and everything in it frozen data that can never change, so `ref`
 * itself stands for the content). NOT_PLAIN if any part is not plain data.
 */
function snapshot(value, depth, skip) {
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return NOT_PLAIN;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MEMO_DEPTH || !plain(value)) return NOT_PLAIN;
  let frozen = Object.isFrozen(value);
  const stable = (c) => typeof c !== 'object' || c === null || c.frozen;
  if (Array.isArray(value)) {
    const a = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      a[i] = snapshot(value[i], depth + 1);
      if (a[i] === NOT_PLAIN) return NOT_PLAIN;
      frozen &&= stable(a[i]);
    }
    return { a, ref: value, frozen };
  }
  const k = [];
  const v = [];
  for (const key in value) {
    if (key === skip) continue;
    const c = snapshot(value[key], depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    // A getter may answer differently each time, frozen or not.
    frozen &&= stable(c) && Object.getOwnPropertyDescriptor(value, key)?.get === undefined;
    k.push(key);
    v.push(c);
  }
  return { k, v, ref: value, frozen };
}

/** Whether the options object `options` has the content `snap` recorded, `now` aside. */
function sameTop(options, snap) {
  if (options === snap.ref && snap.frozen) return true;
  if (!plain(options)) return false;
  const { k, v } = snap;
  let i = 0;
  for (const key in options) {
    if (key === 'now') continue;
    if (key !== k[i] || !sameContent(options[key], v[i], 1)) return false;
    i++;
  }
  return i === k.length;
}

/** Whether `value` has exactly the content `snap` recorded (see `snapshot`). */
function sameContent(value, snap, depth) {
  if (typeof value !== 'object' || value === null) return value === snap;
  if (typeof snap !== 'object' || snap === null || depth >= MEMO_DEPTH) return false;
  if (value === snap.ref && snap.frozen) return true;
  if (Array.isArray(value)) {
    const { a } = snap;
    if (a === undefined || value.length !== a.length || Object.getPrototypeOf(value) !== Array.prototype || value.toJSON !== undefined) return false;
    for (let i = 0; i < a.length; i++) if (!sameContent(value[i], a[i], depth + 1)) return false;
    return true;
  }
  const { k, v } = snap;
  if (k === undefined || !plain(value)) return false;
  let i = 0;
  for (const key in value) {
    if (key !== k[i] || !sameContent(value[key], v[i], depth + 1)) return false;
    i++;
  }
  return i === k.length;
}

/** `{ name, text }` for each policy, each text measured against `maxDoc` before it is copied. */
function policyList(policies, maxDoc) {
  return checkPolicies(policyPairs(policies), maxDoc);
}

/** `{ name, text }` for each policy, not yet measured. */
function policyPairs(policies) {
  if (policies === undefined) return [];
  if (!Array.isArray(policies)) policies = [policies];
  return policies.map((p, i) =>
    typeof p === 'string' ? { name: `policy${i + 1}`, text: p } : { name: p.name ?? `policy${i + 1}`, text: p.text ?? p.policy },
  );
}

/** Measures each text of `list` (from policyPairs) against `maxDoc`; returns `list`. */
function checkPolicies(list, maxDoc) {
  for (const p of list) {
    if (typeof p.text === 'string' && typeof p.name === 'string') {
      checkDocument(p.text, maxDoc, `policy ${JSON.stringify(p.name)}: `);
    }
  }
  return list;
}

/** Whether two policyPairs lists hold the same names and texts (same order). */
function samePairs(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].name !== b[i].name || a[i].text !== b[i].text) return false;
  }
  return true;
}

/**
 * The core's answer when a call names a policy set (`set`) it no longer keeps (src/js.rs
 * `STALE`): the call is made again with the text.
 */
const STALE = 'stale';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * `report` with its member `key` (null in the core's answer, in its place) computed by
 * `compute` when first read, then kept as a plain data property. Reading it, enumerating it,
 * JSON.stringify, structuredClone, spreading and deep-equality checks see the same value as
 * an eager member (they read through the getter); util.inspect is given the materialised
 * object. Assigning it replaces it, as for any data member.
 */
function lazyMember(report, key, compute) {
  if (report === null || typeof report !== 'object' || !(key in report)) return report;
  const settle = (value) => {
    Object.defineProperty(report, key, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(report, key, {
    get: () => settle(compute()),
    set: settle,
    enumerable: true,
    configurable: true,
  });
  // Node's console.log / util.inspect would otherwise show `[Getter/Setter]` for it; an
  // object returned here is inspected in its place (a plain copy, every member read). Not
  // enumerable, so neither copies nor deep-equality checks see it.
  Object.defineProperty(report, INSPECT, {
    value: () => ({ ...report }),
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return report;
}

/**
 * Verifies the token with Vault semantics, renders the templated policies for the resulting
 * alias and decides `request` (`{ path, capability }` or `{ method, path }`). Returns the report;
 * a denial is a result (`allowed: false`), not a throw. When the answer depends on who logged in
 * last with the same entity alias, `loginOrder` holds the hazards and the verified fix
 * (`knowledge` declares what the issuer's claims determine, as for `analyzeLoginOrder`).
 */
export function authorize(token, options = {}) {
  const [now, rest] = splitNow(options);
  const { policies, accessor, request, entity, knowledge, ...verifyOptions } = rest;
  return verifierFor(verifyOptions).authorize(token, { policies, accessor, request, entity, knowledge, now });
}

/** Renders templated Vault policies for a verified token (no decision). */
export function renderPolicies(token, options = {}) {
  const [now, rest] = splitNow(options);
  const { policies, accessor, entity, knowledge, ...verifyOptions } = rest;
  // The wasm export is a Verifier method (src/js.rs), not a module function.
  return verifierFor(verifyOptions).renderPolicies(token, { policies, accessor, entity, knowledge, now });
}

/**
 * Evaluates an AWS IAM role trust policy for `sts:AssumeRoleWithWebIdentity` with this token:
 * `{ trustPolicy?, providerUrl, clientIds?, accountId?, now? }` plus key options (`jwks`/`keys`):
 * with keys the token is verified first (`iss` must equal `providerUrl`), without them only decoded.
 */
export function evaluateTrustPolicy(token, options = {}) {
  const [now, rest] = splitNow(options);
  const { trustPolicy, providerUrl, clientIds, accountId, ...verifyOptions } = rest;
  if (typeof token !== 'string') throw invalid('token must be a string');
  const o = verifierOptions(verifyOptions);
  // As the core reads them: keys (above), the token, the trust policy.
  checkToken(token, limitOf(o.limits, 'maxTokenLen'));
  const policy = text(trustPolicy);
  checkDocument(policy, limitOf(o.limits, 'maxDocumentLen'), 'invalid trust policy: trust policy: ');
  const input = JSON.stringify({ trustPolicy: policy, providerUrl, clientIds: list(clientIds), accountId });
  const at = toSeconds(now);
  // The trust-policy check verifies on the module's own RSA arithmetic whatever rsaPrimitive says.
  const { rsaPrimitive, ...coreOptions } = o;
  return call(() => wasm.evaluateTrustPolicy(token, JSON.stringify(coreOptions), input, at));
}

/** Runs one module-level export (`fn` returns its envelope) through the engine's guard. */
function call(fn) {
  enter();
  let answer;
  try {
    answer = fn();
  } catch (e) {
    throw failed(e);
  }
  return unwrap(answer);
}

/**
 * A least-privilege IAM trust policy for this token's provider: `aud` pinned to the first client
 * id, `sub` scoped to the Nomad job (`region:namespace:job:*`). The token is decoded, not verified.
 */
export function suggestTrustPolicy(token, options = {}) {
  const { providerUrl, clientIds, accountId } = options;
  if (typeof token !== 'string') throw invalid('token must be a string');
  const input = JSON.stringify({ providerUrl, clientIds: list(clientIds), accountId });
  // Over the default max_document_len the core reads no claims from the token (inspect decodes
  // nothing), exactly as for an empty one: ask with an empty one instead of copying it.
  const oversized = token.length > DEFAULT_MAX_DOCUMENT_LEN && utf8Length(token) > DEFAULT_MAX_DOCUMENT_LEN;
  return call(() => wasm.suggestTrustPolicy(oversized ? '' : token, input));
}

/** Lists a JWKS's usable keys (kid, alg, kty, thumbprint) and the keys skipped, with reasons. */
export function jwksInfo(jwks) {
  const doc = checkDocument(text(jwks), DEFAULT_MAX_DOCUMENT_LEN, 'JWKS: ');
  return call(() => wasm.jwksInfo(doc));
}

/**
 * Converts every usable key of a JWKS to PEM (SPKI `PUBLIC KEY`), for Vault's
 * `jwt_validation_pubkeys`: `{ keys: [{ kid, thumbprint, pem }], skipped: [{ index, kid, code, message }] }`.
 */
export function jwksToPem(jwks) {
  const doc = checkDocument(text(jwks), DEFAULT_MAX_DOCUMENT_LEN, 'JWKS: ');
  return call(() => wasm.jwksToPem(doc));
}

/** RFC 7638 SHA-256 thumbprint (base64url) of a public JWK. */
export function thumbprint(jwk) {
  const doc = checkDocument(text(jwk), DEFAULT_MAX_DOCUMENT_LEN, 'JWKS: ');
  return call(() => wasm.thumbprint(doc));
}

/** Checks an OIDC discovery document against the issuer it was fetched for. */
export function parseDiscovery(document, issuer) {
  const doc = checkDocument(text(document), DEFAULT_MAX_DOCUMENT_LEN, 'discovery document: ');
  return call(() => wasm.parseDiscovery(doc, issuer));
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
