// jwtgate inspector: wires the page's inputs to the engine (the npm package's browser build) and
// hands the answers to the view modules. No decision is made here.
import { byId, h, render, note } from './js/dom.js';
import { parseNow, utc } from './js/format.js';
import { loadEngine } from './js/engine.js';
import { renderToken, segmentsOf, decodedSomething } from './js/token-view.js';
import { keyOption, renderKeys, renderPem, fetchFailure, HMAC_TOKEN, SYMMETRIC } from './js/keys-view.js';
import { recognise } from './js/recognise.js';
import { issuerOf } from './js/issuer.js';
import { inputNotes } from './js/input-notes.js';
import { answerEntries } from './js/answer-entries.js';
import { gateConfig, gateRequest } from './js/gate-config.js';
import { withheldView } from './js/decision.js';
import { renderClock } from './js/clock-view.js';
import { renderAnswerBar } from './js/answer-bar.js';
import { chooseAccessor, policyNotes } from './js/policy-hints.js';
import { renderLoginOrder, hazardsOf, exampleToken } from './js/login-order-view.js';
import { leewayHints } from './js/leeways.js';
import { renderChecks } from './js/checks-view.js';
import { addPolicyEditor, policiesOf, renderAuthorization } from './js/policies-view.js';
import { renderAws, providerForSuggestion } from './js/aws-view.js';
import { ROLE_PRESETS } from './js/presets.js';
import { shareLink, readFragment } from './js/share.js';
import { loadSample } from './js/sample.js';
import { readGateConfig, fieldsOf, fillToken, downloadConfig } from './js/gate-import.js';

const $ = byId;
let api = null;
/** The last inspect result and compact token, for share links. */
let last = { token: '', segments: null };
/** The last answer-bar entries and evaluation time, for share links (the sender's verdicts). */
let lastAnswer = { entries: [], now: undefined };
/**
 * What a share link said about itself (signature withheld, the sender's verdicts), kept while the
 * token box still holds the shared token.
 */
let shared = null;
/**
 * What is known of the issuer's claims (the npm `knowledge` option, camelCase), from an imported
 * gate configuration's `vault.knowledge` or a state link; the page has no field for it. Passed to
 * the login-order panel, the policy decision and the gate configuration built from the fields.
 */
let knowledge = null;
/** The login-order panel's example second token (login-order-view.js exampleToken). */
let lastExample = null;
/** The token's iss (the default for "Discover from issuer"). */
let lastIss = '';
/**
 * An imported gate configuration ({ config, request, token }), passed to createGate as it is
 * until a configuration field is edited; `request` (with `$TOKEN`, from a state link) is used
 * until the token or request fields are edited.
 */
let imported = null;
/** The GateConfig and Decision the page last decided with (the download and the raw panel). */
let lastGate = { config: null, decision: null };

// ---------- inputs → engine options ----------

function parseJson(text, what) {
  if (!text.trim()) return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `${what} is not valid JSON: ${e.message}` };
  }
}

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
const numberOrUndefined = (el) => (el.value.trim() === '' ? undefined : Number(el.value));
const mode = () => document.querySelector('input[name="mode"]:checked').value;
const reqMode = () => document.querySelector('input[name="req-mode"]:checked').value;

/**
 * Unix seconds the engine evaluates at (the override or this computer's clock). An unreadable
 * override gives `error` and no `now`: nothing is evaluated then.
 */
function evaluationTime() {
  const parsed = parseNow($('now-input').value);
  if (parsed.error) return { now: null, error: parsed.error };
  return { now: parsed.value ?? Math.floor(Date.now() / 1000), overridden: parsed.value !== null, note: parsed.note };
}

/** The verify options from the Keys and Checks sections, or { problem } explaining what is missing. */
function verifyOptions(now) {
  const keys = keyOption($('keys-input').value);
  const opts = { now };
  if (keys.jwks) opts.jwks = keys.jwks;
  else if (keys.keys) opts.keys = keys.keys;
  if (mode() === 'vault') {
    const role = parseJson($('role-input').value, 'The role');
    if (role.error) return { problem: role.error, keys };
    const config = parseJson($('config-input').value, 'The auth method config');
    if (config.error) return { problem: config.error, keys };
    if (role.value) {
      const r = { ...role.value };
      const lw = { expiration_leeway: $('lw-exp'), not_before_leeway: $('lw-nbf'), clock_skew_leeway: $('lw-skew') };
      for (const [k, el] of Object.entries(lw)) if (numberOrUndefined(el) !== undefined) r[k] = numberOrUndefined(el);
      opts.role = r;
      if ($('role-name').value.trim()) opts.roleName = $('role-name').value.trim();
    }
    if (config.value) opts.config = config.value;
  } else {
    if ($('std-iss').value.trim()) opts.issuer = $('std-iss').value.trim();
    const aud = list($('std-aud').value);
    if (aud.length) opts.audience = aud.length === 1 ? aud[0] : aud;
    if ($('std-sub').value.trim()) opts.subject = $('std-sub').value.trim();
    const algs = list($('std-algs').value);
    if (algs.length) opts.algorithms = algs;
    if (numberOrUndefined($('std-tol')) !== undefined) opts.clockTolerance = numberOrUndefined($('std-tol'));
  }
  return { opts, keys };
}

