// The clock control's line under the input: the instant evaluated at, a milliseconds note, or the
// refusal of an unreadable time (shown in place; nothing is evaluated then).
import { h, render } from './dom.js';
import { utc } from './format.js';

/** Renders `clock` ({ now, overridden, note?, error? }) into `out` and marks `input` invalid. */
export function renderClock(out, input, clock) {
  render(out,
    clock.error ? h('p', { class: 'clock-error', id: 'clock-error', role: 'alert' }, `Not evaluated: ${clock.error}.`) : null,
    clock.note ? h('p', { class: 'clock-note', id: 'clock-note' }, clock.note) : null,
    clock.now !== null ? h('p', { id: 'clock-now' }, clock.overridden ? 'at ' : 'now: ',
      h('strong', { class: 'mono' }, utc(clock.now)), h('span', { class: 'clock-local' }, ` (Unix ${clock.now})`)) : null);
  input.setAttribute('aria-invalid', clock.error ? 'true' : 'false');
}
