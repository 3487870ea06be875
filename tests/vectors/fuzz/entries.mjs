// Loads the fuzz regression entries (format: README.md beside this file) for the JS runners
// (pkg/test/fuzz-regressions.test.mjs, tests/envoy/vectors.test.mjs), from the same files the
// Rust runner tests/fuzz_regressions.rs replays. Node standard library only.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FUZZ_DIR = dirname(fileURLToPath(import.meta.url));

/** The byte separating the parts of a multi-part entry (never valid UTF-8). */
export const SEP = 0xff;

/** Splits an entry into its parts (Buffers) at every 0xFF byte. */
export function parts(bytes) {
  const out = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === SEP) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** Decodes like Rust's String::from_utf8_lossy (U+FFFD for each invalid sequence). */
export const text = (buf) => new TextDecoder('utf-8', { fatal: false }).decode(buf ?? new Uint8Array());

/** Every entry of `target`, sorted by file name: { target, file, bytes }. */
export function entries(target) {
  const dir = join(FUZZ_DIR, target);
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((file) => ({ target, file, bytes: readFileSync(join(dir, file)) }));
}

/** expect.json's entries: { target, file, why, outcomes: ["stage=CODE" | "stage=ok"] }. */
export function expectations() {
  return JSON.parse(readFileSync(join(FUZZ_DIR, 'expect.json'), 'utf8')).entries;
}

/** The outcome expect.json records for `stage` of target/file, or undefined. */
export function expected(target, file, stage) {
  const e = expectations().find((x) => x.target === target && x.file === file);
  const hit = e?.outcomes.find((o) => o.startsWith(`${stage}=`));
  return hit?.slice(stage.length + 1);
}
