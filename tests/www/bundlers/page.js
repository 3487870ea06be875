// The page both bundler builds share: what a user's page does with the package. The entry files
// (esbuild-entry.js, vite-entry.js) differ only in how they name the .wasm, per the README recipe.
// `identity.json` (a minted token, its JWKS and the evaluation time) is written beside this file
// by bundlers.test.mjs before bundling, so the bundlers inline it.
import { init, verify, JwtgateError } from 'jwtgate';
import identity from './identity.json';

const options = { jwks: identity.jwks, issuer: identity.issuer, audience: identity.audience, now: identity.now };

/** The code a call throws, or `null` when it returns. */
function codeOf(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof JwtgateError ? e.code : `${e?.name}: ${e?.message}`;
  }
}

/** Loads the engine from `wasm` (what the recipe gives), verifies, and shows the verdict. */
export async function run(wasm) {
  const out = document.getElementById('verdict');
  try {
    const before = codeOf(() => verify(identity.token, options));
    await init(wasm);
    const { payload } = verify(identity.token, options);
    const tampered = codeOf(() => verify(identity.tampered, options));
    out.textContent = `before init: ${before}; verified sub ${payload.sub} (signature, iss, aud, exp checked); tampered: ${tampered}`;
    out.dataset.state = 'done';
  } catch (e) {
    out.textContent = `failed: ${e?.code ?? e?.name}: ${e?.message}`;
    out.dataset.state = 'failed';
  }
}
