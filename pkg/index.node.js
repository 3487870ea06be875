// Node entry: the wasm is instantiated synchronously at import, so no `await init()` is needed.
import { readFileSync } from 'node:fs';
import { initSync } from './dist/jwtgate.js';
import { setMintReader } from './src/mint.js';
import { setGateReader } from './src/gate-module.js';
import { markLoaded } from './src/engine.js';
import { setRsaHost } from './src/rsa-host.js';
import { nodeRsaOp } from './src/node-rsa.js';

initSync({ module: readFileSync(new URL('./dist/jwtgate_bg.wasm', import.meta.url)) });
markLoaded();
// RS*/PS* through OpenSSL's RSA public operation, the encoding still checked by the core.
setRsaHost(nodeRsaOp);
// The test-identity module is read on the first mintTestIdentity call only.
setMintReader(() => readFileSync(new URL('./dist/jwtgate_mint_bg.wasm', import.meta.url)));
// So is the gate module, on the first createGate call.
setGateReader(() => readFileSync(new URL('./dist/jwtgate_gate_bg.wasm', import.meta.url)));

export * from './src/api.js';
export { analyzeLoginOrder, simulateLogins } from './src/logins.js';
export { codes, JwtgateError } from './src/errors.js';
export { fetchJwks, discover, clearJwksCache } from './src/remote.js';
export { createRemoteVerifier } from './src/remote-verifier.js';
export { initMint } from './src/mint.js';
export { initGate } from './src/gate-module.js';

/** Already initialised in Node; present so code written for browsers runs unchanged. */
export async function init() {}