/** The compact token the engine extracted from whatever was pasted. */
function compactOf(r) {
  if (!r) return '';
  return typeof r.token === 'string' ? r.token : segmentsOf(r).map((p) => p ?? '').join('.');
}

// ---------- the pipeline ----------

async function safe(fn) {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}

/** What the inputs leave the engine waiting for, as the bar's `wait` message (or null). */
function waitingFor({ clock, rec, token, header, opts, keys, problem }) {
  if (clock.error) return { message: `the evaluation time cannot be read (${clock.error}): nothing was evaluated` };
  if (rec.kind !== 'token') return null;
  if (!token) return { message: 'no token decoded' };
  if (typeof header?.alg === 'string' && /^HS\d+$/.test(header.alg)) return { message: HMAC_TOKEN(header.alg) };
  if (keys.secret) return { message: SYMMETRIC };
  if (problem) return { message: `fix the inputs first: ${problem}` };
  if (!opts.jwks && !opts.keys) return { message: 'add keys (section 2) to verify the signature and run the checks' };
  return null;
}

async function update() {
  if (!api) return;
  const clock = evaluationTime();
  renderClock($('clock-out'), $('now-input'), clock);

  const text = $('token-input').value;
  const rec = recognise(text);
  const recNotes = inputNotes(rec, {
    move: (box, value) => { $(box).value = value; $('token-input').value = ''; schedule(); $(box).focus(); },
    pick: (t) => { $('token-input').value = t; schedule(); },
  });
  const inspected = rec.kind === 'token' ? await safe(() => api.inspect(rec.text)) : { value: null };
  const withheldNote = shared?.withheld && shared.token === compactOf(inspected.value)
    ? h('ul', { class: 'notes', id: 'withheld-token' }, note('info', 'Signature withheld by the sender.', 'This token came from a share link without its signature, so it cannot be replayed; the notes below about an empty signature are about that.'))
    : null;
  renderToken($('token-out'), inspected.value, clock.now, inspected.error, recNotes?.notes ?? withheldNote);
  const decoded = decodedSomething(inspected.value);
  const token = decoded ? compactOf(inspected.value) : '';
  if (shared && shared.token !== token) shared = null;
  last = { token, segments: decoded ? segmentsOf(inspected.value) : null };
  // Discovery starts from the token's iss unless the user typed another URL.
  const iss = inspected.value?.payload?.iss;
  $('fetch-url').placeholder = typeof iss === 'string' ? `${iss}  (the token's iss)` : 'https://nomad.example.com:4646/.well-known/jwks.json';
  lastIss = typeof iss === 'string' ? iss : '';

  // With an unreadable clock nothing is verified (waitingFor), so the instant given here is unused.
  const { opts, keys, problem } = verifyOptions(clock.now ?? 0);
  leewayHints(parseJson($('role-input').value, '').value);
  const header = decoded ? inspected.value.header : null;
  const thumbprints = [];
  const thumbprintErrors = [];
  if (keys.jwks) {
    // RFC 7638 thumbprints come from JWK members; PEM keys have none to show.
    for (const [i, k] of keys.jwks.keys.entries()) {
      const t = await safe(() => api.thumbprint(k));
      thumbprints[i] = t.value;
      thumbprintErrors[i] = t.error?.message;
    }
  }

  const waiting = imported ? null : waitingFor({ clock, rec, token, header, opts: opts ?? {}, keys, problem });
  let verified = null;
  let gate = null;
  lastGate = { config: null, decision: null };
  if (imported) {
    gate = clock.error ? null : await decideImported(token, clock);
    if (token && !problem && (opts.jwks || opts.keys)) verified = await safe(() => api.verify(token, opts));
    renderChecks($('checks-out'), gate?.value?.checks?.length
      ? { ...checksOfDecision(gate.value, verified), mode: mode() }
      : gate?.value ? { missing: `The gate's decision (${gate.value.verdict}) checked no token.` }
      : { missing: gate?.error ? `The gate configuration was refused: ${gate.error.message}` : 'Not evaluated.' });
  } else if (problem) {
    renderChecks($('checks-out'), { error: { message: problem }, mode: mode() });
  } else if (!token) {
    renderChecks($('checks-out'), { missing: 'Paste a token and keys to run the checks.' });
  } else if (waiting) {
    renderChecks($('checks-out'), { missing: `${waiting.message.charAt(0).toUpperCase()}${waiting.message.slice(1)}.` });
  } else {
    // The key table marks the key verify chose; the verdict and the checks are the gate's.
    verified = await safe(() => api.verify(token, opts));
    gate = await decideGate(token, opts, clock);
    renderChecks($('checks-out'), gate?.value
      ? { ...checksOfDecision(gate.value, verified), mode: mode(), withheld: shared?.withheld }
      : { result: verified.value, error: verified.error, mode: mode(), withheld: shared?.withheld, gateError: gate?.error });
  }
  renderKeys($('keys-out'), { option: keys, thumbprints, thumbprintErrors, header, verified: verified?.value?.key, error: verified?.error, issuer: issuerOf(inspected.value?.payload).id }, () => convertPem(keys));
  if (pemShown && pemShown.text === $('keys-input').value && document.getElementById('pem-out')) {
    renderPem($('pem-out'), pemShown.r.value, pemShown.r.error);
  }

  const loginOrder = await updateLoginOrder(token, inspected.value?.payload, opts ?? {});
  const policy = await updatePolicies(token, opts ?? {}, problem || waiting?.message, hazardsOf(loginOrder?.analysis));
  const aws = await updateAws(token, opts ?? {}, clock, issuerOf(inspected.value?.payload).id);
  renderSummary({ token, rec, recNotes, waiting, verified, gate: gate?.value, gateError: gate?.error, policy, aws, loginOrder, clock });
  $('decision-json').textContent = lastGate.decision ? JSON.stringify(lastGate.decision) : '';
  if (imported && gate?.error) render($('gate-import-out'), h('ul', { class: 'notes' }, note('fail', `The gate refused the configuration (${gate.error.code ?? 'error'}).`, gate.error.message)));
}

