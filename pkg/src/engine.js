// The wasm engine's lifecycle, in one place: whether it is loaded, and a fresh instance after a
// trap. Every call into the verifier module goes through `enter()` (before) and `failed()` (on a
// throw), so a call before `init()` says what to call, and a trap never poisons later calls.
//
// A trap (a RangeError from stack exhaustion, a RuntimeError such as `unreachable` or `memory
// access out of bounds`, or wasm-bindgen's "recursive use of an object detected" on an object
// whose last call trapped) leaves the instance unusable: its shadow-stack pointer and borrow flags
// are wherever the trap left them. So after any error that is not a JwtgateError, the instance is
// discarded and a new one is instantiated from the compiled module (wasm-bindgen's
// `__wbg_reset_state`: it bumps the glue's instance id, so finalizers of objects from the old
// instance never free memory in the new one). Listeners (the verifier pool in api.js) drop what
// they held in the old instance; a Verifier handle rebuilds its core from its options on its next
// call because `generation()` changed.
import * as glue from '../dist/jwtgate.js';
import { JwtgateError } from './errors.js';
import { afterFailure } from './restart.js';

let loaded = false;
let broken;
let gen = 0;
const listeners = new Set();

/** Marks the module loaded (the entries call this once `initSync`/`init` resolved). */
export function markLoaded() {
  loaded = true;
}

/** Increases each time the instance is replaced; objects made in an older one are gone. */
export function generation() {
  return gen;
}

/** `fn()` runs after every restart, before the failing call throws. */
export function onRestart(fn) {
  listeners.add(fn);
}

/** Throws unless the module can be called: not loaded yet (browser entry), or not restartable. */
export function enter() {
  if (loaded) return;
  if (broken !== undefined) throw broken;
  throw new JwtgateError({
    code: 'ERR_NOT_INITIALISED',
    message:
      'jwtgate is not initialised: call `await init()` (from the browser entry) once before any other function',
  });
}

/**
 * The error a call into wasm should throw for `e`: a JwtgateError as it is, a failure the core
 * threw (a plain object, see errors.js) as a JwtgateError; anything else is a trap, so the
 * instance is replaced first and the call throws ERR_INTERNAL with `e` as `cause`.
 */
export function failed(e) {
  const r = afterFailure(e, () => glue.__wbg_reset_state(), WORDS);
  if (r.broken) {
    loaded = false;
    broken = r.error;
  }
  if (r.restarted) {
    gen++;
    for (const fn of listeners) fn();
  }
  return r.error;
}

const WORDS = {
  restarted: (what) =>
    `internal failure (${what}): the engine discarded its state and was restarted; ` +
    'this call was not completed, later calls and existing verifiers work (their caches start empty)',
  broken: (what, why) =>
    `internal failure (${what}), and the engine could not be restarted (${why}): reload the module`,
};

/** The glue module (for calls made between `enter()` and `failed()`). */
export const wasm = glue;

/** Bytes of linear memory the current instance holds (it never shrinks): for tests. */
export function memoryBytes() {
  enter();
  return glue.initSync().memory.buffer.byteLength;
}
