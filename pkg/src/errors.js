// The one error class the package throws, and the frozen code table generated from Rust.
import { codes } from '../dist/codes.js';

export { codes };

/**
 * Thrown by every API that fails. `code` is the stable machine code from the Rust core
 * (`ERR_JWT_EXPIRED`, ...) and `message` the human text. For a claim failure `claim` names the
 * claim, `expected` and `actual` are JSON values (`["vault.io"]`, `{ exp, leeway }`; `actual`
 * is absent when the token has no such claim) and `payload` holds the token's claims when its
 * signature verified (as jose's `JWTClaimValidationFailed.payload`); `report` holds every check
 * that ran when a verification failed.
 */
export class JwtgateError extends Error {
  constructor({ code, message, claim, expected, actual, payload, report } = {}, options) {
    super(message ?? code ?? 'jwtgate error', options);
    this.name = 'JwtgateError';
    this.code = code ?? 'ERR_OPTIONS_INVALID';
    if (claim !== undefined) this.claim = claim;
    if (expected !== undefined) this.expected = expected;
    if (actual !== undefined) this.actual = actual;
    if (payload !== undefined) this.payload = payload;
    if (report !== undefined) this.report = report;
  }
}

/**
 * Whether `e` is a failure the core threw (src/js.rs: a plain object `{ code, message, ... }`),
 * as opposed to a trap, which is always an `Error`.
 */
export function isCoreFailure(e) {
  return e !== null && typeof e === 'object' && !(e instanceof Error) && typeof e.code === 'string' && typeof e.message === 'string';
}

/**
 * Parses a boundary answer (`{"ok":…}`; the minting module and the remote key set still answer
 * `{"err":…}` for a failure, which throws).
 */
export function unwrap(text) {
  const r = JSON.parse(text);
  if (r.err !== undefined) throw new JwtgateError(r.err);
  return r.ok;
}
