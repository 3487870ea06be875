// Renders the engine's verification report: a verdict, then every check in the order the engine
// ran it, with pass/fail and expected vs actual.
import { h, render, badge, table, note, pretty } from './dom.js';

/** An identifier with line-break opportunities after `.`, `_`, `/` and `:` (never mid-word). */
function breakable(id) {
  return String(id).split(/(?<=[._/:\]])/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

/** "what Vault answers" for the first failure, "also failing" for the others. */
function roleOf(c, firstFail, who) {
  if (c.outcome !== 'fail') return null;
  return c === firstFail ? h('div', { class: 'fail-role first' }, `what ${who} answers`) : h('div', { class: 'fail-role also' }, 'also failing');
}

function checkRows(checks, id, { who = 'Vault', withheld = false } = {}) {
  const firstFail = checks.find((c) => c.outcome === 'fail' && !c.withheld);
  return checks.map((c, i) => ({
    cells: [
      String(i + 1),
      h('td', { class: 'mono check-id' }, breakable(c.id)),
      c.withheld || (withheld && c === firstFail && c.code === 'ERR_JWS_SIGNATURE_EMPTY')
        ? h('td', {}, badge('skip', 'withheld'), h('div', { class: 'fail-role' }, 'withheld by the sender'))
        : h('td', {}, badge(c.outcome), roleOf(c, firstFail, who)),
      h('td', {}, c.message, c.code ? h('div', { class: 'hint mono' }, c.code) : null),
      h('td', { class: 'mono' }, c.expected ?? ''),
      h('td', { class: 'mono' }, c.actual ?? ''),
    ],
    attrs: { 'data-check': c.id, 'data-outcome': c.outcome, class: `outcome-${c.outcome}`, id: `${id}-${i + 1}` },
  }));
}

/**
 * The report table on its own (also used for authorization steps and AWS). Rows have the ids
 * `<id>-<n>`, which the answer bar links to. `opts.who` names the relying party for the
 * first failure ("what Vault answers").
 */
export function reportTable(caption, checks, id, opts = {}) {
  return table(caption, ['#', 'check', 'outcome', 'message', 'expected', 'actual'], checkRows(checks, id, opts), { id });
}

/**
 * Renders a verify outcome. `result` is the engine's verify result; `error` a JwtgateError (which may
 * carry the full report as `error.report`). `mode` is 'vault' or 'standard'.
 */
export function renderChecks(out, { result, error, mode, missing, withheld, gateError }) {
  if (missing) {
    render(out, h('p', { class: 'empty' }, missing));
    return;
  }
  const who = mode === 'vault' ? 'Vault' : 'A standard verifier';
  const checks = result?.report?.checks ?? error?.report?.checks ?? [];
  const failures = checks.filter((c) => c.outcome === 'fail' && !c.withheld);
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
      first ? h('a', { class: 'detail', href: `#checks-table-${checks.indexOf(first) + 1}` }, `Go to check #${checks.indexOf(first) + 1} (${first.id})`) : null);
  }
  // The report ends at a failure when the engine stopped there (fail-fast): say so rather than
  // claim every problem is listed.
  const stopped = checks.length && checks[checks.length - 1].outcome === 'fail';
  const alias = result?.alias;
  render(out,
    verdict,
    gateError ? h('ul', { class: 'notes', id: 'gate-error' }, note('warn', 'The gate could not be configured from these inputs.', `${gateError.message}${gateError.code ? ` (${gateError.code})` : ''}. Shown: the verifier's own report.`)) : null,
    withheld ? h('ul', { class: 'notes', id: 'withheld-note' }, note('info', 'Signature withheld by the sender.', 'This link was shared without the signature, so it cannot be replayed; the signature check cannot run here. The sender\'s own verdict is shown in the answer bar.')) : null,
    failures.length || stopped ? h('ul', { class: 'notes', id: 'failure-count' },
      failures.length > 1 ? note('warn', `${failures.length} checks fail.`, `The first is what ${who === 'Vault' ? 'Vault answers' : 'the verifier reports'}; the others are listed as "also failing".`) : null,
      stopped ? note('info', `The report ends at #${checks.length} (${checks[checks.length - 1].id}): any check after it was not evaluated.`, 'Fixing this failure may reveal more.') : null) : null,
    checks.length ? reportTable('Checks, in the order they run', checks, 'checks-table', { who: mode === 'vault' ? 'Vault' : 'the verifier', withheld }) : null,
    alias ? [h('h3', {}, 'Entity alias Vault would create'),
      h('dl', { class: 'kv', id: 'alias' },
        h('dt', {}, 'alias name'), h('dd', { class: 'mono' }, alias.name ?? ''),
        Object.entries(alias.metadata ?? {}).map(([k, v]) => [h('dt', {}, `metadata.${k}`), h('dd', { class: 'mono' }, String(v))]),
        alias.groups?.length ? [h('dt', {}, 'groups'), h('dd', { class: 'mono' }, alias.groups.join(', '))] : null)] : null);
}

function fmt(v) {
  return v === undefined ? '—' : typeof v === 'string' ? v : pretty(v);
}
