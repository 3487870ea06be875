// Test-only: routes marked tokens to the test variant's trapping export. No imports, so pages
// load it too (tests/www/recovery.test.mjs); pkg/test/trap-package.mjs copies it beside the
// package copy.

/**
 * Makes `Verifier.verify` of the glue `glue` trap for the tokens `trap:<kind>` (kinds of
 * `__trapForTest`: unreachable, stack, memory; and `borrow`: a trap swallowed, then the same
 * object called again, which gives wasm-bindgen's "recursive use of an object detected"). Every
 * other token takes the real path. Runs in Node and in the browser.
 */
export function trapOnMarkedTokens(glue) {
  const real = glue.Verifier.prototype.verify;
  const decoder = new TextDecoder();
  glue.Verifier.prototype.verify = function verify(bytes, now) {
    const text = decoder.decode(bytes);
    if (!text.startsWith('trap:')) return real.call(this, bytes, now);
    const kind = text.slice(5);
    if (kind !== 'borrow') return this.__trapForTest(kind);
    try {
      this.__trapForTest('unreachable');
    } catch {
      // swallowed: the object is left borrowed, as a trap leaves it
    }
    return real.call(this, bytes, now);
  };
}
