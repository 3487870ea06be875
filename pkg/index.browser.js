// Browser (and bundler) entry: call `await init()` once before the other functions (until then
// they throw JwtgateError ERR_NOT_INITIALISED). `init()` fetches dist/jwtgate_bg.wasm next to
// this file unless given where the module is: a URL (string or URL, what a bundler's asset
// import gives), a Request, a Response (or a promise of one, as `fetch` returns), the bytes
// (ArrayBuffer or a typed array) or a compiled WebAssembly.Module. The package exports the file
// as `jwtgate/jwtgate_bg.wasm` for bundlers (README "Use with a bundler"). `mintTestIdentity`
// needs `await initMint()` (dist/jwtgate_mint_bg.wasm, exported as `jwtgate/jwtgate_mint_bg.wasm`,
// same kinds of input) once as well, so pages that only verify never download it. `createGate`
// loads dist/jwtgate_gate_bg.wasm (`jwtgate/jwtgate_gate_bg.wasm`) on its first `decide`, from
// next to the glue unless `await initGate(input)` (same kinds of input) loaded it before.
import initGlue from './dist/jwtgate.js';
import { markLoaded } from './src/engine.js';
import { JwtgateError } from './src/errors.js';

export * from './src/api.js';
export { analyzeLoginOrder, simulateLogins } from './src/logins.js';
export { codes, JwtgateError } from './src/errors.js';
export { fetchJwks, discover, clearJwksCache } from './src/remote.js';
export { createRemoteVerifier } from './src/remote-verifier.js';
export { initMint } from './src/mint.js';
export { initGate } from './src/gate-module.js';

/** Whether `input` is something `init()` can load the module from (see the file comment). */
function loadable(input) {
  if (input === undefined || typeof input === 'string' || input instanceof URL) return true;
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input) || input instanceof WebAssembly.Module) return true;
  if (typeof Request === 'function' && input instanceof Request) return true;
  if (typeof Response === 'function' && input instanceof Response) return true;
  return typeof input?.then === 'function';
}

let ready;
/** Loads the wasm module; safe to call more than once. */
export function init(input) {
  if (!loadable(input)) {
    const what = input === null ? 'null' : typeof input === 'object' ? (input.constructor?.name ?? 'object') : typeof input;
    return Promise.reject(
      new JwtgateError({
        code: 'ERR_OPTIONS_INVALID',
        message: `init() takes a URL (string or URL), a Request, a Response (or a promise of one), the module's bytes or a WebAssembly.Module, not ${what}`,
      }),
    );
  }
  ready ??= initGlue(input === undefined ? undefined : { module_or_path: input }).then(markLoaded, (e) => {
    ready = undefined; // a failed load (404, bad bytes) may be retried
    throw e;
  });
  return ready;
}
