// The CLI as a subprocess: help, exit codes, --json shape, token sources.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, PKG } from './helpers.mjs';

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

const SAMPLE = join(PKG, '..', 'tests', 'fixtures', 'sample');
const NOW = readFileSync(join(SAMPLE, 'now.txt'), 'utf8').trim();
const sample = (f) => join(SAMPLE, f);
const vaultArgs = ['--jwks', sample('jwks.json'), '--role', sample('role.json'), '--role-name', 'nomad-workloads', '--config', sample('config.json')];

test('verify: valid → 0, expired → 1 with the failing check, --json shape', () => {
  const ok = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', NOW]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^VALID \(Vault JWT-auth semantics\)/);
  assert.match(ok.stdout, /✓ signature/);
  assert.match(ok.stdout, /name +mongo/);
  const late = String(Number(NOW) + 7200);
  const bad = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', late]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^INVALID: .*token is expired.*\[ERR_JWT_EXPIRED\]/);
  assert.match(bad.stdout, /✗ exp/);
  const j = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', late, '--json']);
  assert.equal(j.code, 1);
  assert.deepEqual(Object.keys(j.json), ['ok', 'error', 'report']);
  assert.equal(j.json.error.code, 'ERR_JWT_EXPIRED');
  assert.equal(j.json.error.claim, 'exp');
  assert.equal(j.json.report.checks.find((c) => c.outcome === 'fail').id, 'exp');
  const jok = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', NOW, '--json']);
  assert.equal(jok.code, 0);
  assert.deepEqual(Object.keys(jok.json).sort(), ['alias', 'header', 'key', 'ok', 'payload', 'report']);
  assert.equal(jok.json.key.alg, 'RS256');
});

test('token from stdin (-), @file, the Nomad secrets dir, and as an argument', () => {
  const token = readFileSync(sample('token.jwt'), 'utf8').trim();
  const args = ['--jwks', sample('jwks.json'), '--aud', 'vault.io', '--now', NOW, '--json'];
  const viaStdin = cli(['verify', '-', ...args], { input: `${token}\n` });
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.equal(cli(['verify', token, ...args]).code, 0);
  const secrets = mkdtempSync(join(tmpdir(), 'jwtgate-secrets-'));
  writeFileSync(join(secrets, 'nomad_vault_default.jwt'), token);
  writeFileSync(join(secrets, 'nomad_token'), token);
  assert.equal(cli(['verify', '--identity', 'vault_default', ...args], { env: { NOMAD_SECRETS_DIR: secrets } }).code, 0);
  assert.equal(cli(['verify', ...args], { env: { NOMAD_SECRETS_DIR: secrets } }).code, 0);
  const none = cli(['verify', ...args]);
  assert.equal(none.code, 2);
  // Wrong audience: invalid (1), not a usage error.
  const aud = cli(['verify', token, '--jwks', sample('jwks.json'), '--aud', 'aws', '--now', NOW]);
  assert.equal(aud.code, 1);
  assert.match(aud.stdout, /ERR_JWT_AUDIENCE_MISMATCH/);
});

test('authorize: allowed → 0, another job denied → 1, bad policy → 2', () => {
  const base = ['authorize', `@${sample('token.jwt')}`, ...vaultArgs, '--policy', `nomad-workloads=${sample('policy.hcl')}`, '--now', NOW];
  const yes = cli([...base, '--path', 'kv/data/default/mongo/config', '--capability', 'read']);
  assert.equal(yes.code, 0, yes.stderr);
  assert.match(yes.stdout, /^ALLOWED: read kv\/data\/default\/mongo\/config/);
  assert.match(yes.stdout, /path +"kv\/data\/default\/mongo\/\*" \{ read \}/);
  const no = cli([...base, '--path', 'kv/data/default/redis/config', '--capability', 'read', '--json']);
  assert.equal(no.code, 1);
  assert.equal(no.json.ok, false);
  assert.equal(no.json.allowed, false);
  assert.ok(Array.isArray(no.json.steps));
  const http = cli([...base, '--method', 'GET', '--path', '/v1/kv/data/default/mongo/config']);
  assert.equal(http.code, 0, http.stdout);
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-pol-'));
  writeFileSync(join(dir, 'bad.hcl'), 'path "x" { capabilities = ["read"\n');
  const bad = cli(['authorize', `@${sample('token.jwt')}`, ...vaultArgs, '--policy', join(dir, 'bad.hcl'), '--path', 'x', '--capability', 'read', '--now', NOW]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr + bad.stdout, /ERR_POLICY_PARSE/);
});

test('jwks lists keys and converts to PEM; a bad JWKS is an input error', () => {
  const list = cli(['jwks', sample('jwks.json'), '--json']);
  assert.equal(list.code, 0);
  assert.equal(list.json.keys[0].kty, 'RSA');
  assert.match(list.json.keys[0].thumbprint, /^[\w-]{43}$/);
  const pem = cli(['jwks', sample('jwks.json'), '--pem']);
  assert.equal(pem.code, 0);
  assert.match(pem.stdout, /-----BEGIN PUBLIC KEY-----/);
  const bad = cli(['jwks', '-'], { input: '{"nope":1}' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_JWKS_INVALID/);
});

test('colour only when asked or on a TTY', () => {
  const plain = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', NOW]);
  assert.doesNotMatch(plain.stdout, /\x1b\[/);
  const coloured = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', NOW, '--color']);
  assert.match(coloured.stdout, /\x1b\[32m/);
});