/**
 * The Decision with the imported configuration, exactly as imported: for the state link's
 * request (its `$TOKEN` filled in), else for the page's request with the token as a Bearer header.
 */
async function decideImported(token, clock) {
  let req;
  if (imported.request) req = fillToken(imported.request, imported.token);
  else {
    req = gateRequest(token, requestInput());
    if (!req) return null;
    if (!token) req.headers = [];
  }
  return runGate(imported.config, req, clock.now);
}

/** `createGate(config).decide(request, { now })`, kept as the page's last decision. */
async function runGate(config, req, now) {
  const r = await safe(async () => {
    const g = api.createGate(config);
    try {
      return await g.decide(req, { now });
    } finally {
      g.free();
    }
  });
  if (!r.error) lastGate = { config, decision: r.value };
  return r;
}

/**
 * The gate's Decision for the page's inputs (`createGate(config).decide(request)`), or null when
 * the package has no createGate or the request cannot be put to the gate (a sudo capability).
 * A share link's withheld signature is decided with a stand-in of its length, so every other
 * check runs; withheldView then marks it. `{ value }` or `{ error }` (a configuration refusal).
 */
async function decideGate(token, opts, clock) {
  if (typeof api.createGate !== 'function') return null;
  const request = requestInput();
  const policies = policiesOf($('policy-list'));
  const withPolicies = Boolean(request) && policies.length > 0;
  const withheld = Boolean(shared?.withheld) && token.endsWith('.');
  const req = gateRequest(withheld ? `${token}${standIn(shared.sigLen)}` : token, withPolicies ? request : null);
  if (!req) return null;
  const vault = mode() === 'vault' && opts.role
    ? { role: opts.role, roleName: opts.roleName, config: opts.config, accessor: chooseAccessor($('accessor').value.trim(), policies).accessor, policies, knowledge }
    : null;
  const standard = mode() === 'standard'
    ? { issuer: opts.issuer, audience: opts.audience, subject: opts.subject, algorithms: opts.algorithms, clockTolerance: opts.clockTolerance }
    : null;
  const config = gateConfig({ keys: opts.jwks ? { jwks: opts.jwks } : { keys: opts.keys }, vault, standard, withPolicies });
  const r = await runGate(config, req, clock.now);
  if (r.error) return { error: r.error };
  return { value: withheld ? withheldView(r.value) : r.value };
}

/** The Checks section's input from a Decision: the login's report, and the verifying key. */
function checksOfDecision(d, verified) {
  const report = { checks: d.checks ?? [] };
  if (d.verdict === 'allow' || d.alias) return { result: { report, alias: d.alias, key: verified?.value?.key } };
  return { error: { code: d.code, message: d.message, report } };
}

