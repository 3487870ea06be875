// "Who else shares this alias" (issue 22): renders the engine's login-order analysis
// (`analyzeLoginOrder`) and, with a second token, its simulation of both logins
// (`simulateLogins`). The findings, the fix and every decision come from the engine.
import { h, render, note, table, copyBlock, pretty } from './dom.js';

/** Findings that make an answer depend on login order (not the notices). */
export const hazardsOf = (analysis) => (analysis?.findings ?? []).filter((f) => f.severity === 'security' || f.severity === 'reliability');

function findingNote(f) {
  const ex = f.example;
  return h('li', { class: `note ${f.severity === 'security' ? 'fail' : f.severity === 'reliability' ? 'warn' : 'info'}`, 'data-finding': f.code, 'data-severity': f.severity },
    h('strong', {}, `${f.severity}:`), ' ',
    h('span', { class: 'body' }, f.message,
      ex ? h('span', { class: 'example' }, ` Example: alias "${ex.aliasName}" shared by ${ex.a?.nomad_namespace ?? 'A'}/${ex.a?.nomad_job_id ?? ''} and ${ex.b?.nomad_namespace ?? 'B'}/${ex.b?.nomad_job_id ?? ''}: A renders ${ex.ownPath} on its own, ${ex.pathAfterB} after B logs in.`) : null));
}

function suggestionView(s, i) {
  return h('div', { class: 'suggestion', 'data-verified': String(s.verified) },
    h('h4', {}, `Fix ${i + 1}: ${s.title}${s.verified ? ' (re-checked: no hazard left)' : ''}`),
    s.tradeoff ? h('p', { class: 'hint' }, s.tradeoff) : null,
    copyBlock('role', pretty(s.role)),
    s.nomadAgentConfig ? copyBlock('Nomad agent config', s.nomadAgentConfig) : null,
    (s.remaining ?? []).length ? h('ul', { class: 'notes' }, s.remaining.map((r) => note('warn', 'Remaining:', r))) : null);
}

function simulationView(sim) {
  const rows = [];
  for (const s of sim.steps ?? []) {
    for (const d of s.decisions ?? []) {
      rows.push({
        cells: [String(s.step), s.kind === 'login' ? `login ${s.token}` : `request by ${s.token}`, h('td', { class: 'mono' }, d.token), h('td', { class: 'mono' }, `${d.operation} ${d.path}`),
          h('td', {}, h('span', { class: `badge ${d.decision === 'allowed' ? 'pass' : 'fail'}` }, d.decision)),
          d.dependsOnOrder ? h('td', { class: 'explain' }, `${d.ifLast} if ${d.token} had logged in last; metadata from ${d.metadataFrom}`) : ''],
        attrs: { 'data-depends': String(Boolean(d.dependsOnOrder)), 'data-token': d.token, 'data-decision': d.decision },
      });
    }
    if (s.error) rows.push([String(s.step), `login ${s.token}`, '', '', h('span', { class: 'badge fail' }, 'failed'), `${s.error.message} (${s.error.code})`]);
  }
  const aliases = Object.entries(sim.aliases ?? {});
  return [
    aliases.length ? h('p', { id: 'alias-owners' }, aliases.map(([name, md]) => `alias "${name}": metadata now ${Object.entries(md).map(([k, v]) => `${k}=${v}`).join(' ')}`).join('; ')) : null,
    table('Logins in order, and every token\'s answer after each', ['step', 'event', 'token', 'request', 'answer', 'depends on login order'], rows, { id: 'login-sim' }),
    (sim.notes ?? []).length ? h('ul', { class: 'notes' }, sim.notes.map((n) => note('info', 'Not checked:', n))) : null,
  ];
}

/** Renders the panel. `state`: { missing } | { analysis, suggestions, simulation?, error?, simError? }. */
export function renderLoginOrder(out, state) {
  if (state.missing) {
    render(out, h('p', { class: 'empty' }, state.missing));
    return;
  }
  if (state.error) {
    render(out, h('ul', { class: 'notes' }, note('fail', 'The analysis could not run.', `${state.error.message}${state.error.code ? ` (${state.error.code})` : ''}`)));
    return;
  }
  const hazards = hazardsOf(state.analysis);
  const others = (state.analysis?.findings ?? []).filter((f) => !hazards.includes(f));
  render(out,
    h('p', { class: `verdict ${hazards.length ? 'fail' : 'pass'}`, id: 'login-order-verdict', role: 'status' },
      hazards.length ? `⚠ This setup's answers depend on who logged in last (${hazards.length} hazard${hazards.length > 1 ? 's' : ''}).` : '✔ No shared-alias hazard in these policies.',
      h('span', { class: 'detail' }, `The alias name is the user_claim "${state.analysis?.userClaim ?? '?'}"; it determines ${(state.analysis?.determined ?? []).join(', ') || 'no other claim'}.`)),
    hazards.length || others.length ? h('ul', { class: 'notes', id: 'login-order-findings' }, hazards.map(findingNote), others.map(findingNote)) : null,
    state.simError ? h('ul', { class: 'notes' }, note('fail', 'The second token cannot be simulated.', `${state.simError.message}${state.simError.code ? ` (${state.simError.code})` : ''}`)) : null,
    state.simulation ? simulationView(state.simulation) : null,
    (state.suggestions ?? []).length && hazards.length ? [h('h3', {}, 'The fix'), state.suggestions.map(suggestionView)] : null);
}

/**
 * An unsigned example token for the second-token box: this token's claims with the claim the
 * engine's example says collides changed (or null when there is no such finding).
 */
export function exampleToken(payload, analysis) {
  const f = hazardsOf(analysis).find((x) => x.example?.crosses?.length);
  if (!payload || typeof payload !== 'object' || !f) return null;
  const claims = { ...payload };
  for (const k of f.example.crosses) {
    const other = f.example.b?.[k] !== claims[k] ? f.example.b?.[k] : f.example.a?.[k];
    claims[k] = other ?? `${claims[k]}-other`;
  }
  if (typeof claims.sub === 'string' && typeof payload.nomad_namespace === 'string' && claims.nomad_namespace !== payload.nomad_namespace) {
    claims.sub = claims.sub.split(':').map((p, i) => (i === 1 ? claims.nomad_namespace : p)).join(':');
  }
  const b64 = (o) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.`;
}
