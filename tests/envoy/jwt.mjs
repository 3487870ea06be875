// Test identities minted with Node's built-in crypto (no network, no third-party JWT library):
// key pairs, JWKS documents and Nomad-shaped workload-identity tokens.

import { generateKeyPairSync, createSign, sign as edSign, createHash } from 'node:crypto';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

/** A key pair with its public JWK. `alg`: RS256 | ES256 | EdDSA. */
export function keyPair(alg = 'ES256', kid = `${alg.toLowerCase()}-1`) {
  let pair;
  if (alg === 'RS256') pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'EdDSA') pair = generateKeyPairSync('ed25519');
  else throw new Error(`unsupported alg ${alg}`);
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' });
  return { alg, kid, privateKey: pair.privateKey, jwk, pem };
}

/** A JWKS document for these key pairs. */
export function jwks(...pairs) {
  return { keys: pairs.map((p) => p.jwk) };
}

/** Signs `claims` (header `typ: JWT`, `kid` unless `kid: null`). */
export function mint(pair, claims, { kid = pair.kid, header = {} } = {}) {
  const h = { alg: pair.alg, typ: 'JWT', ...(kid === null ? {} : { kid }), ...header };
  const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(claims))}`;
  let sig;
  if (pair.alg === 'RS256') sig = createSign('SHA256').update(input).sign(pair.privateKey);
  else if (pair.alg === 'ES256') sig = createSign('SHA256').update(input).sign({ key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
  else sig = edSign(null, Buffer.from(input), pair.privateKey);
  return `${input}.${b64u(sig)}`;
}

/** Claims shaped like a Nomad workload identity for job `mongo` in namespace `default`. */
export function nomadClaims(nowS, overrides = {}) {
  return {
    iss: 'https://nomad.example:4646',
    aud: ['vault.io'],
    sub: 'global:default:mongo:db:mongo:default',
    iat: nowS,
    nbf: nowS,
    exp: nowS + 3600,
    jti: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16),
    nomad_namespace: 'default',
    nomad_job_id: 'mongo',
    nomad_allocation_id: '5b2f5c34-0000-4000-8000-000000000001',
    nomad_task: 'mongo',
    ...overrides,
  };
}