/** The last JWKS → PEM conversion, kept while the key text stays the same. */
let pemShown = null;

/**
 * The answer bar: the Decision-shaped objects of decision.js (today built from the per-step
 * results; the gate's Decision when the package exports it) rendered by answer-bar.js. Nothing
 * is decided here: each line is what its result says.
 */
function renderSummary({ token, rec, recNotes, waiting, verified, gate, gateError, policy, aws, loginOrder, clock }) {
  if (imported) {
    // One line: the gate's Decision with the imported configuration, its verdict as the gate says it.
    const decision = gate ?? { verdict: 'wait', message: gateError ? `the gate configuration was refused: ${gateError.message}` : 'not evaluated' };
    const entries = [{ target: 'gate', label: 'Gate (imported configuration)', scope: 'gate-io', who: 'the gate', decision, words: { allow: 'allow', deny: 'deny', pass: 'pass', wait: 'wait' } }];
    lastAnswer = { entries, now: clock.now ?? undefined };
    renderAnswerBar($('summary'), entries);
    return;
  }
  if (!token) {
    lastAnswer = { entries: [], now: undefined };
    renderAnswerBar($('summary'), [], { emptyText: recNotes?.bar ? `Token: ${recNotes.bar}.` : rec.kind === 'empty' ? undefined : 'Token: nothing decoded.' });
    return;
  }
  const entries = answerEntries({ mode: mode(), gate, verified, waiting, policy, aws, hazards: hazardsOf(loginOrder?.analysis), shared });
  lastAnswer = { entries, now: clock.now ?? undefined };
  renderAnswerBar($('summary'), entries);
}

async function convertPem(keys) {
  const r = await safe(() => api.jwksToPem(keys.jwks));
  pemShown = { text: $('keys-input').value, r };
  renderPem($('pem-out'), r.value, r.error);
}

/** The Vault request the user asked about, or null. */
function requestInput() {
  const r = reqMode() === 'path'
    ? { path: $('req-path-input').value.trim(), capability: $('req-cap').value }
    : { method: $('req-method').value, path: $('req-url').value.trim() };
  return r.path ? r : null;
}

async function updatePolicies(token, opts, problem, hazards = []) {
  const policies = policiesOf($('policy-list'));
  const choice = chooseAccessor($('accessor').value.trim(), policies);
  const hints = policies.length ? policyNotes({
    policies, role: opts.role, choice,
    onUseAccessor: (a) => { $('accessor').value = a; schedule(); },
  }) : null;
  $('accessor').placeholder = choice.source === 'policy' ? `empty = ${choice.accessor} (named in the policy)` : choice.source === 'default' ? 'empty = AUTH_METHOD_ACCESSOR (the default)' : '';
  if (!policies.length) {
    renderAuthorization($('policies-out'), { missing: 'Paste a policy to see it rendered for this token.' });
    return;
  }
  const request = requestInput();
  if (!token || problem || (!opts.jwks && !opts.keys) || !opts.role) {
    renderAuthorization($('policies-out'), { hints, missing: 'Policies are rendered from the verified identity: add a token, keys and a Vault role first.' });
    return request ? { request } : undefined;
  }
  const base = { ...opts, policies, accessor: choice.accessor, ...(knowledge ? { knowledge } : {}) };
  if (!request) {
    // Without a request there is nothing to decide: only render (the report of authorize carries
    // the rendering too, so this is the only place renderPolicies is needed).
    const rendered = await safe(() => api.renderPolicies(token, base));
    renderAuthorization($('policies-out'), rendered.error
      ? { hints, missing: 'Enter a path (or method + URL) to render the policies for this token and decide it.' }
      : { hints, choice, rendered: rendered.value });
    return;
  }
  const decided = await safe(() => api.authorize(token, { ...base, request }));
  renderAuthorization($('policies-out'), { hints, choice, hazards, report: decided.value, rendered: decided.value, error: decided.error });
  return { report: decided.value, error: decided.error, request };
}

