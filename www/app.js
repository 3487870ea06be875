// jwtgate inspector: wires the page's inputs to the engine (the npm package's browser build) and
// hands the answers to the view modules. No decision is made here.
import { byId, h, render, note } from './js/dom.js';
import { parseNow, utc, local } from './js/format.js';
import { loadEngine } from './js/engine.js';
import { renderToken, segmentsOf } from './js/token-view.js';
import { keyOption, renderKeys, renderPem, fetchFailure } from './js/keys-view.js';
import { renderChecks } from './js/checks-view.js';
import { addPolicyEditor, policiesOf, renderAuthorization } from './js/policies-view.js';
import { renderAws } from './js/aws-view.js';
import { ROLE_PRESETS } from './js/presets.js';
import { shareLink, readFragment } from './js/share.js';
import { loadSample } from './js/sample.js';

const $ = byId;
let api = null;
/** The last inspect result and compact token, for share links. */
let last = { token: '', segments: null };
/** The token's iss (the default for "Discover from issuer"). */
let lastIss = '';

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

/** Unix seconds the engine evaluates at (the override or this computer's clock). */
function evaluationTime() {
  const parsed = parseNow($('now-input').value);
  return { now: parsed.value ?? Math.floor(Date.now() / 1000), overridden: parsed.value !== null, error: parsed.error };
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

async function update() {
  if (!api) return;
  const { now, overridden, error: nowError } = evaluationTime();
  render($('clock-out'),
    nowError ? h('ul', { class: 'notes' }, note('fail', 'Cannot read the time.', nowError)) : null,
    h('p', { id: 'clock-now' }, overridden ? 'Evaluating at ' : 'Evaluating at this computer\'s time, ',
      h('strong', { class: 'mono' }, utc(now)), ` (${local(now)}; Unix ${now}).`));

  const text = $('token-input').value;
  const inspected = text.trim() ? await safe(() => api.inspect(text)) : { value: null };
  renderToken($('token-out'), inspected.value, now, inspected.error);
  const token = compactOf(inspected.value);
  last = { token, segments: inspected.value ? segmentsOf(inspected.value) : null };
  // Discovery starts from the token's iss unless the user typed another URL.
  const iss = inspected.value?.payload?.iss;
  $('fetch-url').placeholder = typeof iss === 'string' ? `${iss}  (the token's iss)` : 'https://nomad.example.com:4646/.well-known/jwks.json';
  lastIss = typeof iss === 'string' ? iss : '';

  const { opts, keys, problem } = verifyOptions(now);
  const header = inspected.value?.header;
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

  let verified = null;
  if (problem) {
    renderChecks($('checks-out'), { error: { message: problem }, mode: mode() });
  } else if (!token) {
    renderChecks($('checks-out'), { missing: 'Paste a token and keys to run the checks.' });
  } else if (!opts.jwks && !opts.keys) {
    renderChecks($('checks-out'), { missing: 'Add keys (section 2) to verify the signature and run the checks.' });
  } else {
    verified = await safe(() => api.verify(token, opts));
    renderChecks($('checks-out'), { result: verified.value, error: verified.error, mode: mode() });
  }
  renderKeys($('keys-out'), { option: keys, thumbprints, thumbprintErrors, header, verified: verified?.value?.key, error: verified?.error }, () => convertPem(keys));
  if (pemShown && pemShown.text === $('keys-input').value && document.getElementById('pem-out')) {
    renderPem($('pem-out'), pemShown.r.value, pemShown.r.error);
  }

  const policy = await updatePolicies(token, opts, problem);
  const aws = await updateAws(token, opts);
  renderSummary({ token, mode: mode(), verified, policy, aws, problem });
}

/** The last JWKS → PEM conversion, kept while the key text stays the same. */
let pemShown = null;

/**
 * One line per target at the top of the page, so the answer is visible without scrolling: each
 * chip repeats a verdict rendered in its section (no new decision) and links there.
 */
function renderSummary({ token, mode: m, verified, policy, aws, problem }) {
  const chips = [];
  const chip = (kind, href, text) => h('a', { class: `chip ${kind}`, href }, text);
  if (!token) {
    render($('summary'));
    return;
  }
  const who = m === 'vault' ? 'Vault login' : 'Standard verify';
  if (problem) chips.push(chip('fail', '#checks', `✘ ${who}: fix the inputs first`));
  else if (!verified) chips.push(chip('info', '#keys', `${who}: add keys to verify`));
  else if (verified.value && !verified.value.report?.checks?.some((c) => c.outcome === 'fail')) chips.push(chip('pass', '#checks', `✔ ${who}: accepted`));
  else {
    const first = verified.error?.report?.checks?.find((c) => c.outcome === 'fail');
    chips.push(chip('fail', '#checks', `✘ ${who}: rejected${first ? ` at ${first.id}` : verified.error?.code ? ` (${verified.error.code})` : ''}`));
  }
  if (policy?.report) {
    chips.push(chip(policy.report.allowed ? 'pass' : 'fail', '#policies',
      `${policy.report.allowed ? '✔' : '✘'} ${policy.report.capability ?? ''} ${policy.report.request?.path ?? ''}: ${policy.report.allowed ? 'allowed' : 'denied'}`));
  } else if (policy?.error) {
    chips.push(chip('fail', '#policies', policy.error.report ? '✘ Policies: never reached (login rejected)' : '✘ Policies: cannot be evaluated'));
  }
  if (aws?.value) {
    const ok = !(aws.value.preflight ?? []).some((c) => c.outcome === 'fail') && aws.value.trust?.allowed === true;
    chips.push(chip(ok ? 'pass' : 'fail', '#aws', `${ok ? '✔' : '✘'} AWS STS: ${ok ? 'role assumable' : 'refused'}`));
  }
  render($('summary'), h('span', { class: 'summary-label' }, 'Answer:'), chips);
}

async function convertPem(keys) {
  const r = await safe(() => api.jwksToPem(keys.jwks));
  pemShown = { text: $('keys-input').value, r };
  renderPem($('pem-out'), r.value, r.error);
}

async function updatePolicies(token, opts, problem) {
  const policies = policiesOf($('policy-list'));
  if (!policies.length) {
    renderAuthorization($('policies-out'), { missing: 'Paste a policy to see it rendered for this token.' });
    return;
  }
  if (!token || problem || (!opts.jwks && !opts.keys) || !opts.role) {
    renderAuthorization($('policies-out'), { missing: 'Policies are rendered from the verified identity: add a token, keys and a Vault role first.' });
    return;
  }
  const request = reqMode() === 'path'
    ? { path: $('req-path-input').value.trim(), capability: $('req-cap').value }
    : { method: $('req-method').value, path: $('req-url').value.trim() };
  const accessor = $('accessor').value.trim() || 'AUTH_METHOD_ACCESSOR';
  const base = { ...opts, policies, accessor };
  if (!request.path) {
    // Without a request there is nothing to decide: only render (the report of authorize carries
    // the rendering too, so this is the only place renderPolicies is needed).
    const rendered = await safe(() => api.renderPolicies(token, base));
    renderAuthorization($('policies-out'), rendered.error
      ? { missing: 'Enter a path (or method + URL) to render the policies for this token and decide it.' }
      : { rendered: rendered.value });
    return;
  }
  const decided = await safe(() => api.authorize(token, { ...base, request }));
  renderAuthorization($('policies-out'), { report: decided.value, rendered: decided.value, error: decided.error });
  return { report: decided.value, error: decided.error, request };
}

async function updateAws(token, opts) {
  const provider = $('aws-provider').value.trim();
  if (!provider || !token) {
    renderAws($('aws-out'), { missing: 'Fill in the provider URL to run AWS\'s preflight checks.' });
    return;
  }
  const clientIds = list($('aws-clients').value);
  const trust = parseJson($('aws-trust').value, 'The trust policy');
  const account = $('aws-account').value.trim();
  const suggested = await safe(() => api.suggestTrustPolicy(token, { providerUrl: provider, clientIds: clientIds.length ? clientIds : ['aws'], ...(account ? { accountId: account } : {}) }));
  const suggestion = suggested.value;
  if (trust.error) {
    renderAws($('aws-out'), { error: { message: trust.error }, suggestion });
    return;
  }
  // With keys the engine verifies the token the way STS does (iss = provider URL) before the
  // preflight; when that fails, the decoded-only evaluation still shows every preflight check and
  // condition, so all the reasons are on screen at once.
  const base = { providerUrl: provider, clientIds, trustPolicy: trust.value, now: opts.now, ...(account ? { accountId: account } : {}) };
  const keys = opts.jwks ? { jwks: opts.jwks } : opts.keys ? { keys: opts.keys } : {};
  const r = await safe(() => api.evaluateTrustPolicy(token, { ...base, ...keys }));
  const decoded = r.error?.report ? await safe(() => api.evaluateTrustPolicy(token, base)) : null;
  renderAws($('aws-out'), { result: r.value ?? decoded?.value, error: r.error, suggestion });
  return r;
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
  const set = (id, v) => { if (v !== undefined && v !== null) $(id).value = typeof v === 'string' ? v : JSON.stringify(v, null, 2); };
  set('token-input', s.token);
  set('now-input', s.now !== undefined ? String(s.now) : undefined);
  set('keys-input', s.keys);
  if (s.mode) document.querySelector(`input[name="mode"][value="${s.mode === 'standard' ? 'standard' : 'vault'}"]`).checked = true;
  set('role-input', s.role);
  set('role-name', s.roleName);
  set('config-input', s.config);
  set('accessor', s.accessor);
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

function currentState() {
  return {
    ...last,
    now: $('now-input').value.trim(),
    keys: $('keys-input').value,
    mode: mode(),
    role: $('role-input').value,
    roleName: $('role-name').value,
    config: $('config-input').value,
    policies: policiesOf($('policy-list')),
    accessor: $('accessor').value,
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
    if (e.target.closest('#share')) return;
    schedule();
  });
  document.querySelector('main').addEventListener('change', (e) => {
    if (e.target.name === 'mode' || e.target.name === 'req-mode') syncModes();
    if (e.target.closest('#share')) return;
    schedule();
  });
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
  $('clear-all').addEventListener('click', clearAll);
  $('theme').addEventListener('change', applyTheme);
  $('make-share').addEventListener('click', () => {
    const url = shareLink(currentState(), { signature: $('share-signature').checked, config: $('share-config').checked });
    render($('share-out'),
      h('label', { for: 'share-url' }, 'Share link (state in the fragment only)'),
      h('input', { id: 'share-url', class: 'share-url', type: 'text', readonly: true, value: url }),
      h('p', { class: 'hint' }, $('share-signature').checked
        ? 'This link contains the full token, signature included: treat it like a password while the token is valid.'
        : 'The signature is removed: the link shows the claims and checks but cannot be replayed (the signature check will fail).'));
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

