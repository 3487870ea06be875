// The one error class the package throws, and the frozen code table generated from Rust.
import { codes } from '../dist/codes.js';

export { codes };

/**
 * Thrown by every API that fails. `code` is the stable machine code from the Rust core
 * (`ERR_JWT_EXPIRED`, ...); `claim`, `expected` and `actual` are set where they apply, and
 * `report` holds every check that ran when a verification failed.
 */
export class JwtgateError extends Error {
  constructor({ code, message, claim, expected, actual, report } = {}, options) {
    super(message ?? code ?? 'jwtgate error', options);
    this.name = 'JwtgateError';
    this.code = code ?? 'ERR_OPTIONS_INVALID';
    if (claim !== undefined) this.claim = claim;
    if (expected !== undefined) this.expected = expected;
    if (actual !== undefined) this.actual = actual;
    if (report !== undefined) this.report = report;
  }
}

/** Parses a boundary envelope (`{"ok":…}` / `{"err":…}`) and throws for `err`. */
export function unwrap(text) {
  const r = JSON.parse(text);
  if (r.err !== undefined) throw new JwtgateError(r.err);
  return r.ok;
}