/** Issue 22's panel: the engine's login-order analysis, and a simulation with a second token. */
async function updateLoginOrder(token, payload, opts) {
  const policies = policiesOf($('policy-list'));
  if (mode() !== 'vault' || !opts.role || !policies.length) {
    renderLoginOrder($('login-order-out'), { missing: 'Add a Vault role and a templated policy to see who shares this token\'s alias.' });
    return null;
  }
  const accessor = chooseAccessor($('accessor').value.trim(), policies).accessor;
  const request = requestInput() ?? undefined;
  // The role's name too: Vault stores it in the alias metadata (`role`) every login writes.
  const options = { role: opts.role, roleName: opts.roleName, policies, accessor, ...(request ? { request } : {}), ...(knowledge ? { knowledge } : {}) };
  const analysed = await safe(() => api.analyzeLoginOrder(options));
  if (analysed.error) {
    renderLoginOrder($('login-order-out'), { error: analysed.error });
    return null;
  }
  lastExample = exampleToken(payload, analysed.value.analysis);
  $('use-example').disabled = !lastExample;
  const second = recognise($('second-token').value);
  let sim = null;
  if (token && request && second.kind === 'token') {
    sim = await safe(() => api.simulateLogins([token, second.text], options));
  }
  renderLoginOrder($('login-order-out'), { ...analysed.value, simulation: sim?.value?.simulation, simError: sim?.error });
  return analysed.value;
}

/** A base64url signature stand-in of `n` characters (a valid length: never 1 mod 4). */
function standIn(n) {
  const len = Number.isSafeInteger(n) && n > 1 && n < 4096 ? n : 342;
  return 'A'.repeat(len % 4 === 1 ? len + 1 : len);
}

async function updateAws(token, opts, clock, issuer) {
  const provider = $('aws-provider').value.trim();
  if (!provider || !token) {
    renderAws($('aws-out'), { missing: 'Fill in the provider URL to run AWS\'s preflight checks.' });
    return null;
  }
  if (clock.error) {
    renderAws($('aws-out'), { missing: `Not evaluated: ${clock.error}.` });
    return { waiting: `the evaluation time cannot be read (${clock.error})` };
  }
  const clientIds = list($('aws-clients').value);
  const trust = parseJson($('aws-trust').value, 'The trust policy');
  const account = $('aws-account').value.trim();
  const forSuggestion = providerForSuggestion(provider);
  const suggested = await safe(() => api.suggestTrustPolicy(token, { providerUrl: forSuggestion.url, clientIds: clientIds.length ? clientIds : ['aws'], ...(account ? { accountId: account } : {}) }));
  const suggestion = suggested.value;
  if (trust.error) {
    renderAws($('aws-out'), { error: { message: trust.error }, suggestion, dropped: forSuggestion.dropped, issuer });
    return { waiting: trust.error };
  }
  // With keys the engine verifies the token the way STS does (iss = provider URL) before the
  // preflight; when that fails, the decoded-only evaluation still shows every preflight check and
  // condition, so all the reasons are on screen at once.
  const base = { providerUrl: provider, clientIds, trustPolicy: trust.value, now: opts.now, ...(account ? { accountId: account } : {}) };
  const keys = opts.jwks ? { jwks: opts.jwks } : opts.keys ? { keys: opts.keys } : {};
  const r = await safe(() => api.evaluateTrustPolicy(token, { ...base, ...keys }));
  // A share link's withheld signature: the keyless evaluation (which never checks a signature)
  // gets a stand-in of the original length, since the engine's parser refuses an empty one.
  const keyless = shared?.withheld && token.endsWith('.') ? `${token}${standIn(shared.sigLen)}` : token;
  const decoded = r.error?.report ? await safe(() => api.evaluateTrustPolicy(keyless, base)) : null;
  renderAws($('aws-out'), { result: r.value ?? decoded?.value, error: r.error, suggestion, dropped: forSuggestion.dropped, withheld: Boolean(shared?.withheld), issuer });
  return { value: r.value, error: r.error, decoded: decoded?.value };
}

// ---------- clicked fetches (the only requests to other hosts) ----------

async function clickedFetch(kind) {
  const url = $('fetch-url').value.trim() || (kind === 'discovery' ? lastIss : '');
  // Its own element: the re-evaluation after any edit re-renders #keys-out and would otherwise
  // wipe a fetch error the moment the user touches another field.
  const out = $('fetch-out');
  if (!url) {
    render(out, h('ul', { class: 'notes' }, note('warn', 'Type a URL first.', 'A JWKS URL, or the issuer (the token\'s iss) for discovery.')));
    return;
  }
  render(out, h('p', { class: 'empty', role: 'status' }, `Fetching ${url} …`));
  if (kind === 'jwks') {
    const r = await safe(() => api.fetchJwks(url));
    if (r.error) return fetchFailure(out, url, r.error, 'JWKS');
    render(out);
    $('keys-input').value = JSON.stringify(r.value.jwks ?? r.value, null, 2);
  } else {
    const r = await safe(() => api.discover(url));
    if (r.error) return fetchFailure(out, `${url.replace(/\/+$/, '')}/.well-known/openid-configuration`, r.error, 'discovery document');
    render(out);
    const jwks = r.value.jwks ?? r.value.keys;
    if (jwks) $('keys-input').value = JSON.stringify(jwks, null, 2);
    else if (r.value.jwks_uri || r.value.document?.jwks_uri) {
      $('fetch-url').value = r.value.jwks_uri ?? r.value.document.jwks_uri;
      return clickedFetch('jwks');
    }
  }
  schedule();
}

