// The plain message for what recognise.js found in the token box, with the offer to move pasted
// JSON to the box it belongs in, or to pick one of two tokens.
import { h, note } from './dom.js';

const kb = (n) => `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;

/**
 * Notes for `rec` (recognise's answer), or null for a plain token. `actions.move(boxId, text)`
 * moves the paste to another box; `actions.pick(text)` keeps one token.
 * Returns { notes, bar }: the notes node and the one-line message for the answer bar.
 */
export function inputNotes(rec, actions) {
  const list = (...items) => h('ul', { class: 'notes', id: 'input-notes', 'data-kind': rec.kind }, items);
  switch (rec.kind) {
    case 'json': {
      const { what } = rec;
      const text = JSON.stringify(rec.doc, null, 2);
      return {
        bar: `this is JSON (${what.kind}), not a token`,
        notes: list(h('li', { class: 'note warn' },
          h('strong', {}, 'This is JSON: claims, a JWKS or a role?'), ' ',
          h('span', { class: 'body' }, `It looks like ${what.kind}. The token box needs the signed token itself (three base64url parts separated by dots, usually starting with eyJ).`,
            what.box ? ' ' : null,
            what.box ? h('button', { type: 'button', class: 'small', id: 'move-json', onclick: () => actions.move(what.box, text) }, `Move it to the ${what.boxName} box`) : null))),
      };
    }
    case 'two-tokens':
      return {
        bar: `two tokens pasted (${rec.runs.length}): pick one`,
        notes: list(h('li', { class: 'note warn' },
          h('strong', {}, `Two tokens: pick one.`), ' ',
          h('span', { class: 'body' }, `This text holds ${rec.runs.length} different tokens; the page checks one at a time.`),
          h('span', { class: 'pick-list' }, rec.runs.map((r, i) => h('button', { type: 'button', class: 'small', 'data-pick': String(i), onclick: () => actions.pick(r.text) },
            `Use token ${i + 1} (${r.text.slice(0, 12)}…)`))))),
      };
    case 'none':
      return {
        bar: 'no token found in the pasted text',
        notes: list(note('fail', 'No token found.', 'Nothing in this text looks like a JWT (base64url parts separated by dots, starting with eyJ). Paste the token itself, a Bearer header, or the log line that holds it.')),
      };
    case 'too-large':
      return {
        bar: rec.tokenSize
          ? `the token is ${kb(rec.tokenSize)}, over the ${kb(rec.limit)} token limit`
          : `the paste is ${kb(rec.size)}, over the ${kb(rec.limit)} token limit, and holds no token`,
        notes: list(note('fail', `Too large: ${kb(rec.size)} (${rec.size} bytes).`, rec.tokenSize
          ? `A token is at most ${rec.limit} bytes (the engine's maxTokenLen, ${kb(rec.limit)}); the token-shaped text in this paste is ${rec.tokenSize} bytes, so the engine refuses to read it.`
          : `A token is at most ${rec.limit} bytes (the engine's maxTokenLen, ${kb(rec.limit)}), and no token-shaped text was found inside this paste.`)),
      };
    case 'token':
      if (!rec.found) return null;
      return {
        bar: null,
        notes: list(note('info', `Found a token in a ${kb(rec.found.size)} paste`, `at character ${rec.found.at}; the rest (over the ${rec.found.limit}-byte token limit) was ignored.`)),
      };
    default:
      return null;
  }
}
