// Length checks made before an input is copied into wasm: a string over its limit is refused
// here with the ERR_LIMIT_EXCEEDED the core would give (same limit name, size and wording), so
// an oversized token or document costs neither the copy nor wasm memory (which never shrinks).
// Sizes are UTF-8 bytes, as the core measures them.
import { JwtgateError } from './errors.js';

/** The core's `Limits::DEFAULT_MAX_TOKEN_LEN` (src/limits.rs). */
export const DEFAULT_MAX_TOKEN_LEN = 16 * 1024;
/** The core's `Limits::DEFAULT_MAX_DOCUMENT_LEN` (src/limits.rs). */
export const DEFAULT_MAX_DOCUMENT_LEN = 256 * 1024;

const DEFAULTS = { maxTokenLen: DEFAULT_MAX_TOKEN_LEN, maxDocumentLen: DEFAULT_MAX_DOCUMENT_LEN };
const NAMES = { maxTokenLen: 'max_token_len', maxDocumentLen: 'max_document_len' };

/**
 * The limit `name` in the caller's `limits` (or the default). A value the core would refuse as
 * an option gives Infinity: the core then refuses the options before reading any document.
 */
export function limitOf(limits, name) {
  const v = limits === undefined || limits === null ? undefined : limits[name];
  if (v === undefined || v === null) return DEFAULTS[name];
  return Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff ? v : Infinity;
}

// Node's native count (the same rules), several times faster than the loop below on a huge string.
const nativeByteLength = typeof globalThis.Buffer?.byteLength === 'function' ? globalThis.Buffer.byteLength : undefined;

/** UTF-8 length of `s` as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
export function utf8Length(s) {
  return nativeByteLength !== undefined ? nativeByteLength(s, 'utf8') : countUtf8(s);
}

/** `utf8Length` where the runtime has no native count (browsers). */
export function countUtf8(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 code units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

function exceeded(prefix, field, size, max) {
  return new JwtgateError({
    code: 'ERR_LIMIT_EXCEEDED',
    message: `${prefix}limit ${NAMES[field]} exceeded: ${size} > ${max}`,
  });
}

/** Throws unless `s` (when a string) fits in `max` UTF-8 bytes; `field` names the limit. */
function check(s, max, field, prefix) {
  // UTF-8 takes 1 to 3 bytes per UTF-16 code unit: most strings are decided by their length.
  if (typeof s !== 'string' || s.length * 3 <= max) return s;
  if (s.length > max) throw exceeded(prefix, field, utf8Length(s), max);
  const size = utf8Length(s);
  if (size > max) throw exceeded(prefix, field, size, max);
  return s;
}

/** A token against `max_token_len`. */
export const checkToken = (token, max) => check(token, max, 'maxTokenLen', '');

/** A document (JWKS, PEM, role, config, policy) against `max_document_len`; `prefix` as the core words it. */
export const checkDocument = (doc, max, prefix) => check(doc, max, 'maxDocumentLen', prefix);
