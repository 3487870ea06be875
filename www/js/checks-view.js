// Renders the engine's verification report: a verdict, then every check in the order the engine
// ran it, with pass/fail and expected vs actual.
import { h, render, badge, table, note, pretty } from './dom.js';

/** An identifier with line-break opportunities after `.`, `_`, `/` and `:` (never mid-word). */
function breakable(id) {
  return String(id).split(/(?<=[._/:\]])/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

function checkRows(checks) {
  return checks.map((c, i) => ({
    cells: [
      String(i + 1),
      h('td', { class: 'mono check-id' }, breakable(c.id)),
      badge(c.outcome),
      h('td', {}, c.message, c.code ? h('div', { class: 'hint mono' }, c.code) : null),
      h('td', { class: 'mono' }, c.expected ?? ''),
      h('td', { class: 'mono' }, c.actual ?? ''),
    ],
    attrs: { 'data-check': c.id, 'data-outcome': c.outcome, class: `outcome-${c.outcome}`, id: `check-${i + 1}` },
  }));
}

/** The report table on its own (also used for authorization steps). */
export function reportTable(caption, checks, id) {
  return table(caption, ['#', 'check', 'outcome', 'message', 'expected', 'actual'], checkRows(checks), { id });
}

/**
 * Renders a verify outcome. `result` is the engine's verify result; `error` a JwtgateError (which may
 * carry the full report as `error.report`). `mode` is 'vault' or 'standard'.
 */
export function renderChecks(out, { result, error, mode, missing }) {
  if (missing) {
    render(out, h('p', { class: 'empty' }, missing));
    return;
  }
  const who = mode === 'vault' ? 'Vault' : 'A standard verifier';
  const checks = result?.report?.checks ?? error?.report?.checks ?? [];
  const failures = checks.filter((c) => c.outcome === 'fail');
  let verdict;
  if (result && !failures.length) {
    verdict = h('p', { class: 'verdict pass', id: 'verdict', role: 'status' }, `✔ ${who} would accept this token.`,
      h('span', { class: 'detail' }, `Signed by key ${result.key?.kid ?? '(no kid)'} (${result.key?.alg ?? '?'}); every check below passed or did not apply.`));
  } else {
    const first = failures[0];
    const msg = error?.message ?? first?.message ?? 'rejected';
    verdict = h('p', { class: 'verdict fail', id: 'verdict', role: 'status' }, `✘ ${who} would reject this token.`,
      h('span', { class: 'detail' }, msg),
      error?.expected !== undefined || error?.actual !== undefined
        ? h('span', { class: 'detail mono' }, [error.expected !== undefined ? `expected ${fmt(error.expected)}` : null,
          error.actual !== undefined ? `actual ${fmt(error.actual)}` : null].filter(Boolean).join(' · ')) : null,
      error?.code ? h('span', { class: 'detail mono' }, error.code) : null,
      first ? h('a', { class: 'detail', href: `#check-${checks.indexOf(first) + 1}` }, `Go to check #${checks.indexOf(first) + 1} (${first.id})`) : null);
  }
  const alias = result?.alias;
  render(out,
    verdict,
    failures.length > 1 ? h('ul', { class: 'notes' }, note('warn', `${failures.length} checks fail.`, 'All of them are listed below, not only the first one Vault would report.')) : null,
    checks.length ? reportTable('Checks, in the order they run', checks, 'checks-table') : null,
    alias ? [h('h3', {}, 'Entity alias Vault would create'),
      h('dl', { class: 'kv', id: 'alias' },
        h('dt', {}, 'alias name'), h('dd', { class: 'mono' }, alias.name ?? ''),
        Object.entries(alias.metadata ?? {}).map(([k, v]) => [h('dt', {}, `metadata.${k}`), h('dd', { class: 'mono' }, String(v))]),
        alias.groups?.length ? [h('dt', {}, 'groups'), h('dd', { class: 'mono' }, alias.groups.join(', '))] : null)] : null);
}

function fmt(v) {
  return v === undefined ? '—' : typeof v === 'string' ? v : pretty(v);
}
