// Node's RSA public operation for the core (./rsa-host.js): `crypto.publicDecrypt` with
// RSA_NO_PADDING is RSAVP1, s^e mod n left-padded to the modulus length, which OpenSSL computes
// several times faster than the wasm module. Only the arithmetic comes from here; the core
// still checks the encoded message in full (src/jose/rsa/public_op.rs).
import { constants, createPublicKey, publicDecrypt } from 'node:crypto';

/**
 * KeyObjects for `core`'s RSA keys, made once from the JWKs the core parsed (`rsaHostKeys`), and
 * the function the core calls with a key's slot and a signature. A key Node cannot import
 * leaves the whole key set on the core's own arithmetic, so no key is refused on one path and
 * accepted on the other. A call that throws (or answers anything but the modulus length) is a
 * refusal for that key, decided by the core.
 */
export function nodeRsaOp(core) {
  const keys = JSON.parse(core.rsaHostKeys());
  if (keys.length === 0) return undefined;
  const bySlot = [];
  try {
    for (const { slot, jwk } of keys) {
      bySlot[slot] = { key: createPublicKey({ key: jwk, format: 'jwk' }), padding: constants.RSA_NO_PADDING };
    }
  } catch {
    return undefined;
  }
  return (slot, signature) => publicDecrypt(bySlot[slot], signature);
}
