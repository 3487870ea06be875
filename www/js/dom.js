// Tiny DOM helpers. Every string goes through textContent, never innerHTML: token claims are
// attacker-controlled text and must not become markup.

/**
 * Creates an element. `attrs` keys: `class`, `text`, `on<event>` (listener), `hidden`, any other
 * attribute. Children may be strings, nodes, arrays, or null/undefined/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function render(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** `document.getElementById` that fails loudly when the page and the script disagree. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
}

/** A status badge: pass | fail | skip | info | warn. */
export function badge(outcome, label = outcome) {
  return h('span', { class: `badge ${outcome}` }, label);
}

/** A coloured note (info | warn | fail | pass) with a bold title and a body. */
export function note(kind, title, body) {
  return h('li', { class: `note ${kind}` }, h('strong', {}, title), body ? [' ', h('span', { class: 'body' }, body)] : null);
}

/** A table with a caption, header cells and rows (arrays of cells or { cells, class }). */
export function table(caption, headers, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', attrs,
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => {
        const cells = Array.isArray(r) ? r : r.cells;
        return h('tr', Array.isArray(r) ? {} : r.attrs ?? {}, cells.map((c, i) => {
          const td = c instanceof Node && c.tagName === 'TD' ? c : h('td', {}, c);
          // Lets narrow screens show each cell as "header: value" (see style.css).
          if (headers[i]) td.dataset.label = headers[i];
          return td;
        }));
      }))));
}

/** A <pre> with a copy button above it. */
export function copyBlock(label, text, attrs = {}) {
  const pre = h('pre', { class: 'block', ...attrs }, text);
  const status = h('span', { class: 'hint', role: 'status' });
  const btn = h('button', {
    type: 'button', class: 'small',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = 'Copied.';
      } catch {
        status.textContent = 'Select the text and copy it (clipboard access was refused).';
      }
    },
  }, `Copy ${label}`);
  return h('div', {}, h('div', { class: 'copy-row' }, btn, status), pre);
}

/** Pretty JSON for display. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}
