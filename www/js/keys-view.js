// Key input handling (paste, upload, clicked fetch) and the key table. The engine parses and
// selects keys; this module only tells JWKS, JWK and PEM text apart to hand the right option over.
import { h, render, note, table, copyBlock } from './dom.js';

/** The one sentence for shared secrets and HS* tokens. */
export const SYMMETRIC = 'This is a shared secret, not a public key: Vault and AWS never accept symmetric (HS256/HS384/HS512) tokens, so there is nothing to verify against. Paste the issuer\'s JWKS or PEM public key instead.';

/** The same sentence for a token whose header names an HMAC algorithm. */
export const HMAC_TOKEN = (alg) => `This token is signed with ${alg}, a shared-secret algorithm: Vault and AWS never accept symmetric tokens, so there is nothing to verify it against.`;

/**
 * Classifies pasted key text into the verify option it belongs to:
 * `{ jwks }` (object), `{ keys }` (PEM strings), `{}` (empty) or `{ error }`.
 */
export function keyOption(text) {
  const t = text.trim();
  if (!t) return {};
  if (t.includes('-----BEGIN')) {
    const blocks = t.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? [];
    return blocks.length ? { keys: blocks } : { error: 'a PEM block has no matching -----END …----- line' };
  }
  if (!/^[{[]/.test(t)) return { error: SYMMETRIC, secret: true };
  let doc;
  try {
    doc = JSON.parse(t);
  } catch (e) {
    return { error: `not JSON and not PEM: ${e.message}` };
  }
  if (doc && doc.kty === 'oct') return { error: SYMMETRIC, secret: true };
  if (doc && Array.isArray(doc.keys)) return { jwks: doc, text: t };
  if (doc && typeof doc.kty === 'string') return { jwks: { keys: [doc] }, single: true };
  if (doc && typeof doc.jwks_uri === 'string') return { discovery: doc };
  return { error: 'JSON, but neither a JWKS ({"keys":[…]}) nor a JWK (no "kty")' };
}

/** The curl command to run instead of a browser fetch blocked by CORS. */
function curlFor(url) {
  return `curl -sS '${url.replace(/'/g, "'\\''")}'`;
}

/** Explains a failed clicked fetch (CORS is the usual cause with Nomad). */
export function fetchFailure(out, url, err, what) {
  const isNetwork = err?.name === 'TypeError' || /fetch|network|cors/i.test(err?.message ?? '');
  render(out,
    h('ul', { class: 'notes', id: 'fetch-error' },
      note('fail', `Could not fetch the ${what}.`, err?.message ?? String(err)),
      isNetwork ? note('info', 'Most likely blocked by CORS.', 'Nomad serves /.well-known/jwks.json and the discovery document without Access-Control-Allow-Origin headers, so browsers refuse to hand the answer to this page (a private network or TLS error looks the same from here). Run this where the URL is reachable and paste its output into the key box:') : null),
    copyBlock('curl command', curlFor(url), { id: 'curl-command' }));
}

function kidNotFound(kid, keys, nomad) {
  return note('fail', `The token's kid "${kid}" is not in this key set.`,
    `The set has ${keys.length} key(s): ${keys.map((k) => k.kid ?? '(no kid)').join(', ') || 'none'}. Usual causes: the key was rotated and this copy is stale (${nomad ? 'Nomad prepublishes keys at half the rotation threshold; mirrors must be refreshed' : 'issuers publish new keys before signing with them; mirrors must be refreshed'}), the token comes from another cluster, region or issuer, or the JWKS was copied before the key existed.`);
}

/**
 * Renders the key table. `state`: { option, thumbprints, header, verified, error, pem, issuer }
 * (`issuer`: issuer.js id, for Nomad-only advice).
 * `verified` is the engine's verify result key ({ kid, alg, kty, thumbprint }).
 */
export function renderKeys(out, state, onPem) {
  const { option, header, verified, error } = state;
  if (typeof header?.alg === 'string' && /^HS\d+$/.test(header.alg)) {
    render(out, h('ul', { class: 'notes', id: 'keys-notes' }, note('fail', `${header.alg}: a shared-secret token.`, HMAC_TOKEN(header.alg))));
    return;
  }
  if (!option || (!option.jwks && !option.keys && !option.error && !option.discovery)) {
    render(out, h('p', { class: 'empty' }, 'No keys yet. Without keys the token can be decoded but not verified.'));
    return;
  }
  if (option.error) {
    render(out, h('ul', { class: 'notes', id: 'keys-notes' }, option.secret
      ? note('fail', 'A secret key.', option.error)
      : note('fail', 'These keys cannot be read.', option.error)));
    return;
  }
  if (option.discovery) {
    render(out, h('ul', { class: 'notes' }, note('info', 'This is an OIDC discovery document.', `Its jwks_uri is ${option.discovery.jwks_uri}: fetch that (or paste its contents).`)));
    return;
  }
  const notes = [];
  const rows = [];
  if (option.jwks) {
    const keys = option.jwks.keys;
    keys.forEach((k, i) => {
      const tp = state.thumbprints?.[i];
      const isVerifier = verified && ((verified.thumbprint && tp && verified.thumbprint === tp) || (!verified.thumbprint && verified.kid && verified.kid === k.kid));
      const matchesKid = header?.kid !== undefined && k.kid === header.kid;
      const eddsa = k.kty === 'OKP' || k.alg === 'EdDSA';
      rows.push({
        cells: [
          isVerifier ? h('span', { class: 'badge pass', title: 'This key verified the signature' }, '✔ verified') : matchesKid ? h('span', { class: 'badge info' }, 'kid match') : '',
          h('td', { class: 'mono' }, k.kid ?? '—'), h('td', { class: 'nowrap' }, k.alg ?? '—'),
          h('td', { class: 'nowrap' }, `${k.kty ?? '?'}${k.crv ? ` ${k.crv}` : ''}`), h('td', { class: 'nowrap' }, k.use ?? '—'),
          h('td', { class: 'mono' }, tp ?? (state.thumbprintErrors?.[i] ? `unusable: ${state.thumbprintErrors[i]}` : '—')),
          eddsa ? h('span', { class: 'badge warn', title: 'AWS STS accepts RS256 only for custom OIDC providers' }, 'AWS rejects EdDSA') : '',
        ],
        attrs: { class: isVerifier ? 'marked' : '', 'data-kid': k.kid ?? '' },
      });
    });
    if (header?.kid !== undefined && !keys.some((k) => k.kid === header.kid)) notes.push(kidNotFound(header.kid, keys, state.issuer === 'nomad'));
    if (keys.some((k) => k.kty === 'OKP' || k.alg === 'EdDSA')) {
      notes.push(note('warn', 'EdDSA keys present.', state.issuer === 'nomad'
        ? 'Nomad clusters created before 1.7 sign with Ed25519 until the keyring is rotated (nomad operator root keyring rotate). Vault accepts EdDSA; AWS STS rejects it ("InvalidIdentityToken").'
        : 'Vault accepts EdDSA; AWS STS rejects it ("InvalidIdentityToken").'));
    }
    if (keys.length > 100) notes.push(note('warn', `${keys.length} keys.`, 'AWS has been reported to stop matching kid beyond 100 keys in a JWKS.'));
  } else {
    option.keys.forEach((pem, i) => {
      const label = /-----BEGIN ([^-]+)-----/.exec(pem)?.[1] ?? 'PEM';
      rows.push({ cells: [i === 0 && verified ? h('span', { class: 'badge pass' }, '✔ verified') : '', `#${i + 1}`, '—', label, '—', h('td', { class: 'mono' }, state.thumbprints?.[i] ?? '—'), ''] });
    });
    notes.push(note('info', 'PEM keys have no kid.', 'Like Vault\'s jwt_validation_pubkeys, every key is tried in order.'));
  }
  if (error?.code === 'ERR_JWKS_NO_MATCHING_KEY' && !notes.some((n) => n.textContent.includes('is not in this key set'))) {
    notes.push(note('fail', 'No key matches.', error.message));
  }
  const pemButton = option.jwks ? h('button', { type: 'button', id: 'to-pem', class: 'secondary', onclick: onPem }, 'Convert to PEM (for Vault\'s jwt_validation_pubkeys)') : null;
  render(out,
    notes.length ? h('ul', { class: 'notes', id: 'keys-notes' }, notes) : null,
    table(`${rows.length} key(s)`, ['', 'kid', 'alg', 'type', 'use', 'RFC 7638 thumbprint', 'AWS'], rows, { id: 'keys-table' }),
    pemButton,
    h('div', { id: 'pem-out' }));
}

/** Shows the engine's JWKS → PEM conversion. `pems` is an array of { kid, pem } or strings. */
export function renderPem(el, pems, error) {
  if (error) {
    render(el, h('ul', { class: 'notes' }, note('fail', 'Conversion failed.', error.message)));
    return;
  }
  // The package returns { keys: [{ kid, pem }], skipped } (older builds: the array itself).
  const raw = Array.isArray(pems) ? pems : pems?.keys ?? [pems];
  const list = raw.map((p) => (typeof p === 'string' ? { pem: p } : p)).filter((p) => typeof p?.pem === 'string');
  const skipped = pems?.skipped ?? [];
  if (!list.length) {
    render(el, h('ul', { class: 'notes' }, note('fail', 'No usable key to convert.', skipped.map((x) => x.reason ?? x.message ?? JSON.stringify(x)).join('; '))));
    return;
  }
  const joined = list.map((p) => p.pem.trim()).join('\n');
  const vaultCmd = `vault write auth/jwt-nomad/config jwt_validation_pubkeys=${list.map((_, i) => `@key${i + 1}.pem`).join(',')} jwt_supported_algs=RS256,EdDSA`;
  render(el,
    h('h3', {}, 'PEM'),
    h('p', { class: 'hint' }, `Kids: ${list.map((p) => p.kid ?? '(none)').join(', ')}. A static copy must be refreshed whenever Nomad rotates its keyring.`),
    skipped.length ? h('ul', { class: 'notes' }, skipped.map((x) => note('warn', `Skipped ${x.kid ?? ''}:`, x.reason ?? x.message ?? JSON.stringify(x)))) : null,
    copyBlock('PEM', joined, { id: 'pem-text' }),
    copyBlock('Vault command', vaultCmd));
}

