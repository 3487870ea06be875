// Shared helpers for the Envoy stand-in host tests: where the built filter is, and configs.
// JWTGATE_ENVOY_HOST picks the host every scenario runs on: `v8` (default, host.mjs, the stand-in
// on Node's WebAssembly) or `wamr` (cpphost/host.mjs, Envoy's own proxy-wasm-cpp-host on WAMR).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { Envoy } from './host.mjs';

/** The host the scenarios run on: 'v8' or 'wamr'. */
export const HOST = process.env.JWTGATE_ENVOY_HOST || 'v8';
if (HOST !== 'v8' && HOST !== 'wamr') throw new Error(`JWTGATE_ENVOY_HOST=${HOST}: expected v8 or wamr`);
const { CppEnvoy } = HOST === 'wamr' ? await import('./cpphost/host.mjs') : {};

/**
 * Test options for a scenario only the V8 stand-in can express (it inspects the stand-in's own
 * internals): skipped, with the reason shown, when the scenarios run on the cpp-host. Every such
 * scenario is listed in tests/envoy/README.md.
 */
export function onlyV8(reason) {
  return HOST === 'v8' ? {} : { skip: `V8 stand-in only: ${reason}` };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_COMMAND = 'bash scripts/build-envoy.sh   (or: make test-envoy)';

/**
 * Path of the built filter as deployed (release, wasm-opt'ed: scripts/build-envoy.sh); throws
 * with the build command when it is missing. The directory is the build script's own:
 * JWTGATE_ENVOY_TARGET_DIR (relative to the repository) or target/envoy, never a
 * CARGO_TARGET_DIR the caller's shell exports for other projects (the build ignores it too).
 */
export function wasmPath() {
  const dir = resolve(root, process.env.JWTGATE_ENVOY_TARGET_DIR || join('target', 'envoy'));
  const p = join(dir, 'jwtgate_envoy.wasm');
  if (!existsSync(p)) throw new Error(`built filter not found at ${p}; build it with:\n  ${BUILD_COMMAND}`);
  return p;
}

export const repoRoot = root;

/** Seconds of the host's virtual clock at start (2026-01-01T00:00:00Z). */
export const T0 = 1_767_225_600;

/** An Envoy running the built filter, on the host JWTGATE_ENVOY_HOST names. */
export function envoy(config, opts = {}) {
  const Host = HOST === 'wamr' ? CppEnvoy : Envoy;
  return new Host({ wasm: wasmPath(), config, nowMs: T0 * 1000, ...opts });
}

/** A provider with an inline JWKS. */
export function inlineProvider(keys, extra = {}) {
  return {
    name: 'nomad',
    issuer: 'https://nomad.example:4646',
    audiences: ['vault.io'],
    jwks: keys,
    ...extra,
  };
}

/** A provider with a remote JWKS through cluster `nomad_jwks`. */
export function remoteProvider(extra = {}, remote = {}) {
  return {
    name: 'nomad',
    issuer: 'https://nomad.example:4646',
    audiences: ['vault.io'],
    remote_jwks: {
      cluster: 'nomad_jwks',
      authority: 'nomad.example:4646',
      path: '/.well-known/jwks.json',
      timeout_ms: 1000,
      cache_duration_seconds: 300,
      kid_refetch_cooldown_seconds: 30,
      retry: { num_retries: 2, base_interval_ms: 100, max_interval_ms: 1000 },
      ...remote,
    },
    ...extra,
  };
}

/** A cluster handler serving `doc` (a function returning the current JWKS) and counting calls. */
export function jwksServer(doc) {
  const server = { calls: 0, requests: [], respond: null };
  server.handler = (req) => {
    server.calls++;
    server.requests.push(req);
    if (server.respond) return server.respond(req, server.calls);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(typeof doc === 'function' ? doc() : doc) };
  };
  return server;
}
