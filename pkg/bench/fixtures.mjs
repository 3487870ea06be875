// The token every Node benchmark verifies: a Nomad-shaped workload identity signed with a fresh
// node:crypto key (RS256 / PS256 = RSA 2048, ES256 / ES384 / ES512 = P-256 / P-384 / P-521,
// EdDSA = Ed25519) by jose, valid for
// an hour from now, with its one-key JWKS. Shared by verify.mjs and overhead.mjs so both time the
// same work.
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';

/** Issuer and audience the fixtures carry and the verifiers require. */
export const ISS = 'https://nomad.example.com';
export const AUD = 'vault.io';
/** The signing instant (Unix seconds). */
export const now = Math.floor(Date.now() / 1000);

const generate = {
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
};

/** `{ alg, token, jwk, jwks, jwksText, pem }` for one algorithm. */
export async function fixture(alg) {
  const { publicKey, privateKey } = generate[alg]();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: `bench-${alg}`, alg, use: 'sig' };
  const claims = {
    sub: 'global:default:mongo:db:mongo:vault_default',
    nomad_namespace: 'default',
    nomad_job_id: 'mongo',
    nomad_allocation_id: '5a1e3c52-5f5e-4a5b-8c1e-0d9c6f1a2b3c',
    nomad_task: 'mongo',
  };
  const token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(ISS)
    .setAudience(AUD)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 3600)
    .setJti('0b0d5b8a-6e1d-4b3a-9f2e-7c4d1a2b3c4d')
    .sign(privateKey);
  const jwks = { keys: [jwk] };
  return { alg, token, jwk, jwks, jwksText: JSON.stringify(jwks), pem: publicKey.export({ format: 'pem', type: 'spki' }) };
}
