// Policy editors and the rendering of the engine's authorization report: rendered paths (dropped
// ones highlighted with the missing value), the decision and the winning rule.
import { h, render, note, table, badge, pretty } from './dom.js';
import { reportTable } from './checks-view.js';

let counter = 0;

/** Adds a policy editor (name + HCL) to `list`; `onInput` runs on every edit. */
export function addPolicyEditor(list, onInput, { name = '', text = '' } = {}) {
  counter += 1;
  const id = `policy-${counter}`;
  const nameInput = h('input', { type: 'text', id: `${id}-name`, class: 'policy-name', value: name || `policy-${counter}`, spellcheck: 'false', autocomplete: 'off' });
  const area = h('textarea', { id: `${id}-text`, class: 'policy-text', rows: '8', spellcheck: 'false', autocomplete: 'off' });
  area.value = text;
  const editor = h('div', { class: 'policy-editor' },
    h('div', { class: 'row' },
      h('label', { for: `${id}-name` }, 'Policy name'), nameInput,
      h('button', { type: 'button', class: 'small', 'aria-label': `Remove policy ${counter}`, onclick: () => { editor.remove(); onInput(); } }, 'Remove')),
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

const truthy = (d) => d === true || d === 'allow' || d === 'allowed' || d === 'pass';

function decisionOf(report) {
  const d = report.decision ?? report.allowed ?? report.outcome;
  return truthy(d);
}

function pathRows(rendered) {
  const rows = [];
  for (const pol of rendered) {
    for (const p of pol.paths ?? []) {
      const dropped = p.dropped || p.status === 'dropped' || p.outcome === 'dropped';
      rows.push({
        cells: [pol.name ?? '', h('td', { class: 'mono' }, p.template ?? p.original ?? ''), h('td', { class: 'mono' }, dropped ? '—' : p.path ?? p.rendered ?? ''),
          (p.capabilities ?? []).join(', '),
          dropped ? h('td', {}, badge('fail', 'dropped'), ' ', p.reason ?? p.message ?? '') : badge('pass', 'kept')],
        attrs: { class: dropped ? 'outcome-fail' : '', 'data-dropped': dropped ? 'true' : 'false' },
      });
    }
  }
  return rows;
}

/** Renders the rendered policies and the decision. */
export function renderAuthorization(out, { report, rendered, error, missing }) {
  if (missing) {
    render(out, h('p', { class: 'empty' }, missing));
    return;
  }
  if (error) {
    render(out, h('ul', { class: 'notes' }, note('fail', 'Cannot evaluate the policies.', `${error.message}${error.code ? ` (${error.code})` : ''}`)),
      error.snippet ? h('pre', { class: 'block' }, error.snippet) : null);
    return;
  }
  const allowed = report ? decisionOf(report) : null;
  const winner = report?.winner ?? report?.winning_rule ?? report?.winningRule ?? report?.rule;
  const steps = report?.steps ?? report?.checks ?? [];
  const dropped = (rendered ?? []).flatMap((p) => (p.paths ?? []).filter((x) => x.dropped || x.status === 'dropped'));
  render(out,
    report ? h('p', { class: `verdict ${allowed ? 'pass' : 'fail'}`, id: 'decision', role: 'status' },
      allowed ? '✔ Allowed.' : '✘ Denied (Vault answers 403 permission denied).',
      h('span', { class: 'detail' }, winner
        ? `Winning rule: path "${winner.pattern ?? winner.path}" in policy "${winner.policy ?? '?'}" with capabilities [${(winner.capabilities ?? []).join(', ')}].`
        : report.message ?? (allowed ? '' : 'No rule grants this capability on this path.'))) : null,
    dropped.length ? h('ul', { class: 'notes', id: 'dropped-notes' },
      note('warn', `${dropped.length} templated path(s) dropped.`, 'Vault silently skips a path whose template cannot be rendered, so the workload just gets 403. Usually the role\'s claim_mappings lacks the metadata key the template uses, or the accessor in the template is not this mount\'s.')) : null,
    rendered?.length ? table('Rendered policy paths', ['policy', 'template', 'rendered', 'capabilities', 'status'], pathRows(rendered), { id: 'rendered-table' }) : null,
    rendered?.some((p) => p.text) ? rendered.map((p) => [h('h3', {}, `Rendered “${p.name}”`), h('pre', { class: 'block rendered-text' }, p.text)]) : null,
    steps.length ? reportTable('Decision steps', steps, 'decision-steps') : null,
    report && !steps.length && !winner ? h('pre', { class: 'block' }, pretty(report)) : null);
}
