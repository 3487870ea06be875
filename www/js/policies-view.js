// Policy editors and the rendering of the engine's authorization answers: the policy as Vault
// would render it for this identity (dropped templated paths highlighted with the reason), the
// decision, the winning rule and every step.
import { h, render, note, table } from './dom.js';
import { reportTable } from './checks-view.js';
import { hintFor } from './policy-hints.js';

let counter = 0;

/** Adds a policy editor (name + HCL) to `list`; `onInput` runs on every edit. */
export function addPolicyEditor(list, onInput, { name = '', text = '' } = {}) {
  counter += 1;
  const id = `policy-${counter}`;
  const nameInput = h('input', { type: 'text', id: `${id}-name`, class: 'policy-name', value: name || `policy-${list.querySelectorAll('.policy-editor').length + 1}`, spellcheck: 'false', autocomplete: 'off' });
  const area = h('textarea', { id: `${id}-text`, class: 'policy-text code', rows: '8', spellcheck: 'false', autocomplete: 'off' });
  area.value = text;
  const editor = h('div', { class: 'policy-editor' },
    h('div', { class: 'row' },
      h('label', { for: `${id}-name` }, 'Policy name'), nameInput,
      h('button', { type: 'button', class: 'small', 'aria-label': `Remove policy ${nameInput.value}`, onclick: () => { editor.remove(); onInput(); } }, 'Remove')),
    h('label', { for: `${id}-text` }, 'Policy (HCL or JSON)'), area);
  nameInput.addEventListener('input', onInput);
  area.addEventListener('input', onInput);
  list.appendChild(editor);
  return editor;
}

/** The policies as [{ name, text }] (empty ones skipped). */
export function policiesOf(list) {
  return [...list.querySelectorAll('.policy-editor')]
    .map((e) => ({ name: e.querySelector('.policy-name').value.trim(), text: e.querySelector('.policy-text').value }))
    .filter((p) => p.text.trim());
}

const caps = (c) => (Array.isArray(c) ? c : c ? [String(c)] : []);
const quote = (s) => JSON.stringify(s);

/** The engine's rendered paths and dropped paths, whatever envelope they came in. */
function pathsOf(rendered, report) {
  const paths = rendered?.rendered ?? rendered?.paths ?? (Array.isArray(rendered) ? rendered : []);
  const dropped = rendered?.dropped ?? report?.dropped ?? [];
  return { paths, dropped };
}

/**
 * The policies as Vault would store them for this identity: each block with its rendered path,
 * dropped blocks kept as highlighted comments with the reason, the winning rule highlighted.
 */
function renderedText(paths, dropped, winner) {
  const byPolicy = new Map();
  for (const p of paths) {
    if (!byPolicy.has(p.policy)) byPolicy.set(p.policy, []);
    byPolicy.get(p.policy).push(p);
  }
  for (const d of dropped) if (!byPolicy.has(d.policy)) byPolicy.set(d.policy, []);
  const blocks = [];
  for (const [policy, list] of byPolicy) {
    blocks.push(h('span', { class: 'policy-line comment' }, `# policy ${quote(policy)}`));
    for (const p of list) {
      const d = p.rendered == null ? dropped.find((x) => x.policy === policy && x.path === p.path) : null;
      if (p.rendered == null) {
        blocks.push(h('span', { class: 'policy-line dropped', 'data-dropped-path': p.path },
          `path ${quote(p.path)} { capabilities = ${quote(caps(p.capabilities))} }`));
        blocks.push(h('span', { class: 'policy-line dropped-reason' }, `#   ↑ dropped: ${d?.reason ?? 'the template could not be rendered'}`));
      } else {
        const wins = winner && winner.pattern === p.rendered && (winner.sources ?? []).some((s) => s.policy === policy && s.path === p.path);
        blocks.push(h('span', { class: `policy-line${wins ? ' winner' : ''}` },
          `path ${quote(p.rendered)} { capabilities = ${quote(caps(p.capabilities))} }${wins ? '   # ← decides this request' : ''}`));
      }
    }
    // Dropped blocks the rendered list does not carry (e.g. the whole path refused).
    for (const d of dropped.filter((x) => x.policy === policy && !list.some((p) => p.path === x.path))) {
      blocks.push(h('span', { class: 'policy-line dropped', 'data-dropped-path': d.path }, `path ${quote(d.path)} { … }`));
      blocks.push(h('span', { class: 'policy-line dropped-reason' }, `#   ↑ dropped: ${d.reason}`));
    }
  }
  return h('pre', { class: 'block rendered-policy', id: 'rendered-policy', 'aria-label': 'Rendered policy' }, blocks);
}

