// Every recursive reader the filter reaches, at and beyond its fixed depth cap, through the built
// filter: the cases of tests/vectors/limits/max-depth.json (also run natively on a 1 MiB stack by
// tests/limits.rs and through the npm build by pkg/test/limits-max.test.mjs), with `limits` raised
// far above the caps in the plugin configuration. Tokens end in a 401 with the vector's code and
// configurations in a refusal or a load, never a trap; the filter still answers afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envoy, inlineProvider, repoRoot, T0 } from './support.mjs';
import { keyPair, jwks, mint, nomadClaims } from './jwt.mjs';

const vectors = JSON.parse(readFileSync(join(repoRoot, 'tests/vectors/limits/max-depth.json'), 'utf8'));
const limits = vectors.limits;
const ED = keyPair('EdDSA', 'ed');
const good = mint(ED, nomadClaims(T0));
const build = (c) => c.before + c.open.repeat(Number(c.repeat)) + c.inner + c.close.repeat(Number(c.repeat)) + c.after;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');
const unsigned = (header, claims) => `${b64(header)}.${b64(claims)}.c2ln`;
const auth = (t) => [['authorization', `Bearer ${t}`]];

// The configuration as text, so a document nested 100,000 deep is spliced in as written.
const providerText = (extra, audiences = ',"audiences":["vault.io"]') =>
  `{"name":"nomad","issuer":"https://nomad.example:4646"${audiences}${extra}}`;
const configText = (provider) => `{"providers":[${provider}],"limits":${JSON.stringify(limits)}}`;
const withKeys = `,"jwks":${JSON.stringify(jwks(ED))}`;

// Envoy's codec refuses request headers past 60 KiB (431) before any filter runs.
const HEADER_LIMIT = 60 * 1024;
// The plugin configuration is itself one JSON document, read with the core's default depth
// (the limits it raises are inside it): a key set or role nested deeper is refused there.
const CONFIG_DEPTH = /nests deeper than|max_json_depth exceeded/;

// The documents the filter reads: tokens per request, keys and the Vault role and policies from
// its configuration. The auth-method config, the AWS trust policy and the npm-only readers are
// not part of the filter.
const READ = {
  claims: (text) => ({ config: configText(providerText(withKeys)), token: unsigned('{"alg":"EdDSA","kid":"ed"}', text) }),
  header: (text) => ({ config: configText(providerText(withKeys)), token: unsigned(text, '{}') }),
  jwks: (text) => ({ config: configText(providerText(`,"jwks":${text}`)) }),
  role: (text) => ({ config: configText(providerText(`${withKeys},"vault":{"role_name":"r","role":${text}}`, '')) }),
  policy: (text) => ({
    config: configText(
      providerText(
        `${withKeys},"vault":{"role_name":"r","role":{"role_type":"jwt","bound_audiences":["vault.io"],"user_claim":"sub"},"policies":[{"name":"p","policy":${JSON.stringify(text)}}]}`,
        '',
      ),
    ),
  }),
};

const cases = vectors.cases.filter((c) => READ[c.doc]);

test('the vectors cover every document kind the filter reads, with limits far above the caps', () => {
  assert.equal(limits.maxJsonDepth, 1_000_000_000);
  for (const kind of Object.keys(READ)) assert.ok(cases.some((c) => c.doc === kind), kind);
});

function assertAlive(e) {
  for (const wk of e.workers) assert.equal(wk.vm.failed, false, wk.vm.failure);
}

for (const c of cases) {
  test(`${c.id} (${c.doc}, ${c.repeat} levels)`, () => {
    const { config, token } = READ[c.doc](build(c));
    const e = envoy(config, { workers: 1 });
    const refusal = e.logsMatching(/^jwtgate: rejecting plugin configuration: /).map((l) => l.msg).join('\n');
    if (token === undefined) {
      // A configuration document: loaded, or refused with one line; never a trap.
      if (c.expect === 'within') {
        // At the cap: not refused for its nesting by the reader under test (the configuration
        // document's own depth bound, or another typed refusal, is fine).
        if (!e.loaded) assert.ok(!refusal.includes('jwtgate\'s fixed cap') || CONFIG_DEPTH.test(refusal), refusal);
      } else {
        assert.equal(e.loaded, false, `${c.id}: accepted`);
        assert.ok(refusal.includes(c.expect.message_contains) || CONFIG_DEPTH.test(refusal), refusal);
      }
      if (e.loaded) {
        assertAlive(e);
        assert.ok(e.send({ path: '/v1/x', headers: auth(good) }).state !== 'paused');
      }
      return;
    }
    assert.equal(e.loaded, true, refusal);
    const r = e.send({ path: '/v1/x', headers: auth(token) });
    if (token.length > HEADER_LIMIT) {
      assert.equal(r.reply?.status, 431, `${c.id}: ${r.state}`);
      assertAlive(e);
      return;
    }
    assert.equal(r.reply?.status, 401, `${c.id}: ${r.state}`);
    if (c.expect === 'within') assert.notEqual(r.json.code, 'ERR_LIMIT_EXCEEDED', r.json.message);
    else {
      assert.equal(r.json.code, c.expect.code, r.json.message);
      assert.ok(r.json.message.includes(c.expect.message_contains), r.json.message);
    }
    assertAlive(e);
    assert.equal(e.send({ path: '/v1/x', headers: auth(good) }).state, 'continued');
  });
}
