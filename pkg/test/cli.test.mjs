// The CLI as a subprocess: help, exit codes, --json shape, token sources, streams, verdicts that
// name what was not checked.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, statSync, chmodSync } from 'node:fs';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli as helperCli, PKG, ROOT, BIN } from './helpers.mjs';

// The environment the CLI reads, reset: node --test passes FORCE_COLOR to its children when its
// own output is coloured, and a developer's shell may hold a NOMAD_TOKEN (an ACL secret).
const QUIET_ENV = { FORCE_COLOR: undefined, NOMAD_TOKEN: undefined, NODE_DISABLE_COLORS: undefined };
const cli = (args, o = {}) => helperCli(args, { ...o, env: { ...QUIET_ENV, ...o.env } });

/** Like `cli`, without blocking this process (for tests that serve HTTP to the CLI). */
function cliAsync(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: PKG,
      env: { ...process.env, NO_COLOR: '1', NOMAD_SECRETS_DIR: '', ...QUIET_ENV, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

const COMMANDS = ['inspect', 'verify', 'authorize', 'render', 'aws', 'jwks', 'discover', 'mint'];

test('no command prints help and exits 2; --help exits 0', () => {
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /usage: jwtgate <command>/);
  for (const c of COMMANDS) assert.match(none.stdout, new RegExp(`^  ${c} `, 'm'));
  assert.equal(cli(['--help']).code, 0);
});

test('every command has --help with an example and a description for every flag', () => {
  for (const c of COMMANDS) {
    const r = cli([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: jwtgate ${c}`, 'm'), c);
    assert.match(r.stdout, new RegExp(`^example: jwtgate ${c} `, 'm'), c);
    const usage = r.stdout.match(/^usage: (.*)$/m)[1];
    const options = r.stdout.slice(r.stdout.indexOf('\noptions:\n'));
    // `  --flag ARG  description`, or a long label with the description on the next line.
    const described = new Map();
    const lines = options.split('\n');
    lines.forEach((l, i) => {
      const m = l.match(/^  --([a-z-]+)(?: \S+)?(?: {2,}(.*))?$/);
      if (m) described.set(m[1], m[2] ?? lines[i + 1]?.trim() ?? '');
    });
    // Every flag listed, the usage line or the example names, and the common ones.
    const flags = new Set([...`${usage} ${r.stdout.match(/^example: (.*)$/m)[1]}`.matchAll(/--([a-z-]+)/g)].map((m) => m[1]));
    for (const f of ['json', 'help', 'color', 'no-color']) flags.add(f);
    for (const f of new Set([...flags, ...described.keys()])) assert.match(described.get(f) ?? '', /[a-z]{2,}\W+[a-z]{2,}/i, `${c} --help does not describe --${f}`);
    // Every described flag is accepted as described (a value where the help shows one): the help
    // is the parser's table. With --help first nothing runs.
    const all = [...options.matchAll(/^  --([a-z-]+)( \S+)?/gm)].flatMap((m) => (m[2] ? [`--${m[1]}`, 'x'] : [`--${m[1]}`]));
    const parsed = cli([c, '--help', ...all]);
    assert.equal(parsed.stderr, '', `${c} ${all.join(' ')}`);
    assert.equal(parsed.code, 0);
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
  // Also when the arguments do not parse, and for an unknown command: JSON on stdout, nothing on stderr.
  for (const args of [['verify', '--bogus', '--json'], ['frobnicate', '--json'], ['verify', 'x', '--json', '--iss']]) {
    const j = cli(args);
    assert.equal(j.code, 2, args.join(' '));
    assert.equal(j.stderr, '', args.join(' '));
    assert.equal(j.json?.ok, false, args.join(' '));
    assert.equal(j.json.error.code, 'ERR_OPTIONS_INVALID', args.join(' '));
    assert.match(j.json.error.message, /--bogus|frobnicate|--iss/);
  }
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
  // Vault's own verdict; the sample auth config sets no bound_issuer, so Vault does not check iss
  // and the verdict line says so.
  assert.match(ok.stdout.split('\n')[0], /^VALID for Vault \(Vault JWT-auth semantics, role nomad-workloads\); NOT checked: issuer \(bound_issuer not set in the auth method config\)$/);
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
  assert.deepEqual(Object.keys(jok.json).sort(), ['alias', 'header', 'key', 'notChecked', 'ok', 'payload', 'report']);
  assert.equal(jok.json.key.alg, 'RS256');
  assert.deepEqual(jok.json.notChecked.map((n) => n.id), ['iss']);
});

test('token from stdin (-), @file, the Nomad secrets dir, and as an argument', () => {
  const token = readFileSync(sample('token.jwt'), 'utf8').trim();
  // The sample token has no iss (Nomad without oidc_issuer): accepted only with --insecure.
  const args = ['--jwks', sample('jwks.json'), '--aud', 'vault.io', '--insecure', '--now', NOW, '--json'];
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
  const badArgs = ['authorize', `@${sample('token.jwt')}`, ...vaultArgs, '--policy', join(dir, 'bad.hcl'), '--path', 'x', '--capability', 'read', '--now', NOW];
  const bad = cli(badArgs);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^jwtgate authorize: .*\[ERR_POLICY_PARSE\]$/m);
  const badJson = cli([...badArgs, '--json']);
  assert.equal(badJson.code, 2);
  assert.equal(badJson.stderr, '');
  assert.deepEqual(Object.keys(badJson.json), ['ok', 'error']);
  assert.equal(badJson.json.error.code, 'ERR_POLICY_PARSE');
  assert.equal(typeof badJson.json.error.message, 'string');
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

// ---------- verdicts name what was not checked (issue 21) ----------

/** A fresh EdDSA identity with an issuer, its JWKS in a file: `{ dir, token, jwks, payload }`. */
function minted(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-verdict-'));
  const m = cli(['mint', '--json', '--iss', 'https://nomad.example.com', '--aud', 'aws', '--job', 's3', ...extra]);
  assert.equal(m.code, 0, m.stderr);
  const jwks = join(dir, 'jwks.json');
  writeFileSync(jwks, JSON.stringify(m.json.jwks));
  return { dir, token: m.json.token, jwks, payload: m.json.payload };
}

test('verify without --iss/--aud names them as NOT checked and exits 1; --insecure accepts, still naming them', () => {
  const { token, jwks } = minted();
  const partial = cli(['verify', token, '--jwks', jwks]);
  assert.equal(partial.code, 1, partial.stderr);
  assert.equal(partial.stderr, '');
  const [headline, hint] = partial.stdout.split('\n');
  assert.equal(headline, 'NOT VALIDATED: signature valid, but NOT checked: issuer (no --iss), audience (no --aud)');
  assert.match(hint, /give --iss ISSUER and --aud AUDIENCE, or --insecure/);
  assert.doesNotMatch(partial.stdout, /^VALID/m);

  const insecure = cli(['verify', token, '--jwks', jwks, '--insecure']);
  assert.equal(insecure.code, 0, insecure.stderr);
  assert.equal(insecure.stdout.split('\n')[0], 'VALID signature; NOT checked: issuer (no --iss), audience (no --aud) (--insecure)');

  const onlyAud = cli(['verify', token, '--jwks', jwks, '--aud', 'aws']);
  assert.equal(onlyAud.code, 1);
  assert.equal(onlyAud.stdout.split('\n')[0], 'NOT VALIDATED: signature valid, but NOT checked: issuer (no --iss)');

  const full = cli(['verify', token, '--jwks', jwks, '--iss', 'https://nomad.example.com', '--aud', 'aws']);
  assert.equal(full.code, 0, full.stdout);
  assert.equal(full.stdout.split('\n')[0], 'VALID (RFC 7519 semantics)');
  assert.doesNotMatch(full.stdout, /NOT checked/);

  const json = cli(['verify', token, '--jwks', jwks, '--json']);
  assert.equal(json.code, 1);
  assert.equal(json.json.ok, false);
  assert.deepEqual(json.json.notChecked, [
    { id: 'iss', what: 'issuer', reason: 'no --iss' },
    { id: 'aud', what: 'audience', reason: 'no --aud' },
  ]);
  const jsonInsecure = cli(['verify', token, '--jwks', jwks, '--json', '--insecure']);
  assert.equal(jsonInsecure.code, 0);
  assert.equal(jsonInsecure.json.ok, true);
  assert.equal(jsonInsecure.json.insecure, true);
  assert.equal(jsonInsecure.json.notChecked.length, 2);
  const jsonFull = cli(['verify', token, '--jwks', jwks, '--iss', 'https://nomad.example.com', '--aud', 'aws', '--json']);
  assert.equal(jsonFull.code, 0);
  assert.equal(jsonFull.json.ok, true);
  assert.equal(jsonFull.json.notChecked, undefined);
});

test('verify of a token without exp: refused by default; with --require replacing exp, named as NOT checked', () => {
  const { token, jwks, payload } = minted(['--ttl', '0']);
  assert.equal(payload.exp, undefined);
  const base = ['verify', token, '--jwks', jwks, '--iss', 'https://nomad.example.com', '--aud', 'aws'];
  // requiredClaims defaults to ["exp"] (src/claims/standard.rs).
  const dflt = cli(base);
  assert.equal(dflt.code, 1);
  assert.match(dflt.stdout, /^INVALID: .*"exp".*\[ERR_JWT_CLAIM_MISSING\]/);
  const r = cli([...base, '--require', 'iat']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.split('\n')[0], 'NOT VALIDATED: signature valid, but NOT checked: expiry (token has no exp)');
  assert.equal(r.stdout.split('\n')[1], '  a relying party checks this: --insecure to accept the token without it');
  const insecure = cli([...base, '--require', 'iat', '--insecure']);
  assert.equal(insecure.code, 0);
  assert.equal(insecure.stdout.split('\n')[0], 'VALID signature; NOT checked: expiry (token has no exp) (--insecure)');
});

test('aws without keys: "signature NOT checked", not an accept (exit 1) unless --insecure; with keys it is', () => {
  // STS takes RS256 (not EdDSA): an RSA test identity.
  const { dir, token, jwks } = minted(['--alg', 'RS256']);
  const trust = join(dir, 'trust.json');
  writeFileSync(trust, JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/nomad.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'nomad.example.com:aud': 'aws' } } }],
  }));
  const base = ['aws', token, '--provider', 'https://nomad.example.com', '--client-id', 'aws', '--trust-policy', trust];
  const nokeys = cli(base);
  assert.equal(nokeys.code, 1, nokeys.stderr);
  assert.equal(nokeys.stdout.split('\n')[0], 'NOT VALIDATED: the trust policy and preflight pass, but the signature was NOT checked');
  assert.doesNotMatch(nokeys.stdout, /AWS would accept/);
  assert.match(nokeys.stdout, /– signature +no keys given/);
  const insecure = cli([...base, '--insecure']);
  assert.equal(insecure.code, 0);
  assert.equal(insecure.stdout.split('\n')[0], 'the trust policy and preflight pass; signature NOT checked (--insecure)');
  const j = cli([...base, '--json']);
  assert.equal(j.code, 1);
  assert.equal(j.json.ok, false);
  assert.equal(j.json.allowed, true);
  assert.deepEqual(j.json.notChecked.map((n) => n.id), ['signature']);
  const keyed = cli([...base, '--jwks', jwks]);
  assert.equal(keyed.code, 0, keyed.stdout + keyed.stderr);
  assert.equal(keyed.stdout.split('\n')[0], 'AWS would accept this token');
  // A token the keys reject is a verdict (1, stdout), not an input error.
  const rejected = cli([...base, '--jwks', sample('jwks.json')]);
  assert.equal(rejected.code, 1, rejected.stderr);
  assert.match(rejected.stdout, /^AWS would reject this token: /);
});

test('--now in milliseconds is converted, with a note on stderr', () => {
  const ms = `${NOW}000`;
  const r = cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', ms]);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stderr, `jwtgate: --now ${ms} looks like milliseconds; using ${NOW} (${new Date(Number(NOW) * 1000).toISOString().replace('.000Z', 'Z')})\n`);
  assert.equal(r.stdout, cli(['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', NOW]).stdout);
  const mint = cli(['mint', '--json', '--now', '1893456000000']);
  assert.equal(mint.json.payload.iat, 1893456000);
  assert.match(mint.stderr, /looks like milliseconds/);
});

test('mint --out-key writes the private JWK readable by its owner only (0600), also over an existing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-key-'));
  const key = join(dir, 'key.json');
  const r = cli(['mint', '--out-key', key, '--out-jwks', join(dir, 'jwks.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.ok(JSON.parse(readFileSync(key, 'utf8')).d, 'the private JWK has d');
  chmodSync(key, 0o644);
  assert.equal(cli(['mint', '--out-key', key, '--out-jwks', join(dir, 'jwks.json')]).code, 0);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  // The public JWKS is not a secret: the usual mode.
  assert.notEqual(statSync(join(dir, 'jwks.json')).mode & 0o077, 0);
});

test('FORCE_COLOR and NO_COLOR: flags first, then FORCE_COLOR as Node reads it, then NO_COLOR, then a TTY', () => {
  const args = ['verify', `@${sample('token.jwt')}`, ...vaultArgs, '--now', NOW];
  const coloured = (env, extra = []) => /\x1b\[/.test(cli([...args, ...extra], { env }).stdout);
  assert.equal(coloured({ NO_COLOR: '1' }), false);
  assert.equal(coloured({ NO_COLOR: '' }), false, 'not a TTY');
  assert.equal(coloured({ FORCE_COLOR: '1' }), true, 'FORCE_COLOR colours a pipe');
  assert.equal(coloured({ FORCE_COLOR: '1', NO_COLOR: '1' }), true, 'FORCE_COLOR wins over NO_COLOR, as in Node');
  assert.equal(coloured({ FORCE_COLOR: '' }), true, "'' is 16 colours in Node");
  assert.equal(coloured({ FORCE_COLOR: 'true' }), true);
  assert.equal(coloured({ FORCE_COLOR: '3' }), true);
  assert.equal(coloured({ FORCE_COLOR: '0' }), false);
  assert.equal(coloured({ FORCE_COLOR: 'false' }), false);
  assert.equal(coloured({ FORCE_COLOR: '1' }, ['--no-color']), false, '--no-color wins');
  assert.equal(coloured({ FORCE_COLOR: '0', NO_COLOR: '1' }, ['--color']), true, '--color wins');
});

test('$NOMAD_TOKEN (identity env = true) is read when no token is given, and said so on stderr', () => {
  const token = readFileSync(sample('token.jwt'), 'utf8').trim();
  const args = ['verify', ...vaultArgs, '--now', NOW];
  const r = cli(args, { env: { NOMAD_TOKEN: token } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, 'jwtgate: token from $NOMAD_TOKEN (Nomad identity env = true)\n');
  // Outside a task NOMAD_TOKEN is an ACL secret (a UUID) for the nomad CLI: never sent as a JWT.
  const acl = '85310d07-9afa-ef53-0933-0c043cd673c7';
  const none = cli(args, { env: { NOMAD_TOKEN: acl } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no token: .*\$NOMAD_TOKEN is set but is not a JWT/);
  assert.doesNotMatch(none.stderr + none.stdout, new RegExp(acl));
  const secrets = mkdtempSync(join(tmpdir(), 'jwtgate-secrets-'));
  writeFileSync(join(secrets, 'nomad_token'), token);
  const file = cli(args, { env: { NOMAD_TOKEN: acl, NOMAD_SECRETS_DIR: secrets } });
  assert.equal(file.code, 0, file.stderr);
  assert.match(file.stderr, /^jwtgate: token from .*nomad_token \(Nomad identity file = true\)/);
  // An explicit token wins, silently.
  const explicit = cli(['verify', token, ...vaultArgs, '--now', NOW], { env: { NOMAD_TOKEN: 'x.y.z' } });
  assert.equal(explicit.code, 0);
  assert.equal(explicit.stderr, '');
});

test('discover shows its warnings in human output (plain http)', async () => {
  const { jwks } = minted();
  const keys = readFileSync(jwks, 'utf8');
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256', 'EdDSA'] }));
    } else if (req.url === '/.well-known/jwks.json') {
      res.setHeader('content-type', 'application/json');
      res.end(keys);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    const r = await cliAsync(['discover', issuer]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^warnings$/m);
    assert.match(r.stdout, /^  ! .*http/m);
    const j = await cliAsync(['discover', issuer, '--json']);
    assert.equal(j.code, 0);
    assert.ok(j.json.warnings.length >= 1);
    for (const w of j.json.warnings) assert.ok(r.stdout.includes(typeof w === 'string' ? w : w.message), `${JSON.stringify(w)} not shown`);
  } finally {
    server.close();
  }
});

test('fetch errors carry their cause (ECONNREFUSED), on stderr, exit 2; --json puts them on stdout', async () => {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  await new Promise((r) => server.close(r));
  const url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  const r = await cliAsync(['jwks', url]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^jwtgate jwks: GET ${url} failed: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}.*\\[ERR_FETCH_FAILED\\]$`, 'm'));
  const j = await cliAsync(['jwks', url, '--json']);
  assert.equal(j.code, 2);
  assert.equal(j.stderr, '');
  assert.equal(j.json.ok, false);
  assert.equal(j.json.error.code, 'ERR_FETCH_FAILED');
  assert.match(j.json.error.message, /ECONNREFUSED/);
});

test('licence and package metadata: Apache-2.0 text at the root and in the tarball; engines honest', () => {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  assert.match(license, /^\s*Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
  // npm packs the package folder: its copy must be the same text.
  assert.equal(readFileSync(join(PKG, 'LICENSE'), 'utf8'), license);
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.equal(manifest.license, 'Apache-2.0');
  assert.ok(manifest.files.includes('LICENSE'));
  // No repository/homepage/bugs until the project has a public address: a placeholder would
  // send users to a page that is not the project's.
  for (const k of ['repository', 'homepage', 'bugs']) assert.equal(manifest[k], undefined, k);
  // require() of an ES module (the CommonJS path) is unflagged from Node 20.19 and 22.12.
  assert.equal(manifest.engines.node, '^20.19.0 || ^22.12.0 || >=23.0.0');
});
