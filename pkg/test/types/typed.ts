// Compiled (not run) by test/types.test.mjs with the same tsconfig as usage.ts: init()'s inputs,
// the typed reports, `renderPolicies` on a Verifier and the generic payload of `verify<P>()`.
import { init, initMint } from 'jwtgate';

async function load(bytes: Uint8Array, module: WebAssembly.Module): Promise<void> {
  await init();
  await init('/assets/jwtgate_bg-1234.wasm');
  await init(new URL('https://example.com/jwtgate_bg.wasm'));
  await init(fetch('/jwtgate_bg.wasm'));
  await init(await fetch('/jwtgate_bg.wasm'));
  await init(bytes);
  await init(bytes.buffer);
  await init(module);
  await initMint('/assets/jwtgate_mint_bg.wasm');
  // (No @ts-expect-error for a wrong input: WebAssembly.Module is an empty interface in
  // lib.dom, so TypeScript lets anything through it; init() refuses it at run time.)
}
void load;
