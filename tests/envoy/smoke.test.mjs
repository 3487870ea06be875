import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoy, inlineProvider } from './support.mjs';
import { keyPair, jwks } from './jwt.mjs';

test('loads, configures the canary and two workers, answers 401 without a token', () => {
  const e = envoy({ providers: [inlineProvider(jwks(keyPair('EdDSA', 'ed')))] });
  assert.equal(e.loadError, null);
  assert.ok(e.loaded);
  const r = e.send({ path: '/v1/kv/data/x' });
  assert.equal(r.reply?.status, 401, JSON.stringify(e.logs));
  assert.equal(r.replyHeader('www-authenticate'), 'Bearer realm="jwtgate"');
  assert.deepEqual(r.json, { code: 'ERR_TOKEN_MISSING', message: 'token is missing' });
  assert.deepEqual(e.unexpectedHostcalls, []);
});
