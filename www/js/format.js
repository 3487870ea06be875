// Presentation of times: the engine decides, this only formats numbers for people.

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 min ago", "in 2 h", for a difference in seconds (negative = past). */
export function relative(deltaSeconds) {
  const abs = Math.abs(deltaSeconds);
  const units = [
    ['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1],
  ];
  for (const [unit, size] of units) {
    if (abs >= size || unit === 'second') return rtf.format(Math.trunc(deltaSeconds / size), unit);
  }
  return '';
}

/** "1 h 2 min 5 s" for a duration in seconds. */
export function duration(seconds) {
  let s = Math.abs(Math.trunc(seconds));
  const parts = [];
  for (const [name, size] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${name}`);
      s %= size;
    }
  }
  return (seconds < 0 ? '−' : '') + (parts.length ? parts.join(' ') : '0 s');
}

/** ISO 8601 UTC without milliseconds, or null when out of range. */
export function utc(seconds) {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace('.000Z', 'Z');
}

/** The browser's local time with its zone name. */
export function local(seconds) {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' });
}

/** Above this many "seconds" a number is read as milliseconds (year 5138 in seconds). */
const MS_THRESHOLD = 1e11;

/**
 * Parses the "now" field: empty → null (use the clock), digits → Unix seconds (milliseconds
 * detected and converted, with `note`), an ISO date → its instant; anything else → `{ error }`
 * and no value (the caller refuses to evaluate, it never falls back to the clock).
 * Returns { value: seconds|null, note?, error? }.
 */
export function parseNow(text) {
  const t = text.trim();
  if (t === '') return { value: null };
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    if (Math.abs(n) >= MS_THRESHOLD) {
      const s = Math.trunc(n / 1000);
      return { value: s, note: `${t} looks like milliseconds: read as ${s} s (${utc(s) ?? '?'}).` };
    }
    return { value: Math.trunc(n) };
  }
  // Date.parse accepts ISO 8601 and a few other unambiguous forms; anything it rejects is refused.
  const ms = /\d/.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) return { value: null, error: `"${t}" is neither Unix seconds nor a date (try 2026-01-01T00:05:00Z or 1767225900)` };
  return { value: Math.trunc(ms / 1000) };
}
