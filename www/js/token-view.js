// Renders the engine's `inspect(token)` result: coloured segments, what was tolerated, decoded
// header and payload with explanations, the Nomad identity and the token's times.
import { h, render, note, table, pretty, copyBlock } from './dom.js';
import { relative, duration, utc, local } from './format.js';
import { claimText, headerText, NOMAD_SUB_PARTS } from './claims-text.js';
import { issuerOf } from './issuer.js';

const TIME_CLAIMS = ['iat', 'nbf', 'exp'];

/** The three compact segments as strings (missing ones as null), whatever shape the engine used. */
export function segmentsOf(r) {
  const s = r.segments;
  if (Array.isArray(s)) return [0, 1, 2].map((i) => (typeof s[i] === 'string' ? s[i] : s[i]?.text ?? s[i]?.raw ?? null));
  if (s && typeof s === 'object') return [s.header, s.payload, s.signature].map((x) => (typeof x === 'string' ? x : x?.text ?? x?.raw ?? null));
  return [null, null, null];
}

/** Warnings as { text, code? } whatever shape the engine used. */
export function warningsOf(list) {
  return (list ?? []).map((w) => (typeof w === 'string' ? { text: w } : { text: w.message ?? w.text ?? JSON.stringify(w), code: w.code, claim: w.claim }));
}

function segmentView(r) {
  const [hd, pl, sg] = segmentsOf(r);
  const info = Array.isArray(r.segments) ? r.segments : [];
  const part = (text, cls, label, i) => {
    if (text == null || text === '') return h('span', { class: 'seg-missing' }, `[no ${label}]`);
    const st = info[i]?.status;
    const bad = st === 'invalid';
    return h('span', { class: `${cls}${bad ? ' seg-invalid' : ''}`, title: info[i]?.message ? `${label}: ${info[i].message}` : label }, text);
  };
  return [
    h('p', { class: 'legend', 'aria-hidden': 'true' },
      h('span', { class: 'seg-header' }, '■ header'), h('span', { class: 'seg-payload' }, '■ payload'),
      h('span', { class: 'seg-signature' }, '■ signature')),
    h('pre', { class: 'segments', id: 'token-segments', 'aria-label': 'Token segments: header, payload, signature' },
      part(hd, 'seg-header', 'header', 0), h('span', { class: 'seg-dot' }, '.'),
      part(pl, 'seg-payload', 'payload', 1), h('span', { class: 'seg-dot' }, '.'),
      part(sg, 'seg-signature', 'signature', 2)),
  ];
}

/** Arrays of scalars read best on one line. */
function isFlat(v) {
  return Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');
}

/** A value as text: strings as they are (the empty string as `""`), anything else as JSON. */
function valueText(v) {
  return typeof v === 'string' ? (v === '' ? '""' : v) : JSON.stringify(v);
}

/**
 * A claim value cell: numbers and booleans never wrap, nested objects pretty-printed in a <pre>,
 * everything else wraps only between words (style.css `.value`).
 */
function valueCell(v) {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return h('td', { class: 'mono value nowrap', 'data-type': typeof v }, JSON.stringify(v));
  if (typeof v === 'object' && !isFlat(v)) return h('td', { class: 'mono value' }, h('pre', { class: 'cell-json' }, pretty(v)));
  return h('td', { class: `mono value${v === '' ? ' empty-string' : ''}` }, valueText(v));
}

/**
 * The members of `obj` in the order the token wrote them: `text` is the engine's decoded segment
 * text (`header_text` / `payload_text`), whose order JSON.parse keeps for non-numeric names
 * (a member named like an array index, "0", comes first: a JavaScript object's rule).
 */
function inTokenOrder(obj, text) {
  let raw = null;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) raw = v;
  } catch {
    // Not parseable as a whole: keep the engine's order.
  }
  const keys = raw ? Object.keys(raw).filter((k) => k in obj) : [];
  for (const k of Object.keys(obj)) if (!keys.includes(k)) keys.push(k);
  // Nested members in token order too: the decoded segment's own value when it has the member.
  return keys.map((k) => [k, raw && k in raw ? raw[k] : obj[k]]);
}

/** The decoded segment as JSON text in token order, for the raw panels. */
function rawJson(obj, text) {
  try {
    return pretty(JSON.parse(text));
  } catch {
    return text ?? pretty(obj);
  }
}

