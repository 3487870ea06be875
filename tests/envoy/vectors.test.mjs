// The shared vectors replayed through the filter: tests/vectors/adversarial/tokens.json (every
// hostile token refused with the core's code, never a trap) and tests/vectors/e2e/*.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { envoy, inlineProvider, repoRoot } from './support.mjs';
import { keyPair, jwks } from './jwt.mjs';
import { entries, parts, expected } from '../vectors/fuzz/entries.mjs';

const adversarial = JSON.parse(readFileSync(join(repoRoot, 'tests', 'vectors', 'adversarial', 'tokens.json'), 'utf8'));

test(`adversarial tokens (${adversarial.length}): refused with the core's code, no trap`, () => {
  const e = envoy({ providers: [inlineProvider(jwks(keyPair('ES256', 'k')))] }, { workers: 1 });
  let exact = 0;
  for (const c of adversarial) {
    const raw = Buffer.from(`Bearer ${c.token}`, 'utf8');
    const r = e.send({ headers: [['authorization', raw]] });
    assert.equal(e.workers[0].vm.failed, false, `${c.name}: the VM trapped`);
    if (/[\0\r\n]/.test(c.token)) {
      assert.equal(r.reply.status, 400, c.name); // the codec refuses it before the filter
      continue;
    }
    assert.equal(r.reply?.status, 401, `${c.name}: ${r.state}`);
    // A token that travels unchanged in a header value reaches the core as is.
    const transportable = /^[\x21-\x7e]+$/.test(c.token) && !c.token.includes(',');
    if (c.code && transportable) {
      assert.equal(r.json.code, c.code, `${c.name}: ${r.json.message}`);
      if (c.message_contains) assert.ok(r.json.message.includes(c.message_contains) || r.json.message.length >= 250, `${c.name}: ${r.json.message}`);
      exact++;
    }
    // Otherwise (spaces trimmed as header OWS, commas, non-ASCII): still a 401, whatever the
    // header transport made of it.
    for (const [, v] of r.reply.headers) assert.ok(/^[\x20-\x7e]*$/.test(v), `${c.name}: reply header ${v}`);
  }
  assert.ok(exact > 50, `only ${exact} cases compared exactly`);
});

const e2eDir = join(repoRoot, 'tests', 'vectors', 'e2e');
const e2e = existsSync(e2eDir)
  ? readdirSync(e2eDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(e2eDir, f), 'utf8')))
  : [];

// How a Vault operation travels as HTTP through the proxy (Vault's own mapping, /v1/ prefix).
const HTTP = { read: ['GET', ''], list: ['GET', '?list=true'], create: ['POST', ''], update: ['POST', ''], delete: ['DELETE', ''], patch: ['PATCH', ''] };

for (const v of e2e.filter((x) => x.vault)) {
  const req = v.vault.request.http ?? (HTTP[v.vault.request.operation] && {
    method: HTTP[v.vault.request.operation][0],
    target: `/v1/${v.vault.request.path}${HTTP[v.vault.request.operation][1]}`,
  });
  test(`e2e ${v.name}: ${v.note ?? ''}`, { skip: !req && `operation ${v.vault.request.operation} has no HTTP form` }, () => {
    const provider = {
      name: 'vault-jwt',
      jwks: v.jwks,
      ...(v.vault.config?.bound_issuer ? { issuer: v.vault.config.bound_issuer } : {}),
      ...(v.vault.config?.jwt_supported_algs?.length ? { algorithms: v.vault.config.jwt_supported_algs } : {}),
      vault: {
        role: v.vault.role,
        role_name: v.vault.role_name,
        accessor: v.vault.accessor,
        policies: v.vault.policies.map((p) => ({ name: p.name, policy: p.text })),
        ...(v.vault.identity ? { identity: v.vault.identity } : {}),
      },
    };
    const e = envoy({ providers: [provider] }, { nowMs: v.now * 1000, workers: 1 });
    assert.equal(e.loadError, null, JSON.stringify(e.logs));
    const r = e.send({ method: req.method, path: req.target, headers: [['authorization', `Bearer ${v.token}`]] });
    if (!v.expect.verify.ok) {
      assert.equal(r.reply?.status, 401, `${r.state} ${r.json?.code}`);
      if (v.expect.verify.code) assert.equal(r.json.code, v.expect.verify.code);
    } else if (v.expect.authorize.allowed) {
      assert.equal(r.state, 'continued', r.json && `${r.json.code}: ${r.json.message}`);
    } else {
      assert.equal(r.reply?.status, 403, r.json && `${r.json.code}: ${r.json.message}`);
      assert.equal(r.json.code, 'ERR_POLICY_DENIED');
      assert.equal(r.replyHeader('www-authenticate'), undefined);
    }
  });
}
test('e2e vectors are present', { skip: e2e.length === 0 && 'tests/vectors/e2e not on main yet' }, () => {
  assert.ok(e2e.some((v) => v.name === 'nomad-vault-tutorial'));
});

// The fuzz regression entries (tests/vectors/fuzz/, replayed in Rust by tests/fuzz_regressions.rs):
// tokens from the `compact` and `verify` targets as request headers, JWKS documents from the
// `jwks` target as inline provider configuration. Refused with a typed reply or a rejected
// configuration, never a VM failure.

const trapped = (e) => e.logs.some((l) => /Wasm VM failed Function/.test(l.msg));

test('fuzz regression tokens through the filter: refused with a code, no trap', () => {
  const e = envoy({ providers: [inlineProvider(jwks(keyPair('ES256', 'k')))] }, { workers: 1 });
  let sent = 0;
  for (const entry of [...entries('compact'), ...entries('verify')]) {
    const token = entry.target === 'compact' ? entry.bytes : parts(entry.bytes)[0];
    const raw = Buffer.concat([Buffer.from('Bearer '), token]);
    const r = e.send({ headers: [['authorization', raw]] });
    const name = `${entry.target}/${entry.file}`;
    assert.equal(e.workers[0].vm.failed, false, `${name}: the VM trapped`);
    sent++;
    if (r.reply?.status === 400) continue; // refused by the header codec (NUL, CR, LF)
    assert.equal(r.reply?.status, 401, `${name}: ${r.state}`);
    assert.match(r.json.code, /^ERR_[A-Z0-9_]+$/, name);
    const want = entry.target === 'compact' ? expected('compact', entry.file, 'parse_compact') : undefined;
    const transportable = /^[\x21-\x7e]+$/.test(token.toString('latin1')) && !token.includes(0x2c);
    if (want && want !== 'ok' && transportable) assert.equal(r.json.code, want, name);
  }
  assert.ok(sent > 0);
  assert.equal(trapped(e), false);
});

test('fuzz regression JWKS documents as filter configuration: accepted or rejected, no trap', () => {
  for (const entry of entries('jwks')) {
    const e = envoy({ providers: [inlineProvider(entry.bytes.toString('utf8'))] }, { workers: 1 });
    assert.equal(trapped(e), false, `jwks/${entry.file}: ${JSON.stringify(e.logs.slice(-2))}`);
    if (e.loadError === null) {
      const r = e.send({ headers: [['authorization', 'Bearer a.b.c']] });
      assert.equal(r.reply?.status, 401, `jwks/${entry.file}`);
    }
  }
});