// ---------- state in and out ----------

function applyPreset(name) {
  const p = ROLE_PRESETS[name];
  if (!p) return;
  $('role-input').value = JSON.stringify(p.role, null, 2);
  $('role-name').value = name;
}

/** Fills the inputs from a state object (share link or sample). */
function applyState(s) {
  if (s.gate && typeof s.gate === 'object') {
    importGate(s.gate);
    return;
  }
  imported = null;
  // A share link: its evaluation time, whether the signature was withheld, the sender's verdicts.
  shared = s.v >= 2 || s.withheld || s.sender ? { token: s.token, withheld: s.withheld === 'signature' || s.redacted === true, sigLen: s.sigLen, sender: s.sender ?? null } : null;
  const set = (id, v) => { if (v !== undefined && v !== null) $(id).value = typeof v === 'string' ? v : JSON.stringify(v, null, 2); };
  set('token-input', s.token);
  set('now-input', s.now !== undefined ? String(s.now) : undefined);
  set('keys-input', s.keys);
  if (s.mode) document.querySelector(`input[name="mode"][value="${s.mode === 'standard' ? 'standard' : 'vault'}"]`).checked = true;
  set('role-input', s.role);
  set('role-name', s.roleName);
  set('config-input', s.config);
  set('accessor', s.accessor);
  knowledge = s.knowledge && typeof s.knowledge === 'object' && !Array.isArray(s.knowledge) ? s.knowledge : null;
  if (s.policies) {
    $('policy-list').replaceChildren();
    for (const p of s.policies) addPolicyEditor($('policy-list'), schedule, p);
  }
  if (s.request) {
    if (s.request.method) {
      document.querySelector('input[name="req-mode"][value="http"]').checked = true;
      set('req-method', s.request.method);
      set('req-url', s.request.path);
    } else {
      set('req-path-input', s.request.path);
      set('req-cap', s.request.capability);
    }
  }
  if (s.aws) {
    set('aws-provider', s.aws.provider);
    set('aws-clients', s.aws.clientIds);
    set('aws-account', s.aws.account);
    set('aws-trust', s.aws.trustPolicy);
  }
  if (s.standard) {
    set('std-iss', s.standard.issuer);
    set('std-aud', s.standard.audience);
    set('std-sub', s.standard.subject);
    set('std-algs', s.standard.algorithms);
    set('std-tol', s.standard.clockTolerance);
  }
  syncModes();
}

/** Empties the fields a gate configuration fills (keys, role, checks, policies). */
function clearConfigFields() {
  for (const id of ['keys-input', 'role-input', 'role-name', 'config-input', 'accessor', 'lw-exp', 'lw-nbf', 'lw-skew', 'std-iss', 'std-aud', 'std-sub', 'std-algs', 'std-tol']) $(id).value = '';
  $('role-preset').value = '';
  $('policy-list').replaceChildren();
}

/**
 * Imports `{ config, token?, request?, now? }` (a state link, or the import control with the
 * configuration alone): the fields show what they can, and the page decides with `config` as it is.
 */
function importGate({ config, token, request, now }) {
  const read = typeof config === 'string' ? readGateConfig(config) : readGateConfig(JSON.stringify(config ?? null));
  if (read.error) {
    render($('gate-import-out'), h('ul', { class: 'notes' }, note('fail', 'Not imported.', read.error)));
    return false;
  }
  shared = null;
  clearConfigFields();
  const { state, notes } = fieldsOf(read.config);
  applyState(state);
  if (!$('policy-list').children.length) addPolicyEditor($('policy-list'), schedule);
  if (token !== undefined) $('token-input').value = token ?? '';
  if (now !== undefined && now !== null) $('now-input').value = String(now);
  if (request && typeof request === 'object') {
    document.querySelector('input[name="req-mode"][value="http"]').checked = true;
    const method = String(request.method ?? 'GET');
    if (![...$('req-method').options].some((o) => o.value === method)) $('req-method').appendChild(h('option', {}, method));
    $('req-method').value = method;
    $('req-url').value = request.path ?? '';
    syncModes();
  }
  imported = { config: read.config, request: request && typeof request === 'object' ? request : null, token: token ?? null };
  render($('gate-import-out'), h('ul', { class: 'notes' }, note('info', 'Deciding with the imported configuration, exactly as imported.',
    `Editing a field above switches back to a configuration built from the fields.${notes.length ? ` Not shown in the fields: ${notes.join('; ')}.` : ''}`)));
  return true;
}

