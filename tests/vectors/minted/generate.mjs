// Mints the panva `jose` cases of tokens.json with the TEST keys created by generate.py
// (run that first). Usage, from this folder: `npm ci && node generate.mjs`.
//
// Only cases with "minted_by": "jose" are replaced; PS*/ES* tokens (randomised signatures) are
// kept while their header and claims are unchanged, so regeneration leaves `git diff` empty.
import { readFileSync, writeFileSync } from 'node:fs'
import { SignJWT, importPKCS8, base64url } from 'jose'

const here = new URL('.', import.meta.url)
const path = new URL('tokens.json', here)
const doc = JSON.parse(readFileSync(path, 'utf8'))
const claims = doc.claims

const pem = (name) => readFileSync(new URL(`keys/${name}.pem`, here), 'utf8')
const key = (name, alg) => importPKCS8(pem(name), alg)

async function mint(alg, keyName, kid) {
  const header = kid ? { alg, kid } : { alg }
  return new SignJWT(claims).setProtectedHeader(header).sign(await key(keyName, alg))
}

function tamper(token) {
  const [h, p, s] = token.split('.')
  const c = JSON.parse(new TextDecoder().decode(base64url.decode(p)))
  c.sub = `${c.sub}-admin`
  return [h, base64url.encode(JSON.stringify(c)), s].join('.')
}

const cases = []
const add = (id, alg, token, expect, note) =>
  cases.push({ id: `jose-${id}`, minted_by: 'jose', alg, token, expect, note })
const valid = (kid) => ({ valid: true, kid })
const invalid = (code) => ({ valid: false, code })

const pairs = [
  ['RS256', 'rsa-rs256'], ['RS384', 'rsa-any'], ['RS512', 'rsa-any'], ['PS256', 'rsa-any'],
  ['PS384', 'rsa-any'], ['PS512', 'rsa-any'], ['ES256', 'p256'], ['ES384', 'p384'],
  ['ES512', 'p521'], ['EdDSA', 'ed25519'],
]
for (const [alg, k] of pairs) {
  add(alg.toLowerCase(), alg, await mint(alg, k, k), valid(k), `${alg} signed with the ${k} key, kid in the header`)
}
add('ps256-no-kid', 'PS256', await mint('PS256', 'rsa-any', null), valid('rsa-any'),
  'no kid: every compatible key is tried')
add('eddsa-wrong-key', 'EdDSA', await mint('EdDSA', 'attacker-ed25519', 'ed25519'),
  invalid('ERR_JWS_SIGNATURE_INVALID'), 'EdDSA signed by an unpublished key, claiming the published kid')
add('ps384-wrong-key', 'PS384', await mint('PS384', 'attacker-rsa', 'rsa-any'),
  invalid('ERR_JWS_SIGNATURE_INVALID'), 'PS384 signed by an unpublished key, claiming the published kid')
add('es512-tampered', 'ES512', tamper(await mint('ES512', 'p521', 'p521')),
  invalid('ERR_JWS_SIGNATURE_INVALID'), 'ES512 token with sub changed after signing')
add('eddsa-tampered', 'EdDSA', tamper(await mint('EdDSA', 'ed25519', 'ed25519')),
  invalid('ERR_JWS_SIGNATURE_INVALID'), 'EdDSA token with sub changed after signing')
add('ps256-kid-of-rs256-key', 'PS256', await mint('PS256', 'rsa-rs256', 'rsa-rs256'),
  invalid('ERR_JWK_ALG_MISMATCH'), 'PS256 signed by the key whose JWK says alg RS256')
add('eddsa-kid-of-p256-key', 'EdDSA', await mint('EdDSA', 'ed25519', 'p256'),
  invalid('ERR_JWK_ALG_MISMATCH'), 'EdDSA token naming the P-256 key (JWK alg ES256)')
add('es256-kid-not-found', 'ES256', await mint('ES256', 'p256', 'rotated-away'),
  invalid('ERR_JWKS_NO_MATCHING_KEY'), 'kid not in the JWKS: no fallback')

// Header and claims of a token as canonical JSON (signature excluded).
const headerClaims = (t) =>
  JSON.stringify(t.split('.').slice(0, 2).map((s) => JSON.parse(new TextDecoder().decode(base64url.decode(s)))))
const old = new Map(doc.cases.map((c) => [c.id, c]))
for (const c of cases) {
  const prev = old.get(c.id)
  if (prev && /^(PS|ES)/.test(c.alg) && headerClaims(prev.token) === headerClaims(c.token)) {
    c.token = prev.token
  }
}
doc.cases = doc.cases.filter((c) => c.minted_by !== 'jose').concat(cases).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
writeFileSync(path, JSON.stringify(doc, null, 2) + '\n')