function decisionBanner(report) {
  const w = report.winner;
  const source = w?.sources?.[0];
  return h('p', { class: `verdict ${report.allowed ? 'pass' : 'fail'}`, id: 'decision', role: 'status' },
    report.allowed
      ? `✔ Allowed: ${report.capability ?? '?'} on ${report.request?.path ?? ''}`
      : `✘ Denied: ${report.capability ?? '?'} on ${report.request?.path ?? ''} (Vault answers 403 permission denied)`,
    h('span', { class: 'detail', id: 'winning-rule' }, w
      ? `Deciding rule: path "${w.pattern}" with [${caps(w.capabilities).join(', ')}]${source ? ` from policy "${source.policy}" (written as "${source.path}")` : ''}.`
      : 'No rule in these policies matches this path.'));
}

/** Renders the authorization outcome. */
export function renderAuthorization(out, { report, rendered, error, missing, hints = null, choice = { source: 'typed' }, hazards = [] }) {
  if (missing) {
    render(out, hints, h('p', { class: 'empty' }, missing));
    return;
  }
  if (error) {
    render(out, hints, h('ul', { class: 'notes', id: 'policy-error' }, error.report
      ? note('fail', 'The login is rejected first, so Vault never evaluates these policies.', `${error.message} — see Checks.`)
      : note('fail', 'Cannot evaluate the policies.', `${error.message}${error.code ? ` (${error.code})` : ''}`)));
    return;
  }
  const { paths, dropped } = pathsOf(rendered, report);
  const droppedRows = dropped.map((d) => ({
    cells: [d.policy, h('td', { class: 'mono' }, d.path), h('td', {}, d.reason), h('td', { class: 'explain' }, hintFor(d.hint, choice) ?? '')],
    attrs: { 'data-dropped': d.path },
  }));
  const others = report?.others ?? [];
  render(out,
    report ? decisionBanner(report) : null,
    // Per answer (src/login_order/depends.rs): marked only when another login sharing the alias
    // would get the other answer; the setup's hazards are named either way.
    report && hazards.length ? h('ul', { class: 'notes', id: 'decision-login-order', 'data-depends': String(Boolean(report.loginOrder?.depends)) }, h('li', { class: `note ${report.loginOrder?.depends ? 'warn' : 'info'}` },
      report.loginOrder?.depends
        ? [h('strong', {}, 'This answer depends on who logged in last.'), ' ', h('span', { class: 'body login-depends' }, `${report.loginOrder.depends.message}. `)]
        : [h('strong', {}, 'This answer does not depend on who logged in last'), ' (every login sharing this alias gets it), but the setup has login-order hazards. '],
      h('span', { class: 'body' }, hazards.map((f) => `${f.severity}: ${f.aliasKey ? `alias metadata "${f.aliasKey}" follows whichever token with the same alias name logged in last` : f.message}`).join('; '), '. ',
        h('a', { href: '#login-order' }, 'Who else shares this alias, and the fix')))) : null,
    hints,
    dropped.length ? h('ul', { class: 'notes', id: 'dropped-notes' },
      note('warn', `${dropped.length} templated path(s) dropped.`, 'Vault silently skips a path whose template cannot be rendered, so the workload just gets 403. Usually the role\'s claim_mappings lacks the metadata key the template uses, or the template names another mount\'s accessor.')) : null,
    paths.length || dropped.length ? [h('h3', {}, 'Rendered for this identity'), renderedText(paths, dropped, report?.winner)] : null,
    dropped.length ? table('Dropped paths', ['policy', 'path as written', 'why', 'what to do'], droppedRows, { id: 'dropped-table' }) : null,
    (report?.notes ?? []).length ? h('ul', { class: 'notes' }, report.notes.map((n) => note('info', 'Note:', n))) : null,
    others.length ? table('Rules that also matched', ['rule', 'capabilities', 'why it lost'],
      others.map((o) => [h('td', { class: 'mono' }, o.rule?.pattern ?? ''), caps(o.rule?.capabilities).join(', '), o.message ?? o.reason ?? '']), { id: 'other-rules' }) : null,
    report?.steps?.length ? reportTable('Decision steps', report.steps.map((c) => ({ ...c, actual: hintFor(c.actual, choice) })), 'decision-steps') : null);
}

