// Login-order hazards (issue 22): which templated policies follow whoever logged in last, the
// verified fix, and a simulation of a sequence of logins. Every decision is the wasm core's
// (src/login_order.rs through src/js.rs `loginOrder`); this file only shapes options.
import * as wasm from '../dist/jwtgate.js';
import { JwtgateError, unwrap } from './errors.js';
import { enter, failed } from './engine.js';
import { inspect, toSeconds } from './api.js';

const OPTIONS = new Set(['role', 'roleName', 'policies', 'knowledge', 'accessor', 'request', 'now', 'limits']);

function invalid(message) {
  return new JwtgateError({ code: 'ERR_OPTIONS_INVALID', message });
}

const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/** `[{ name, text }]` or `{ name: text }` → `[{ name, text }]`. */
function policiesOf(p) {
  if (Array.isArray(p)) return p.map((x) => ({ name: String(x.name), text: text(x.text) }));
  if (p && typeof p === 'object') return Object.entries(p).map(([name, t]) => ({ name, text: text(t) }));
  throw invalid('policies must be [{ name, text }] or { name: text }');
}

/** `"GET /v1/kv/data/x"`, `"read kv/data/x"` or `{ method|capability, path }`. */
function requestOf(r) {
  if (r === undefined || r === null) return undefined;
  if (typeof r === 'object') return r;
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(String(r));
  if (!m) throw invalid(`request ${JSON.stringify(r)}: give "METHOD /v1/path" or "capability path"`);
  return /^[A-Z]+$/.test(m[1]) ? { method: m[1], path: m[2] } : { capability: m[1], path: m[2] };
}

function input(options, steps) {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  for (const k of Object.keys(options)) if (!OPTIONS.has(k)) throw invalid(`unknown option "${k}"`);
  if (options.role === undefined) throw invalid('role is required (the Vault role JSON)');
  return JSON.stringify({
    role: text(options.role),
    roleName: options.roleName,
    policies: policiesOf(options.policies ?? []),
    knowledge: options.knowledge,
    accessor: options.accessor,
    request: requestOf(options.request),
    limits: options.limits,
    steps,
  });
}

/** A label for a login: `namespace/job/task` for Nomad identities, else its position. */
function labelOf(claims, i) {
  const ns = claims?.nomad_namespace;
  const job = claims?.nomad_job_id;
  if (typeof ns === 'string' && typeof job === 'string') {
    const task = typeof claims.nomad_task === 'string' && claims.nomad_task !== job ? `/${claims.nomad_task}` : '';
    return `${ns}/${job}${task}`;
  }
  return `#${i + 1}`;
}

/** One entry of `tokens` → a step of the core's simulation. */
function stepOf(t, i, used) {
  if (t && typeof t === 'object' && t.request !== undefined) return { request: t.request };
  let claims;
  let label;
  if (typeof t === 'string') claims = inspect(t).payload;
  else if (t && typeof t === 'object') {
    label = t.label;
    claims = t.claims ?? (typeof t.token === 'string' ? inspect(t.token).payload : undefined);
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new JwtgateError({ code: 'ERR_JWT_CLAIMS_INVALID', message: `token ${i + 1}: no claims object could be decoded` });
  }
  label ??= labelOf(claims, i);
  if (used.has(label)) label = `${label}#${i + 1}`;
  used.add(label);
  return { login: label, claims };
}

/**
 * Finds the setups whose answers depend on login order (shared entity aliases) and the fix.
 * Returns `{ analysis, suggestions }`; `analysis.hazard` is true when a security or reliability
 * finding exists.
 */
export function analyzeLoginOrder(options = {}) {
  const r = loginOrder(input(options, undefined), toSeconds(options.now));
  return { analysis: r.analysis, suggestions: r.suggestions };
}

/**
 * Simulates `tokens` logging in in order (compact JWTs, `{ label?, token | claims }`, or
 * `{ request: { token, path, operation } }` steps) and decides `options.request` for every
 * logged-in token after each login, rendering policies from the alias as Vault stores it.
 * Tokens are decoded, not verified: the result's `simulation.notes` say what was not checked.
 */
export function simulateLogins(tokens, options = {}) {
  if (!Array.isArray(tokens)) throw invalid('tokens must be an array');
  const used = new Set();
  const steps = tokens.map((t, i) => stepOf(t, i, used));
  return loginOrder(input(options, steps), toSeconds(options.now));
}

/** The core's answer; before `init()` ERR_NOT_INITIALISED, after a trap a restarted engine. */
function loginOrder(json, now) {
  enter();
  let answer;
  try {
    answer = wasm.loginOrder(json, now);
  } catch (e) {
    throw failed(e);
  }
  return unwrap(answer);
}

/** The simulation as a text table (what `jwtgate logins` prints). */
export function loginTable(result) {
  const lines = [];
  for (const s of result.simulation?.steps ?? []) {
    const head = s.kind === 'login'
      ? `${s.step}. login ${s.token}${s.alias !== undefined ? ` -> alias "${s.alias}"` : ''}`
      : `${s.step}. request by ${s.token}`;
    lines.push(head);
    if (s.error) lines.push(`     login failed: ${s.error.message} [${s.error.code}]`);
    else if (s.kind === 'login') {
      const md = Object.entries(s.aliasMetadata).map(([k, v]) => `${k}=${v}`).join(' ');
      lines.push(`     alias metadata now: ${md}`);
    }
    for (const d of s.decisions) {
      const order = d.dependsOnOrder ? `  <- depends on login order (${d.ifLast} if ${d.token} had logged in last; metadata from ${d.metadataFrom})` : '';
      lines.push(`     ${d.token.padEnd(16)} ${d.operation} ${d.path}: ${d.decision.toUpperCase()}${order}`);
    }
  }
  return lines;
}
