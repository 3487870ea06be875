// createGate's wasm module (dist/jwtgate_gate_bg.wasm: the gate's configuration, decision chain
// and key lifecycle, src/js_gate.rs), kept out of the verifier module so that pages and callers
// that only verify never download it. Loaded on first use: synchronously in Node (the entry
// registers a file reader), and in browsers by the first `decide` (from the file next to the
// glue) or beforehand by `await initGate(input)` (a bundler's asset URL, bytes, a Response or a
// compiled module, as `init()` takes).
//
// Its own lifecycle after a trap, as engine.js's for the verifier module: the instance is
// replaced (wasm-bindgen's `__wbg_reset_state`), `generation()` changes, and a gate rebuilds
// its core from its configuration on its next call.
import initGlue, * as glue from '../dist/jwtgate_gate.js';
import { JwtgateError } from './errors.js';
import { afterFailure } from './restart.js';

let readSync = null;
let ready = false;
let loading;
let broken;
let gen = 0;

/** Node entry only: how to read the module's bytes synchronously on first use. */
export function setGateReader(read) {
  readSync = read;
}

/** The glue, loading the module first where that can happen synchronously; null when not loaded. */
export function gateGlue() {
  if (broken !== undefined) throw broken;
  if (!ready && readSync) {
    glue.initSync({ module: readSync() });
    ready = true;
  }
  return ready ? glue : null;
}

/**
 * Loads the gate module (browsers: before `createGate`, or let the first `decide` do it from
 * the default URL); safe to call more than once.
 */
export function initGate(input) {
  if (ready) return Promise.resolve();
  if (readSync && input === undefined) {
    gateGlue();
    return Promise.resolve();
  }
  loading ??= initGlue(input === undefined ? undefined : { module_or_path: input }).then(
    () => {
      ready = true;
    },
    (e) => {
      loading = undefined; // a failed load (404, bad bytes) may be retried
      throw new JwtgateError(
        {
          code: 'ERR_NOT_INITIALISED',
          message: `the gate module (jwtgate_gate_bg.wasm) could not be loaded (${e?.message ?? e}): call \`await initGate(url)\` with where it is served (bundlers: import 'jwtgate/jwtgate_gate_bg.wasm' as an asset URL)`,
        },
        { cause: e },
      );
    },
  );
  return loading;
}

/** Increases each time the instance is replaced; gates made in an older one are gone. */
export function generation() {
  return gen;
}

/**
 * The error a call into the gate module should throw for `e`: a JwtgateError as it is, a
 * failure the core threw as a JwtgateError; anything else is a trap, so the instance is
 * replaced first and the call throws ERR_INTERNAL with `e` as `cause`.
 */
export function failed(e) {
  const r = afterFailure(e, () => glue.__wbg_reset_state(), WORDS);
  if (r.broken) {
    ready = false;
    broken = r.error;
  }
  if (r.restarted) gen++;
  return r.error;
}

const WORDS = {
  restarted: (what) =>
    `internal failure in the gate module (${what}): it was restarted; this call was not completed, later calls work (key sets are fetched again)`,
  broken: (what, why) =>
    `internal failure in the gate module (${what}), and it could not be restarted (${why}): reload the package`,
};
