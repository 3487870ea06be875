// What a browser downloads to verify JWTs: jwtgate's npm package beside jose's browser bundle
// (issue 7: "JS package .wasm ≤ 160 KB gzip -9 … peers: jose's browser bundle size").
//
//   node bench/sizes.mjs [--json]
//
// jose publishes no browser bundle (its npm files are the dist/webapi modules), so its figure is
// what a bundler makes of them: esbuild with bundling, minification, ESM output for browsers,
// then gzip -9 (zlib level 9, as scripts/bench-table.mjs compresses the .wasm files), for
//   - the verification subset a page imports to verify tokens against a JWKS (jwtVerify,
//     createLocalJWKSet, importJWK; tree-shaken), and
//   - the whole library (every export).
// jwtgate's side: the JavaScript of the browser entry (index.browser.js: API, glue, error codes)
// bundled by the same esbuild call. Its .wasm files are the table's artifact rows
// (scripts/bench-table.mjs measures pkg/dist itself). Sizes are deterministic for given sources
// and tool versions: one measurement, no rounds.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const joseVersion = JSON.parse(readFileSync(join(pkg, 'node_modules', 'jose', 'package.json'), 'utf8')).version;
const esbuildVersion = JSON.parse(readFileSync(join(pkg, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;

/** Raw and gzip -9 byte counts of `bytes`. */
const measure = (bytes) => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });

/** The minified ESM bundle of `contents` (an entry module resolved from pkg/), as bytes. */
async function bundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: pkg, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  if (result.outputFiles.length !== 1) throw new Error(`expected one output file, got ${result.outputFiles.length}`);
  return result.outputFiles[0].contents;
}

const rows = [
  {
    what: `jose ${joseVersion} browser bundle: verification subset (jwtVerify, createLocalJWKSet, importJWK)`,
    ...measure(await bundle("export { jwtVerify, createLocalJWKSet, importJWK } from 'jose';")),
  },
  { what: `jose ${joseVersion} browser bundle: whole library`, ...measure(await bundle("export * from 'jose';")) },
  { what: 'jwtgate browser entry JavaScript (API + glue, bundled like jose)', ...measure(await bundle("export * from './index.browser.js';")) },
];

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ esbuild: esbuildVersion, rows }, null, 2));
} else {
  console.log(`esbuild ${esbuildVersion} (bundle, minify, ESM, browser); gzip -9 = zlib level 9; KB = 1000 B`);
  console.log('| download | raw KB | gzip -9 KB |');
  console.log('|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${(r.raw / 1000).toFixed(1)} | ${(r.gzip / 1000).toFixed(1)} |`);
}
