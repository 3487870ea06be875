// Browser (and bundler) entry: call `await init()` once before the other functions (until then
// they throw JwtgateError ERR_NOT_INITIALISED). `init()`
// fetches dist/jwtgate_bg.wasm next to this file unless given a URL, Response, bytes or
// WebAssembly.Module. `mintTestIdentity` needs `await initMint()` (dist/jwtgate_mint_bg.wasm,
// same kinds of input) once as well, so pages that only verify never download it.
import initGlue from './dist/jwtgate.js';
import { markLoaded } from './src/engine.js';

export * from './src/api.js';
export { analyzeLoginOrder, simulateLogins } from './src/logins.js';
export { codes, JwtgateError } from './src/errors.js';
export { fetchJwks, discover, clearJwksCache } from './src/remote.js';
export { createRemoteVerifier } from './src/remote-verifier.js';
export { initMint } from './src/mint.js';

let ready;
/** Loads the wasm module; safe to call more than once. */
export function init(input) {
  ready ??= initGlue(input === undefined ? undefined : { module_or_path: input }).then(markLoaded, (e) => {
    ready = undefined; // a failed load (404, bad bytes) may be retried
    throw e;
  });
  return ready;
}
