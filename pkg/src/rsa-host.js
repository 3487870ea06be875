// Where a verifier's RSA public operation (s^e mod n) comes from: the wasm module's own
// arithmetic, unless the entry registered a host primitive. The Node entry registers Node's
// (./node-rsa.js, OpenSSL through node:crypto); the browser entry registers none, so browsers
// and bundles never import node:crypto. Either way the core checks everything else itself (key
// size, alg/key match, signature length, s < n before asking the host, the host's answer length,
// the whole PKCS#1 v1.5 block or the PSS decoding), so a token is accepted on the host path
// exactly when the module's own path accepts it (pkg/test/rsa-host.test.mjs runs every
// Wycheproof RSA vector and the interop corpus through both).

let prepare;

/**
 * Registers `fn(core)`: prepares the host's form of a configured core Verifier's RSA keys
 * (`core.rsaHostKeys()`) and returns `(slot, signature) => Uint8Array`, or undefined to leave
 * the core on its own arithmetic.
 */
export function setRsaHost(fn) {
  prepare = fn;
}

/**
 * The host's RSA public operation for `core`'s keys, or undefined (no host in this runtime, no
 * RSA key, or `rsaPrimitive: 'wasm'`). Prepared once per key set: the verifier keeps it and
 * lends it again to the core it rebuilds from the same options after a trap.
 */
export function hostRsaOp(core, rsaPrimitive) {
  if (rsaPrimitive === 'wasm' || prepare === undefined) return undefined;
  return prepare(core);
}