/** An edit to `target`: a configuration field ends the import, a token or request field its request. */
function editedField(target) {
  if (!imported) return;
  if (target.closest('#aws, #login-order')) return;
  if (target.closest('#token, fieldset.request')) {
    imported.request = null;
    return;
  }
  imported = null;
  render($('gate-import-out'), h('ul', { class: 'notes' }, note('info', 'A field was edited: the page now decides with a configuration built from its fields.', 'Download it below, or import a configuration again.')));
}

function currentState() {
  return {
    ...last,
    evaluatedAt: lastAnswer.now,
    sender: Object.fromEntries(lastAnswer.entries.map((e) => [e.target, { verdict: e.decision.verdict, ...(e.decision.code ? { code: e.decision.code } : {}) }])),
    now: $('now-input').value.trim(),
    keys: $('keys-input').value,
    mode: mode(),
    role: $('role-input').value,
    roleName: $('role-name').value,
    config: $('config-input').value,
    policies: policiesOf($('policy-list')),
    accessor: $('accessor').value,
    ...(knowledge ? { knowledge } : {}),
    request: reqMode() === 'path' ? { path: $('req-path-input').value, capability: $('req-cap').value } : { method: $('req-method').value, path: $('req-url').value },
    aws: { provider: $('aws-provider').value, clientIds: $('aws-clients').value, account: $('aws-account').value, trustPolicy: $('aws-trust').value },
    standard: { issuer: $('std-iss').value, audience: $('std-aud').value, subject: $('std-sub').value, algorithms: $('std-algs').value, clockTolerance: $('std-tol').value },
  };
}

function syncModes() {
  const vault = mode() === 'vault';
  $('vault-inputs').hidden = !vault;
  $('standard-inputs').hidden = vault;
  const path = reqMode() === 'path';
  $('req-path').hidden = !path;
  $('req-http').hidden = path;
}

function clearAll() {
  for (const el of document.querySelectorAll('main textarea, main input[type="text"], main input[type="url"], main input[type="number"]')) el.value = '';
  $('now-input').value = '';
  shared = null;
  imported = null;
  knowledge = null;
  $('policy-list').replaceChildren();
  addPolicyEditor($('policy-list'), schedule);
  $('role-preset').value = '';
  if (location.hash.startsWith('#s=') || location.hash === '#sample') history.replaceState(null, '', location.pathname);
  schedule();
}

