// Test-identity minting lives in its own wasm module (dist/jwtgate_mint_bg.wasm: RSA key
// generation, Ed25519 signing, the host CSPRNG), so the verifier module stays small. It is
// loaded on first use: synchronously in Node (the entry registers a file reader), and in
// browsers by `await initMint()` (its URL defaults to the file next to the glue).
import initGlue, { initSync, mintTestIdentity as mintInWasm } from '../dist/jwtgate_mint.js';
import { JwtgateError } from './errors.js';

let readSync = null;
let ready = false;
let loading;

/** Node entry only: how to read the module's bytes synchronously on first use. */
export function setMintReader(read) {
  readSync = read;
}

/** Loads the mint module (browsers: once before `mintTestIdentity`); safe to call more than once. */
export function initMint(input) {
  if (ready) return Promise.resolve();
  if (readSync && input === undefined) {
    mintModule();
    return Promise.resolve();
  }
  loading ??= initGlue(input === undefined ? undefined : { module_or_path: input }).then(() => {
    ready = true;
  });
  return loading;
}

/** The module's `mintTestIdentity`, loading it first where that can happen synchronously. */
export function mintModule() {
  if (!ready && readSync) {
    initSync({ module: readSync() });
    ready = true;
  }
  if (!ready) {
    throw new JwtgateError({
      code: 'ERR_MINT_FAILED',
      message: 'the mint module is not loaded: call `await initMint()` once before mintTestIdentity (browsers)',
    });
  }
  return mintInWasm;
}
