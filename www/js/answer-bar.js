// The answer bar: Decision-shaped objects (see decision.js) rendered at the top of the page, one
// line per relying party, each failing check with expected vs actual and a link to its row. It
// renders what the decisions say and decides nothing.
import { h, render } from './dom.js';

const WORDS = {
  allow: { mark: '✔', cls: 'pass' },
  pass: { mark: '✔', cls: 'pass' },
  deny: { mark: '✘', cls: 'fail' },
  wait: { mark: '…', cls: 'info' },
};

/** The id of the row showing check `id` inside `scope` (a section), for the details link. */
function rowHref(scope, id) {
  const root = scope ? document.getElementById(scope) : document;
  const row = root?.querySelector(`tr[data-check="${CSS.escape(id)}"][data-outcome="fail"]`);
  return row?.id ? `#${row.id}` : scope ? `#${scope}` : null;
}

const shown = (v) => (v === undefined || v === null ? null : v === '' ? '""' : typeof v === 'string' ? v : JSON.stringify(v));

/** One failing check: its id, expected vs actual (or its message), a link to its row. */
function failureItem(c, role, scope, who) {
  const expected = shown(c.expected);
  const actual = shown(c.actual);
  const href = rowHref(scope, c.id);
  return h('li', { class: `bar-check ${role}`, 'data-check': c.id },
    h('span', { class: 'bar-role' }, role === 'first' ? `what ${who ?? 'it'} answers` : role === 'withheld' ? 'withheld by the sender' : 'also failing'), ' ',
    h('code', { class: 'bar-id' }, c.id), ': ',
    expected !== null || actual !== null
      ? [expected !== null ? [h('span', { class: 'bar-k' }, 'expected '), h('span', { class: 'mono bar-v' }, expected)] : null,
        expected !== null && actual !== null ? ' · ' : null,
        actual !== null ? [h('span', { class: 'bar-k' }, 'actual '), h('span', { class: 'mono bar-v' }, actual)] : null]
      : h('span', {}, c.message ?? ''),
    href ? [' ', h('a', { href, class: 'bar-link' }, 'details')] : null);
}

/**
 * One line of the bar. `entry`: { label, scope (section id), decision, words?: { allow, deny } }.
 * `decision.withheld`: the signature was withheld by the sender of a share link.
 */
function line(entry) {
  const d = entry.decision;
  const w = WORDS[d.verdict] ?? WORDS.wait;
  const word = entry.words?.[d.verdict] ?? d.verdict;
  const fails = (d.checks ?? []).filter((c) => c.outcome === 'fail');
  // A signature withheld by a share link's sender is listed as such; the answer is the rest.
  const withheld = fails.filter((c) => c.withheld);
  const real = fails.filter((c) => !c.withheld);
  const first = real[0];
  const also = d.also_failing ?? real.slice(1);
  return h('li', { class: `bar-line ${w.cls}`, 'data-target': entry.target, 'data-verdict': d.verdict },
    h('div', { class: 'bar-head' },
      h('a', { class: `bar-verdict ${w.cls}`, href: `#${entry.scope}` }, `${w.mark} ${entry.label}: ${word}`),
      d.code ? h('code', { class: 'bar-code' }, d.code) : null,
      (d.verdict === 'wait' && !d.withheld) || (!first && d.verdict === 'deny') ? h('span', { class: 'bar-msg' }, d.message ?? '') : null,
      d.status && d.verdict !== 'wait' ? h('span', { class: 'bar-status' }, `HTTP ${d.status}`) : null,
      entry.sender ? h('span', { class: 'bar-sender', 'data-sender-verdict': entry.sender.verdict },
        `sender saw: ${entry.sender.mark ?? ''} ${entry.sender.word ?? entry.sender.verdict}${entry.sender.code ? ` (${entry.sender.code})` : ''}`) : null),
    first || also.length || withheld.length ? h('ul', { class: 'bar-checks' },
      withheld.map((c) => failureItem(c, 'withheld', entry.scope, entry.who)),
      first ? failureItem(first, 'first', entry.scope, entry.who) : null,
      also.map((c) => failureItem(c, 'also', entry.scope, entry.who))) : null,
    // The mark is per answer (the Decision's depends_on_login_order): another login sharing
    // the alias would get the other answer. The setup's hazards alone get a quieter line.
    (d.login_order ?? []).length ? h('ul', { class: 'bar-checks' }, h('li', { class: 'bar-hazard', 'data-hazard': String(d.login_order.length), 'data-depends': String(Boolean(d.depends_on_login_order)) },
      d.depends_on_login_order
        ? [h('span', { class: 'bar-role' }, '⚠ depends on login order'), ' ', `${d.depends_on_login_order.message}. `]
        : [h('span', { class: 'bar-role' }, 'login order'), ' this answer does not depend on who logged in last; the setup has hazards: '],
      d.login_order.map((f) => `${f.severity}: ${f.aliasKey ? `alias metadata "${f.aliasKey}" follows whoever logged in last` : f.code}`).join('; '), ' ',
      h('a', { href: '#login-order', class: 'bar-link' }, 'who else shares this alias'))) : null);
}

/** Renders `entries` (see `line`) into the bar; an empty list empties it. */
export function renderAnswerBar(el, entries, { label = 'Answer', emptyText } = {}) {
  const list = entries.filter((e) => e?.decision);
  if (!list.length) {
    render(el, h('p', { class: `bar-empty${emptyText ? ' bar-problem' : ''}`, id: 'bar-empty' }, emptyText ?? 'Paste a token to see what Vault and AWS would answer.'));
    return;
  }
  render(el, h('h2', { class: 'bar-title' }, label), h('ul', { class: 'bar-lines' }, list.map(line)));
}