/** One row per time claim: relative + UTC + local, with the milliseconds mistake flagged. */
function timeRows(payload, now) {
  const rows = [];
  for (const c of TIME_CLAIMS) {
    if (!(c in payload)) continue;
    const v = payload[c];
    if (typeof v !== 'number') {
      rows.push({ cells: [h('code', {}, c), valueText(v), h('td', { colspan: 3 }, 'not a number: Vault and RFC 7519 require Unix seconds')], attrs: { class: 'outcome-fail' } });
      continue;
    }
    if (Math.abs(v) > 1e11) {
      rows.push({
        cells: [h('code', {}, c), String(v), h('td', { colspan: 3 },
          `this looks like milliseconds (${utc(v / 1000) ?? '?'} if divided by 1000); JWT times are seconds, so every verifier reads it as a date far in the future`)],
        attrs: { class: 'outcome-fail', 'data-ms': c },
      });
      continue;
    }
    rows.push([h('code', {}, c), h('td', { class: 'mono nowrap value' }, String(v)), now === null ? '—' : relative(v - now), h('td', { class: 'nowrap' }, utc(v) ?? '?'), local(v) ?? '?']);
  }
  return rows;
}

function timeSummary(payload, now, issuer) {
  const items = [];
  const { iat, exp } = payload;
  if (typeof exp === 'number' && Math.abs(exp) < 1e11) {
    items.push(exp <= now
      ? note('warn', `Expired ${relative(exp - now)}.`, `exp is ${duration(now - exp)} before the evaluation time (before any leeway).`)
      : note('info', `Expires ${relative(exp - now)}.`, `${duration(exp - now)} left at the evaluation time.`));
    if (typeof iat === 'number') {
      const ttl = exp - iat;
      items.push(note('info', `TTL ${duration(ttl)}`, issuer === 'nomad'
        ? `(exp − iat). Nomad renews an identity at about half its TTL, so a fresh one appears after ~${duration(Math.floor(ttl / 2))}.`
        : '(exp − iat).'));
    }
  }
  return items;
}

/**
 * What to do about some of the engine's warnings (keyed on its stable codes); the engine's message
 * already says what is wrong.
 */
const FIX = {
  iss_missing: 'Fix: set oidc_issuer in the Nomad servers\' configuration (for AWS, a public https URL without a port).',
  exp_missing: 'Fix: give the identity a ttl (named identities support one) so it carries exp.',
  alg_eddsa_aws: 'Fix: rotate the Nomad keyring (nomad operator root keyring rotate) to get an RS256 key.',
  aud_nomad_default: 'Fix: request a named identity with the audience the role binds.',
};
/** Issuer-neutral wording for warnings whose engine text speaks of Nomad. */
const NEUTRAL = {
  iss_missing: 'RFC 7519 makes iss optional, but AWS STS finds the OIDC provider by it and OIDC discovery starts from it; a Vault bound_issuer cannot match a token without one.',
  exp_missing: 'The token never expires: Vault invents an expiry from iat/nbf plus expiration_leeway; AWS STS refuses tokens without exp.',
};
const TITLES = {
  iss_missing: 'No iss claim.', exp_missing: 'No exp claim.', time_in_milliseconds: 'Milliseconds, not seconds.',
  alg_eddsa_aws: 'EdDSA: AWS will reject it.', aud_nomad_default: 'Default Nomad audience.', alg_none: 'Unsigned (alg none).', alg_hmac: 'HMAC algorithm.',
  signature_missing: 'No signature.', kid_missing: 'No kid.', duplicate_member: 'Duplicate JSON member.',
};

/** Capitalised, with a final full stop, so engine messages read as sentences next to our hints. */
function sentence(t) {
  const x = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(x) ? x : `${x}.`;
}

function warningNote(w, issuer) {
  const nomad = issuer === 'nomad';
  const extra = nomad ? FIX[w.code] : null;
  const text = !nomad && NEUTRAL[w.code] ? NEUTRAL[w.code] : sentence(TITLES[w.code] ? w.text.replace(/^no (iss|exp|kid):\s*/, '') : w.text);
  return h('li', { class: `note ${w.code === 'kid_missing' ? 'info' : 'warn'}`, 'data-code': w.code ?? '' },
    h('strong', {}, TITLES[w.code] ?? 'Note:'), ' ', h('span', { class: 'body' }, text, extra ? ` ${extra}` : ''));
}

/** The Nomad `sub` split into its six parts, when it has that shape. */
function nomadIdentity(payload, r) {
  const parts = r.nomad?.subject ?? r.nomad?.sub;
  let fields = null;
  if (parts && typeof parts === 'object') {
    fields = Object.entries(parts).map(([k, v]) => [k.replace(/_/g, ' '), v]);
  } else if (typeof payload.sub === 'string') {
    const bits = payload.sub.split(':');
    if (bits[0] === 'node' || bits[0] === 'node-introduction') {
      fields = [['kind', bits[0]], ['region', bits[1]], ['node pool', bits[2]], [bits[0] === 'node' ? 'node id' : 'name', bits[3]], ['identity', bits[4]]];
    } else if (bits.length === 6) {
      fields = NOMAD_SUB_PARTS.map((label, i) => [label, bits[i]]);
    }
  }
  if (!fields) return null;
  const identity = fields.find(([k]) => k === 'identity')?.[1] ?? '';
  const kind = identity === 'default' ? 'the task\'s default identity (NOMAD_TOKEN, secrets/nomad_token)'
    : identity.startsWith('vault_') ? `Vault identity for cluster "${identity.slice(6)}"`
    : identity.startsWith('consul_') ? `Consul identity for cluster "${identity.slice(7)}"`
    : identity ? `named identity "${identity}" (file secrets/nomad_${identity}.jwt)` : '';
  return h('div', { id: 'nomad-identity' },
    h('h3', {}, 'Nomad workload identity'),
    h('dl', { class: 'kv' },
      fields.map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-part': k }, h('code', {}, v ?? ''))]),
      kind ? [h('dt', {}, 'kind'), h('dd', {}, kind)] : null));
}

