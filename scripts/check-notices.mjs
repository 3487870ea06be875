#!/usr/bin/env node
// Checks the third-party notices (scripts/notices.sh writes them with cargo-about) against
// Cargo.lock, without cargo-about: for each shipped .wasm, the crates `cargo tree` resolves
// for its features on wasm32-unknown-unknown (normal dependencies, proc-macros included, as
// notices/about.toml tells cargo-about) must be exactly the notice's table, with the same
// versions and declared licences, and each must be named under a licence text. So a crate added,
// removed, upgraded or relicensed without regenerating fails `make test` (pkg/test/notices.test.mjs
// runs this), while installing cargo-about (minutes on 2 cores) is left to whoever regenerates.
//
//   node scripts/check-notices.mjs     prints each problem and exits 1, or says what it checked
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every module jwtgate ships, its notice and the cargo features it is built with. */
export const MODULES = [
  { module: 'jwtgate_bg.wasm', file: 'pkg/notices/jwtgate_bg.wasm.md', features: 'js', what: "the npm package's verifier module (pkg/scripts/build.sh)" },
  { module: 'jwtgate_mint_bg.wasm', file: 'pkg/notices/jwtgate_mint_bg.wasm.md', features: 'js-mint', what: "the npm package's test-identity module (pkg/scripts/build.sh)" },
  { module: 'jwtgate_gate_bg.wasm', file: 'pkg/notices/jwtgate_gate_bg.wasm.md', features: 'js-gate', what: "the npm package's gate module (pkg/scripts/build.sh)" },
  { module: 'jwtgate_envoy.wasm', file: 'notices/jwtgate_envoy.wasm.md', features: 'envoy', what: 'the Envoy filter (scripts/build-envoy.sh)' },
];

/**
 * `name version` → declared licence, for the crates compiled into a module built with
 * `features`: `cargo tree`, which resolves features as the build does (cargo 2021's resolver;
 * `cargo metadata`'s graph also holds features only dev-dependencies enable).
 */
export function resolvedCrates(features) {
  const out = execFileSync(
    'cargo',
    ['tree', '--locked', '-e', 'normal', '--target', 'wasm32-unknown-unknown', '--no-default-features', '--features', features, '--prefix', 'none', '--format', '{p}|{l}'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const crates = new Map();
  for (const line of out.split('\n')) {
    // `name vX.Y.Z[ (path)]|licence[ (*)]`; the root crate carries its path.
    const m = /^(\S+) v(\S+)(?: \([^)]*\))?\|(.*?)(?: \(\*\))?$/.exec(line);
    if (m) crates.set(`${m[1]} ${m[2]}`, spdx(m[3] || '(none)'));
  }
  return crates;
}

/** A declared licence in SPDX form: the old `MIT/Apache-2.0` is `MIT OR Apache-2.0`. */
function spdx(licence) {
  return licence.trim().replace(/\s*\/\s*/g, ' OR ');
}

/** The notice's crate table (`name version` → licence) and the crates named under licence texts. */
export function noticed(text) {
  const table = new Map();
  const start = text.indexOf('\n## Crates\n');
  const end = text.indexOf('\n## Licence texts\n');
  if (start < 0 || end < 0) return { table, covered: new Set() };
  for (const line of text.slice(start, end).split('\n')) {
    const m = /^\| (\S+) \| (\S+) \| (.+) \|$/.exec(line);
    if (m && m[1] !== 'crate' && !m[1].startsWith('-')) table.set(`${m[1]} ${m[2]}`, spdx(m[3]));
  }
  const covered = new Set();
  for (const m of text.slice(end).matchAll(/^Used by: (.*)$/gm)) {
    for (const c of m[1].split(', ')) covered.add(c.trim());
  }
  return { table, covered };
}

/**
 * Every problem with the notices, as sentences (empty when they match Cargo.lock). `read(file)`
 * gives a notice's text (tests pass an edited one).
 */
export function problems(read = (file) => readFileSync(join(ROOT, file), 'utf8')) {
  const out = [];
  for (const { module, file, features } of MODULES) {
    let text;
    try {
      text = read(file);
    } catch {
      out.push(`${file}: missing`);
      continue;
    }
    const { table, covered } = noticed(text);
    const want = resolvedCrates(features);
    for (const [crate, licence] of want) {
      if (!table.has(crate)) out.push(`${file}: ${crate} is compiled into ${module} (Cargo.lock) but not in the notice`);
      else if (table.get(crate) !== licence) out.push(`${file}: ${crate} is noticed as "${table.get(crate)}", its manifest says "${licence}"`);
      else if (!covered.has(crate)) out.push(`${file}: ${crate} is named under no licence text`);
    }
    for (const crate of table.keys()) {
      if (!want.has(crate)) out.push(`${file}: ${crate} is in the notice but no longer compiled into ${module} (Cargo.lock)`);
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const found = problems();
  if (found.length > 0) {
    for (const p of found) console.error(`notices: ${p}`);
    console.error('notices: regenerate with `bash scripts/notices.sh` (installs cargo-about).');
    process.exit(1);
  }
  console.log(`notices: ${MODULES.map((m) => m.file).join(', ')} match Cargo.lock`);
}
