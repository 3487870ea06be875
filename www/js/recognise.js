// Recognises what was pasted into the token box before anything is decoded: a token (or text
// holding one, handed to the engine's tolerant decoder), JSON that is not a token, two tokens, or
// text with no token at all. Shapes only: whether a token is valid is the engine's answer.

/** The package's default maxTokenLen (pkg/src/limits.js DEFAULT_MAX_TOKEN_LEN). */
export const MAX_TOKEN_LEN = 16 * 1024;

/**
 * A compact JWS/JWE-shaped run: a base64url header starting like a JSON object (`{"`, `{ "`,
 * `{\n`), then at least one more dot-separated segment.
 */
const FULL = /(?:eyJ|eyAi|ewo|ew0)[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,3}/g;
/** Where a (possibly partial or wrapped) token starts. */
const START = /(?:eyJ|eyAi|ewo|ew0)[A-Za-z0-9_-]{6,}/;

function b64json(seg) {
  try {
    const bin = atob(seg.replace(/-/g, '+').replace(/_/g, '/'));
    const v = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** Token-shaped runs whose first segment decodes to a JOSE header (an object with `alg`). */
export function tokenRuns(text) {
  const seen = new Set();
  const runs = [];
  for (const m of text.matchAll(FULL)) {
    const header = b64json(m[0].split('.')[0]);
    if (!header || typeof header.alg !== 'string' || seen.has(m[0])) continue;
    seen.add(m[0]);
    runs.push({ text: m[0], at: m.index });
  }
  return runs;
}

/** What a JSON document pasted into the token box most likely is, and the box it belongs in. */
export function jsonKind(doc) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { kind: 'JSON', box: null };
  if (Array.isArray(doc.keys) || typeof doc.kty === 'string') return { kind: 'a JWKS (keys)', box: 'keys-input', boxName: 'Keys' };
  if (typeof doc.jwks_uri === 'string') return { kind: 'an OIDC discovery document', box: 'keys-input', boxName: 'Keys' };
  if (['role_type', 'bound_audiences', 'user_claim', 'bound_claims', 'claim_mappings', 'token_policies'].some((k) => k in doc)) {
    return { kind: 'a Vault role', box: 'role-input', boxName: 'Vault role' };
  }
  if ('Statement' in doc) return { kind: 'an IAM trust policy', box: 'aws-trust', boxName: 'AWS trust policy' };
  if ('path' in doc && typeof doc.path === 'object') return { kind: 'a Vault policy', box: null };
  if (['iss', 'sub', 'aud', 'exp', 'iat', 'nbf'].some((k) => k in doc) || Object.keys(doc).some((k) => k.startsWith('nomad_'))) {
    return { kind: 'claims (a token\'s payload)', box: null };
  }
  return { kind: 'JSON', box: null };
}

/**
 * Classifies the token box. Returns one of:
 * - `{ kind: 'empty' }`
 * - `{ kind: 'token', text, found? }`: hand `text` to the engine (`found`: a token was picked out
 *   of an oversized paste, at character `found.at`)
 * - `{ kind: 'json', doc, what }` (`what` from jsonKind)
 * - `{ kind: 'two-tokens', runs }`
 * - `{ kind: 'none' }`: no token-shaped text
 * - `{ kind: 'too-large', size, limit, tokenSize? }` (`tokenSize`: a token-shaped run that is itself
 *   over the limit)
 */
export function recognise(text, limit = MAX_TOKEN_LEN) {
  const t = text.trim();
  if (!t) return { kind: 'empty' };
  const runs = tokenRuns(t);
  if (runs.length > 1) return { kind: 'two-tokens', runs };
  const size = new TextEncoder().encode(t).length;
  if (size > limit) {
    const run = runs[0];
    if (run && run.text.length <= limit) return { kind: 'token', text: run.text, found: { at: run.at, size, limit } };
    return { kind: 'too-large', size, limit, tokenSize: run?.text.length };
  }
  if (/^[{[]/.test(t) && !runs.length) {
    try {
      const doc = JSON.parse(t);
      return { kind: 'json', doc, what: jsonKind(doc) };
    } catch {
      // Not JSON after all: the engine's tolerant decoder may still find a token in it.
    }
  }
  if (!runs.length && !START.test(t) && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){1,4}$/.test(t)) return { kind: 'none' };
  return { kind: 'token', text };
}