/** Whether the engine decoded anything at all (a header or a payload object). */
export function decodedSomething(r) {
  return Boolean(r && ((r.header && typeof r.header === 'object') || (r.payload && typeof r.payload === 'object')));
}

/**
 * Renders the inspect result (or an error from inspect) into `out`. `prelude`: notes to show
 * first (what recognition found in the paste). `now` is null when the clock input is unreadable.
 */
export function renderToken(out, r, now, error, prelude = null) {
  if (error) {
    render(out, prelude, h('ul', { class: 'notes', id: 'token-notes' }, note('fail', 'Cannot decode this input.', `${error.message}${error.code ? ` (${error.code})` : ''}`)));
    return;
  }
  if (!r) {
    render(out, prelude ?? h('p', { class: 'empty' }, 'Paste a token to decode it.'));
    return;
  }
  const warns = warningsOf(r.warnings);
  if (!decodedSomething(r)) {
    // Nothing decoded: no "Decoded" notice and no empty tables, only what the engine found.
    render(out, prelude,
      h('ul', { class: 'notes', id: 'token-notes' },
        note('fail', 'No token found.', 'Nothing in this text decodes as a JWT header or payload.'),
        warns.filter((w) => w.code !== 'no_token_found').map((w) => warningNote(w, 'generic')),
        r.strict_error ? note('info', 'The engine says:', `${r.strict_error.message} (${r.strict_error.code})`) : null));
    out.dataset.recognised = 'nothing-decoded';
    return;
  }
  const header = r.header ?? {};
  const payload = r.payload ?? {};
  const issuer = issuerOf(payload);
  const tolerated = warningsOf(r.tolerated);
  const headerRows = inTokenOrder(header, r.header_text).map(([k, v]) => [h('code', {}, k), valueCell(v), h('td', { class: 'explain' }, headerText(k, issuer.id))]);
  const payloadRows = inTokenOrder(payload, r.payload_text).map(([k, v]) => ({
    cells: [h('code', {}, k), valueCell(v), h('td', { class: 'explain' }, claimText(k, issuer.id))],
    attrs: { 'data-claim': k },
  }));
  const times = timeRows(payload, now);
  out.dataset.recognised = 'token';
  out.dataset.issuer = issuer.id;
  render(out,
    prelude,
    segmentView(r),
    h('ul', { class: 'notes', id: 'token-notes' },
      h('li', { class: 'note info', id: 'notice' }, h('strong', {}, 'Decoded, not verified:'), ' ',
        h('span', { class: 'body' }, (r.notice ?? '').replace(/^decoded without verification:\s*/, '') || 'the claims below were not checked.', '. The verdicts are in Checks.')),
      issuer.name ? note('info', 'Looks like:', `a ${issuer.name}.`) : null,
      tolerated.map((w) => h('li', { class: 'note info', 'data-code': w.code ?? '' }, h('strong', {}, 'Tolerated:'), ' ', h('span', { class: 'body' }, w.text))),
      r.strict_error ? note('fail', 'A verifier would refuse this text as a token:', `${r.strict_error.message} (${r.strict_error.code})`) : null,
      warns.map((w) => warningNote(w, issuer.id)),
      now === null ? note('warn', 'No evaluation time:', 'the clock input cannot be read, so nothing is said about expiry.') : timeSummary(payload, now, issuer.id)),
    issuer.id === 'nomad' ? nomadIdentity(payload, r) : null,
    times.length ? table('Times', ['claim', 'value', 'relative', 'UTC', 'local'], times, { id: 'times-table' }) : null,
    r.header ? table('Header', ['parameter', 'value', 'meaning'], headerRows, { id: 'header-table' }) : null,
    r.payload ? table('Payload (claims, in token order)', ['claim', 'value', 'meaning'], payloadRows, { id: 'payload-table' }) : null,
    h('div', { class: 'raw-json' },
      r.header ? [h('h3', {}, 'Header JSON'), copyBlock('header JSON', rawJson(header, r.header_text), { id: 'raw-header' })] : null,
      r.payload ? [h('h3', {}, 'Payload JSON'), copyBlock('payload JSON', rawJson(payload, r.payload_text), { id: 'raw-payload' })] : null));
}
