// Cross-check against panva jose (an independent implementation): the same tokens, the same
// options, the same accept/reject answer. Where the answer differs on purpose, the case is listed
// with the reason (and the test fails if it stops differing).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { verify, mintTestIdentity, JwtgateError } from '../index.node.js';
import { RAW, loadKind, patched, signers } from './vectors.mjs';

const S = signers();

async function joseAccepts(token, jwks, o, now) {
  const set = jose.createLocalJWKSet(jwks);
  try {
    await jose.jwtVerify(token, set, {
      issuer: o.issuer,
      audience: o.audience,
      subject: o.subject,
      requiredClaims: o.requiredClaims ?? ['exp'],
      clockTolerance: o.clockTolerance ?? 0,
      currentDate: new Date(now * 1000),
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, code: e.code, message: e.message };
  }
}

function ours(token, jwks, o, now) {
  try {
    verify(token, { ...o, jwks, now });
    return { ok: true };
  } catch (e) {
    if (!(e instanceof JwtgateError)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

// Cases where jwtgate and jose answer differently on purpose: id → why.
const KNOWN = new Map([
  [
    'standard/claims.json#audience-array-non-string-member',
    'RFC 7519 §4.1.3 makes aud a string or an array of strings; jose only looks for the expected value among the members and ignores their types',
  ],
  [
    'standard/claims.json#audience-array-non-string-member-without-audience-option',
    'jwtgate checks the shape of aud even when no audience is expected (as for exp/nbf/iat); jose reads aud only to match an expected audience',
  ],
]);

test('standard vectors: jwtgate and jose agree on accept/reject', async () => {
  const disagreements = [];
  let n = 0;
  for (const [file, doc] of loadKind('standard')) {
    for (const c of doc.cases) {
      const o = patched(doc.defaults?.options ?? {}, c.options_patch);
      const now = c.now ?? doc.defaults?.now;
      const token = S.token(c.claims[RAW]);
      const a = ours(token, S.jwks, o, now);
      const b = await joseAccepts(token, S.jwks, o, now);
      n++;
      const id = `standard/${file}#${c.id}`;
      if (a.ok !== b.ok && !KNOWN.has(id)) disagreements.push(`${id}: jwtgate ${a.ok ? 'accepts' : `rejects (${a.code})`}, jose ${b.ok ? 'accepts' : `rejects (${b.code}: ${b.message})`}`);
      if (a.ok === b.ok && KNOWN.has(id)) disagreements.push(`${id}: listed as a known difference but both now agree`);
    }
  }
  assert.ok(n >= 30);
  assert.deepEqual(disagreements, []);
});

test('minted identities: valid in both; tampered, wrong-key, alg:none and expired rejected by both', async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const alg of ['EdDSA', 'RS256']) {
    const m = mintTestIdentity({ alg, audience: 'vault.io', ttl: 600, now });
    const o = { audience: 'vault.io' };
    assert.deepEqual([ours(m.token, m.jwks, o, now).ok, (await joseAccepts(m.token, m.jwks, o, now)).ok], [true, true], alg);

    const [h, p, sig] = m.token.split('.');
    const flipped = `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const other = mintTestIdentity({ alg, kid: m.header.kid }).jwks;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const cases = [
      ['tampered signature', flipped, m.jwks, now, 'ERR_JWS_SIGNATURE_INVALID'],
      ['another key, same kid', m.token, other, now, 'ERR_JWS_SIGNATURE_INVALID'],
      ['alg none', none, m.jwks, now, undefined],
      ['expired', m.token, m.jwks, now + 601, 'ERR_JWT_EXPIRED'],
      ['wrong audience', m.token, m.jwks, now, 'ERR_JWT_AUDIENCE_MISMATCH', { audience: 'aws' }],
    ];
    for (const [name, token, jwks, at, code, opts = o] of cases) {
      const a = ours(token, jwks, opts, at);
      const b = await joseAccepts(token, jwks, opts, at);
      assert.equal(a.ok, false, `${alg} ${name}: jwtgate accepted`);
      assert.equal(b.ok, false, `${alg} ${name}: jose accepted`);
      if (code) assert.equal(a.code, code, `${alg} ${name}`);
    }
  }
});

// Numbers in the claims come back as jose returns them (JSON.parse of the payload): read
// correctly rounded, not within one unit in the last place (serde_json's default, which gave
// 7.385800000000001e-25 for the first of these).
test('float claims come back as jose returns them', async () => {
  const literals = ['0.73858e-24', '1.2345678901234567890123', '5e-324', '1.7976931348623157e308', '0.1', '123456789012345678901234567890', '-2.5e-300', '9007199254740993'];
  const claims = `{"iss":"https://nomad.example.com","exp":4102444800,${literals.map((l, i) => `"n${i}":${l}`).join(',')}}`;
  const token = S.token(claims);
  const ourPayload = verify(token, { jwks: S.jwks, now: 1767225600 }).payload;
  const { payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(S.jwks), { currentDate: new Date(1767225600 * 1000) });
  for (let i = 0; i < literals.length; i++) {
    assert.equal(ourPayload[`n${i}`], payload[`n${i}`], literals[i]);
    assert.equal(ourPayload[`n${i}`], Number(literals[i]), literals[i]);
  }
});
