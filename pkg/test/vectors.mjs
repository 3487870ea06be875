// Loading tests/vectors/ for the JS runners, signing claims with independent keys (node:crypto),
// and comparing outcomes exactly as the Rust runners (tests/claims_support/mod.rs) do.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { ROOT } from './helpers.mjs';

export const VECTORS = join(ROOT, 'tests', 'vectors');

/** Key in a parsed object that holds the exact source text of that object/array. */
export const RAW = Symbol('raw');

/**
 * JSON.parse that also keeps every object's and array's source text under [RAW], so claims are
 * signed byte-for-byte as written (JSON.stringify would rewrite numbers like 1e3 or 1.0).
 */
export function parseWithRaw(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = () => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          const k = string();
          ws();
          i++; // ':'
          obj[k] = value();
          ws();
          if (text[i++] === '}') break;
        }
      Object.defineProperty(obj, RAW, { value: text.slice(start, i) });
      return obj;
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          arr.push(value());
          ws();
          if (text[i++] === ']') break;
        }
      Object.defineProperty(arr, RAW, { value: text.slice(start, i) });
      return arr;
    }
    if (c === '"') return string();
    const m = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) throw new SyntaxError(`unexpected ${c} at ${i}`);
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const string = () => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const v = value();
  return v;
}

/** Every `*.json` in tests/vectors/<kind>/, sorted: [fileName, document]. */
export function loadKind(kind) {
  const dir = join(VECTORS, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, parseWithRaw(readFileSync(join(dir, f), 'utf8'))]);
}

/** `vault/glob.json#id` → the jwtgate expectation that replaces Vault's. */
export function divergences() {
  const doc = JSON.parse(readFileSync(join(VECTORS, 'known-divergences.json'), 'utf8'));
  const out = new Map();
  for (const d of doc.divergences) for (const c of d.cases ?? []) out.set(c.case, c.jwtgate);
  return out;
}

/** The Rust runners' `matches`: null when `outcome` satisfies `expect`, else why not. */
export function mismatch(expect, outcome) {
  if (expect.vault_outcome !== undefined) return `Vault's outcome cannot be produced by jwtgate`;
  if (expect.ok === true) {
    if (!outcome.ok) return `expected success, got ${outcome.code}: ${outcome.message}`;
    for (const [k, v] of Object.entries(expect.alias ?? {})) {
      if (!isDeepStrictEqual(outcome.alias?.[k], v)) return `alias.${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(outcome.alias?.[k])}`;
    }
    return null;
  }
  if (expect.code === undefined) return `expectation has neither ok nor code`;
  if (outcome.ok) return `expected ${expect.code}, got success`;
  if (outcome.code !== expect.code) return `expected ${expect.code}, got ${outcome.code}: ${outcome.message}`;
  if (expect.message_starts_with !== undefined && !outcome.message.startsWith(expect.message_starts_with)) return `message ${JSON.stringify(outcome.message)} does not start with ${JSON.stringify(expect.message_starts_with)}`;
  if (expect.message_contains !== undefined && !outcome.message.includes(expect.message_contains)) return `message ${JSON.stringify(outcome.message)} does not contain ${JSON.stringify(expect.message_contains)}`;
  if (expect.check !== undefined && outcome.check !== expect.check) return `first failed check is ${outcome.check}, expected ${expect.check}`;
  return null;
}

/** Runs every case of `kind` through `run(defaults, case)`; returns { count, problems }. */
export function runKind(kind, run) {
  const div = divergences();
  const problems = [];
  let count = 0;
  for (const [file, doc] of loadKind(kind)) {
    for (const c of doc.cases) {
      const ref = `${kind}/${file}#${c.id}`;
      count++;
      const outcome = run(doc.defaults ?? {}, c);
      const ours = div.get(ref);
      if (ours === undefined) {
        const why = mismatch(c.expect, outcome);
        if (why) problems.push(`${ref}: ${why}`);
      } else if (mismatch(c.expect, outcome) === null) {
        problems.push(`${ref}: unexpected pass — listed in known-divergences.json`);
      } else {
        const why = mismatch(ours, outcome);
        if (why) problems.push(`${ref}: divergent case changed: ${why}`);
      }
    }
  }
  return { count, problems };
}

/** Shallow patch, as the Rust runners' `patched`. */
export function patched(base, patch) {
  if (!patch) return base;
  return { ...base, ...patch };
}

const b64u = (buf) => Buffer.from(buf).toString('base64url');

/** Independent signing keys (node:crypto), one per algorithm the vectors need. */
export function signers() {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = {
    EdDSA: { kid: 'vec-eddsa', pair: ed, sign: (data) => nodeSign(null, data, ed.privateKey) },
    RS256: { kid: 'vec-rs256', pair: rsa, sign: (data) => nodeSign('sha256', data, rsa.privateKey) },
    ES256: { kid: 'vec-es256', pair: ec, sign: (data) => nodeSign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }) },
  };
  const jwks = {
    keys: Object.entries(keys).map(([alg, k]) => ({ ...k.pair.publicKey.export({ format: 'jwk' }), kid: k.kid, alg, use: 'sig' })),
  };
  /** A compact JWS over the exact claims text. */
  const token = (claimsText, alg = 'EdDSA', header = {}) => {
    const k = keys[alg];
    const h = b64u(JSON.stringify({ alg, kid: k.kid, typ: 'JWT', ...header }));
    const p = b64u(claimsText);
    const input = `${h}.${p}`;
    return `${input}.${b64u(k.sign(Buffer.from(input)))}`;
  };
  return { keys, jwks, token };
}

export const sha256 = (s) => createHash('sha256').update(s).digest('hex');