function applyTheme() {
  const v = $('theme').value;
  if (v === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = v;
}

// ---------- start ----------

let timer = 0;
/** Debounced re-evaluation after an edit; returns a promise tests can wait on via `data-busy`. */
function schedule() {
  clearTimeout(timer);
  document.body.dataset.busy = 'true';
  timer = setTimeout(async () => {
    try {
      await update();
    } catch (e) {
      render($('engine-status'), `Unexpected error: ${e.message}`);
      $('engine-status').className = 'banner error';
    } finally {
      document.body.dataset.busy = 'false';
    }
  }, 120);
}

function wire() {
  for (const [name] of Object.entries(ROLE_PRESETS)) $('role-preset').appendChild(h('option', { value: name }, name));
  addPolicyEditor($('policy-list'), schedule);
  document.querySelector('main').addEventListener('input', (e) => {
    if (e.target.closest('#share, #gate-io')) return;
    editedField(e.target);
    schedule();
  });
  document.querySelector('main').addEventListener('change', (e) => {
    if (e.target.name === 'mode' || e.target.name === 'req-mode') syncModes();
    if (e.target.closest('#share, #gate-io')) return;
    editedField(e.target);
    schedule();
  });
  $('gate-import').addEventListener('click', () => {
    if (importGate({ config: $('gate-import-text').value })) schedule();
  });
  $('gate-import-file').addEventListener('change', async () => {
    const f = $('gate-import-file').files?.[0];
    if (!f) return;
    $('gate-import-text').value = await f.text();
    if (importGate({ config: $('gate-import-text').value })) schedule();
  });
  $('gate-export').addEventListener('click', () => {
    const config = imported?.config ?? lastGate.config;
    if (!config) {
      render($('gate-import-out'), h('ul', { class: 'notes' }, note('warn', 'Nothing to download yet.', 'Import a gate configuration, or give a token, keys and checks so the page decides with one.')));
      return;
    }
    downloadConfig(config);
  });
  $('copy-decision').addEventListener('click', async () => {
    const text = $('decision-json').textContent;
    try {
      await navigator.clipboard.writeText(text);
      $('decision-copied').textContent = text ? 'Copied.' : 'No decision to copy.';
    } catch {
      getSelection().selectAllChildren($('decision-json'));
      $('decision-copied').textContent = 'Select the text and copy it (clipboard access was refused).';
    }
  });
  // Links to a section land below the sticky bar, whatever its height.
  const bar = $('answer');
  new ResizeObserver(() => { document.documentElement.style.scrollPaddingTop = `${bar.offsetHeight + 8}px`; }).observe(bar);
  // The clock sits in the sticky answer bar, outside <main>.
  $('now-input').addEventListener('input', schedule);
  $('role-preset').addEventListener('change', () => { applyPreset($('role-preset').value); schedule(); });
  $('now-reset').addEventListener('click', () => { $('now-input').value = ''; schedule(); });
  $('add-policy').addEventListener('click', () => addPolicyEditor($('policy-list'), schedule).querySelector('textarea').focus());
  $('fetch-jwks').addEventListener('click', () => clickedFetch('jwks'));
  $('fetch-discovery').addEventListener('click', () => clickedFetch('discovery'));
  $('keys-file').addEventListener('change', async () => {
    const f = $('keys-file').files?.[0];
    if (f) {
      $('keys-input').value = await f.text();
      schedule();
    }
  });
  $('load-sample').addEventListener('click', () => startSample());
  $('use-example').addEventListener('click', () => {
    if (!lastExample) return;
    $('second-token').value = lastExample;
    schedule();
  });
  $('clear-all').addEventListener('click', clearAll);
  $('theme').addEventListener('change', applyTheme);
  $('make-share').addEventListener('click', () => {
    const url = shareLink(currentState(), { signature: $('share-signature').checked, config: $('share-config').checked });
    const status = h('span', { class: 'hint', role: 'status', id: 'share-copied' });
    render($('share-out'),
      h('label', { for: 'share-url' }, 'Share link (state in the fragment only)'),
      h('div', { class: 'row' },
        h('input', { id: 'share-url', class: 'share-url', type: 'text', readonly: true, value: url }),
        h('button', { type: 'button', id: 'copy-share', onclick: async () => {
          try {
            await navigator.clipboard.writeText(url);
            status.textContent = 'Copied.';
          } catch {
            $('share-url').select();
            status.textContent = 'Select the link and copy it (clipboard access was refused).';
          }
        } }, 'Copy'), status),
      h('p', { class: 'hint' }, `Evaluated at ${lastAnswer.now !== undefined ? `${utc(lastAnswer.now)} (Unix ${lastAnswer.now})` : 'this computer\'s time'}: the link carries this time and your verdicts, so the recipient sees the same answers beside their own.`),
      h('p', { class: 'hint' }, $('share-signature').checked
        ? 'This link contains the full token, signature included: treat it like a password while the token is valid.'
        : 'The signature is withheld: the link cannot be replayed; the recipient\'s page marks the signature "withheld by the sender" and shows your verdict beside its own.'));
    $('share-url').select();
  });
  syncModes();
  // A share link pasted into this tab's address bar (only #sample and #s=… mean anything).
  window.addEventListener('hashchange', () => {
    const frag = readFragment();
    if (!api || !frag) return;
    if (frag.sample) startSample();
    else if (frag.state) {
      applyState(frag.state);
      schedule();
    }
  });
}

async function startSample() {
  document.body.dataset.busy = 'true';
  const s = await safe(() => loadSample());
  if (s.error) {
    document.body.dataset.busy = 'false';
    render($('engine-status'), `Could not load the bundled sample: ${s.error.message}`);
    $('engine-status').className = 'banner error';
    return;
  }
  $('policy-list').replaceChildren();
  applyState(s.value);
  if (s.value.rolePreset) $('role-preset').value = s.value.rolePreset;
  schedule();
}

async function main() {
  wire();
  const status = $('engine-status');
  const loaded = await safe(() => loadEngine());
  if (loaded.error) {
    status.className = 'banner error';
    render(status, h('strong', {}, 'The verification engine did not load. '),
      `${loaded.error.message}. Build it and serve the page with `, h('code', {}, 'make serve'), '.');
    return;
  }
  api = loaded.value;
  status.className = 'banner ok';
  status.textContent = 'Engine loaded.';
  document.body.dataset.engine = 'ready';
  const frag = readFragment();
  if (frag?.sample) await startSample();
  else if (frag?.state) {
    applyState(frag.state);
    schedule();
  } else if (frag?.error) {
    status.className = 'banner error';
    status.textContent = frag.error;
  } else schedule();
}

main();

