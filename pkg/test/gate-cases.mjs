// The gate conformance corpus (tests/vectors/gate/, format in its README) for the npm and CLI
// runners: the cases, their golden Decision JSON as one line, their request with the token
// filled in, and a fetch that serves the case's scripted responses in order.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

export const CORPUS = join(ROOT, 'tests', 'vectors', 'gate');

/** Every case file, sorted, as `{ name, file, case, golden }`. */
export function cases() {
  const out = [];
  for (const group of readdirSync(CORPUS).sort()) {
    const dir = join(CORPUS, group);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json')) continue;
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      out.push({ name: `${group}/${f}`, file, case: JSON.parse(text), golden: golden(text) });
    }
  }
  return out;
}

/**
 * The `decision` member's text without whitespace outside strings (escapes as written), as the
 * native runner (tests/gate.rs `minify`) reads it; undefined when the case has no golden yet.
 */
function golden(text) {
  const at = text.indexOf('\n  "decision": ');
  if (at === -1) return undefined;
  let rest = text.slice(at + '\n  "decision": '.length).trimEnd();
  if (rest.endsWith('}')) rest = rest.slice(0, -1);
  let out = '';
  let inString = false;
  let escaped = false;
  for (const ch of rest) {
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!/\s/.test(ch)) out += ch;
  }
  return out;
}

/** The case's request with `$TOKEN` replaced by its token. */
export function requestOf(c) {
  const fill = (s) => (c.token == null ? s : s.split('$TOKEN').join(c.token));
  const r = c.request;
  return {
    method: r.method ?? 'GET',
    path: fill(r.path),
    headers: (r.headers ?? []).map(([k, v]) => [k, fill(v)]),
  };
}

/** A fetch serving `c.fetches` in order; `left()` is how many were not asked for. */
export function scriptedFetch(c) {
  const queue = [...(c.fetches ?? [])];
  const fetch = async (url) => {
    const next = queue.shift();
    assert.ok(next, `the gate fetched ${url} but the case has no more fetches`);
    return new Response(next.body, { status: next.status });
  };
  return { fetch, left: () => queue.length };
}
