// The CLI as a subprocess: help, exit codes, --json shape, token sources.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.mjs';

const COMMANDS = ['inspect', 'verify', 'authorize', 'render', 'aws', 'jwks', 'discover', 'mint'];

test('no command prints help and exits 2; --help exits 0', () => {
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /usage: jwtgate <command>/);
  for (const c of COMMANDS) assert.match(none.stdout, new RegExp(`^  ${c} `, 'm'));
  assert.equal(cli(['--help']).code, 0);
});

test('every command has --help with an example', () => {
  for (const c of COMMANDS) {
    const r = cli([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: jwtgate ${c}`, 'm'), c);
    assert.match(r.stdout, new RegExp(`^example: jwtgate ${c} `, 'm'), c);
  }
});

test('usage errors exit 2 with a message on stderr', () => {
  for (const args of [['frobnicate'], ['verify', '--bogus'], ['verify', 'x', '--iss'], ['mint', '--ttl', 'soon'], ['verify', 'a', 'b', '--jwks', 'x']]) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.notEqual(r.stderr, '', args.join(' '));
  }
  const missing = cli(['verify', 'a.b.c', '--jwks', '/nonexistent/jwks.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read JWKS \/nonexistent\/jwks.json: ENOENT/);
});

test('--json usage errors are JSON too', () => {
  const r = cli(['mint', '--json', '--ttl', 'soon']);
  assert.equal(r.code, 2);
  assert.deepEqual(Object.keys(r.json), ['ok', 'error']);
  assert.equal(r.json.ok, false);
  assert.equal(r.json.error.code, 'ERR_OPTIONS_INVALID');
});

test('mint writes a token to stdout and the JWKS to a file; --json has the documented shape', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-cli-'));
  const jwksFile = join(dir, 'jwks.json');
  const r = cli(['mint', '--job', 'mongo', '--aud', 'vault.io', '--out-jwks', jwksFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
  assert.equal(jwks.keys.length, 1);
  const j = cli(['mint', '--json', '--alg', 'EdDSA', '--extra', 'team=db', '--now', '2030-01-01T00:00:00Z', '--ttl', '60']);
  assert.equal(j.code, 0);
  assert.deepEqual(Object.keys(j.json).sort(), ['header', 'jwks', 'ok', 'payload', 'privateJwk', 'token']);
  assert.equal(j.json.payload.iat, 1893456000);
  assert.equal(j.json.payload.exp, 1893456060);
  assert.deepEqual(j.json.payload.extra_claims, { team: 'db' });
  writeFileSync(join(dir, 'token.jwt'), `${j.json.token}\n`);
});
