// Types for the jwtgate package (Node and browser entries share one API).
import type { Code } from './dist/codes.js';

export type { Code };
/** Every error code, keyed without the `ERR_` prefix: `codes.JWT_EXPIRED === 'ERR_JWT_EXPIRED'`. */
export declare const codes: typeof import('./dist/codes.js').codes;

/** The one error class every function throws. */
export declare class JwtgateError extends Error {
  name: 'JwtgateError';
  /** Stable machine code from the Rust core. */
  code: Code;
  /** The claim a claim check failed on (`exp`, `aud`, `/nomad_namespace`, ...). */
  claim?: string;
  /**
   * Claim failures: what the configuration expects, as data (`["vault.io"]` for an audience,
   * `{ exp, leeway }` for expiry, `"string"` for a type). `message` keeps the human text.
   */
  expected?: JsonValue;
  /** Claim failures: what the token has (`{ now }` for the time checks); absent when it has none. */
  actual?: JsonValue;
  /**
   * Claim failures after a verified signature: the token's claims (as jose's
   * `JWTClaimValidationFailed.payload`), e.g. to log the rejected `sub`.
   */
  payload?: Record<string, unknown>;
  /** Every check that ran, when a verification failed. */
  report?: Report;
  /**
   * `ERR_INTERNAL` only: what the wasm module threw (a trap such as `RangeError` or
   * `WebAssembly.RuntimeError`). The engine was restarted; later calls work.
   */
  cause?: unknown;
}

/** A value JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Whole Unix seconds, or a Date. */
export type Instant = number | Date;

export type Algorithm =
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA';

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}
export interface Jwks {
  keys: Jwk[];
}

/** How one check ended: `skip` = not checked (the message says why), `info` = a note. */
export type Outcome = 'pass' | 'fail' | 'skip' | 'info';

/** One step of a report, in order (src/report.rs `Check`). */
export interface Check {
  /** Stable check id: `signature`, `exp`, `bound_claims./nomad_namespace`, `aws.aud`, ... */
  id: string;
  outcome: Outcome;
  /** The error code, on a failed check. */
  code?: Code;
  /** What was checked and what was found, in words. */
  message: string;
  /** What the configuration expected, rendered for display. */
  expected?: string;
  /** What the token (or request) had, rendered for display. */
  actual?: string;
}
/** Every check a verification ran, in order. */
export interface Report {
  checks: Check[];
}

export interface Limits {
  maxTokenLen?: number;
  maxHeaderLen?: number;
  maxJsonDepth?: number;
  maxClaims?: number;
  maxJwksKeys?: number;
  maxDocumentLen?: number;
  minRsaBits?: number;
  maxRsaBits?: number;
}

/** A Vault JWT-auth role exactly as written to `auth/<mount>/role/<name>`. */
export type VaultRole = Record<string, unknown>;
/** A Vault JWT auth method config (`bound_issuer`, `jwt_supported_algs`, ...). */
export type VaultConfig = Record<string, unknown>;

export interface VerifyOptions {
  /** A JWKS, as an object or JSON text. */
  jwks?: Jwks | string;
  /** PEM public keys / certificates (Vault's `jwt_validation_pubkeys`). */
  keys?: string | string[];
  /** Accepted `iss` values (any of). */
  issuer?: string | string[];
  /** Any of these must be in `aud`. */
  audience?: string | string[];
  subject?: string;
  algorithms?: Algorithm[] | Algorithm;
  /** Claims that must be present (default `['exp']` in the standard profile). */
  requiredClaims?: string[];
  /** Seconds of clock skew allowed (standard profile). */
  clockTolerance?: number;
  /** Evaluation time; default: now. */
  now?: Instant;
  /** A Vault role: switches to Vault's JWT-auth semantics. */
  role?: VaultRole;
  /** The role's name (Vault adds it to alias metadata as `role`). */
  roleName?: string;
  config?: VaultConfig;
  limits?: Limits;
  /** Verified-token cache entries per verifier (default 1000; 0 disables). */
  cacheSize?: number;
  /**
   * Bound on the verifier's cached answers in bytes (default `DEFAULT_CACHE_BYTES`, 8 MiB; 0
   * disables). Granted from a process-wide `TOTAL_CACHE_BYTES`: a verifier made when the total
   * is spent gets less (see `cacheStats().maxBytes`). `verify()`'s pooled verifiers get at
   * most 2 MiB each.
   */
  cacheBytes?: number;
  /**
   * Where RSA signatures (RS256 to PS512) get `s^e mod n`: `'auto'` (default) uses Node's OpenSSL
   * (`crypto.publicDecrypt` with `RSA_NO_PADDING`) from the Node entry and the module's own
   * arithmetic elsewhere; `'wasm'` always uses the module's own (what browsers and the Envoy
   * filter run). The padding, signature length and `s < n` are checked by the engine either way,
   * so both accept exactly the same tokens.
   */
  rsaPrimitive?: 'auto' | 'wasm';
}

export interface KeyInfo {
  kid?: string;
  alg?: Algorithm;
  kty: string;
  thumbprint: string;
}

export interface Alias {
  name: string;
  metadata: Record<string, string>;
  groups: string[];
}

/** The claims of a token: what `verify<P>()` types `payload` as by default. */
export type Claims = Record<string, unknown>;

/**
 * A verified token. `P` is the payload's type as the caller knows it (not checked at run time
 * beyond what the options ask for): `verify<{ nomad_job_id: string }>(token, options)`.
 */
export interface Verified<P = Claims> {
  header: Record<string, unknown>;
  payload: P;
  key: KeyInfo;
  /** Present with Vault semantics. */
  alias?: Alias;
  report: Report;
}

/** One note of `inspect`: what it tolerated, or what looks wrong. */
export interface InspectNote {
  code: string;
  message: string;
}

/** One dot-separated segment as `inspect` found it. */
export interface InspectedSegment {
  name: string;
  text: string;
  start: number;
  end: number;
  decoded_len: number | null;
  status: 'ok' | 'tolerated' | 'empty' | 'invalid' | 'extra';
  message: string | null;
}

/** The unverified, tolerant decode. It never says a token is valid. */
export interface Inspected {
  notice: string;
  token: string;
  header: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  header_text: string | null;
  payload_text: string | null;
  signature: string | null;
  segments: InspectedSegment[];
  tolerated: InspectNote[];
  warnings: InspectNote[];
  /** What the strict parser says about the cleaned token (null when it parses). */
  strict_error: { code: Code; message: string } | null;
}

export type AuthorizeRequest = { path: string; capability: string } | { method: string; path: string };
export type PolicyInput = string | { name?: string; text: string };

export interface AuthorizeOptions extends VerifyOptions {
  policies: PolicyInput | PolicyInput[];
  /** The JWT auth mount accessor the templates name (`auth_jwt_…` or the literal placeholder). */
  accessor?: string;
  request: AuthorizeRequest;
  entity?: Record<string, unknown>;
  /** What the issuer's claims determine, for the login-order note (as `analyzeLoginOrder`'s). */
  knowledge?: LoginOrderKnowledge;
}

/** A Vault capability, as policies write it. */
export type Capability =
  | 'deny' | 'sudo' | 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'subscribe' | 'recover';
/** A request operation (Vault's `logical.Operation`). */
export type Operation =
  | 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'recover' | 'revoke' | 'renew' | 'rollback'
  | 'help' | 'subscribe';

/** The request as it was evaluated (leading `/` stripped). */
export interface EvaluatedRequest {
  path: string;
  operation: Operation;
  /** A write that may create the secret needs `create` as well as `update`. */
  alsoCreate: boolean;
  /** The path is root-protected: `sudo` is needed too. */
  sudoRequired: boolean;
  /** Requested response-wrapping TTL in seconds, if any. */
  wrapTtl: number | null;
  note: string | null;
  /** Request parameters, when given (checked against allowed/denied/required parameters). */
  data?: Record<string, unknown>;
}

/** How one policy's path block contributed to a merged rule. */
export interface RuleSource {
  policy: string;
  /** The path as written (templates unrendered). */
  path: string;
  capabilities: Capability[];
  /** `merged`, `ignored` (an earlier `deny` on the same path wins) or `denied` (this `deny` replaced the rest). */
  effect: 'merged' | 'ignored' | 'denied';
}

/** One merged ACL rule. */
export interface Rule {
  /** The rule as written (`secret/*`, `kv/+/data`, `secret/foo`). */
  pattern: string;
  kind: 'exact' | 'prefix' | 'segment-wildcard';
  capabilities: Capability[];
  sources: RuleSource[];
  minWrappingTtl?: number;
  maxWrappingTtl?: number;
  requiredParameters?: string[];
  allowedParameters?: Record<string, unknown[]>;
  deniedParameters?: Record<string, unknown[]>;
  mfaMethods?: string[];
  controlGroup?: boolean;
}

/** A rule that matched but did not decide, and why. */
export interface OtherRule {
  rule: Rule;
  /** `exact-wins`, `not-longest-prefix`, `list-resolution`, `priority-*`. */
  reason: string;
  message: string;
}

/** A templated path block dropped because its template could not be rendered. */
export interface DroppedPath {
  policy: string;
  /** The path as written. */
  path: string;
  /** The directive that failed, empty when the whole path was refused. */
  directive: string;
  /** Vault's error text. */
  reason: string;
  /** The structured error (which accessor or value). */
  error?: Record<string, unknown>;
  /** What to do about it. */
  hint: string;
}

/** One path block after rendering for the token's alias. */
export interface RenderedPath {
  policy: string;
  /** The path as written. */
  path: string;
  /** The rendered path; null when the block was dropped (see `dropped`). */
  rendered: string | null;
  capabilities: Capability[];
}

/** `renderPolicies`: the templated paths rendered for the token's alias (no decision). */
export interface RenderedPolicies {
  rendered: RenderedPath[];
  dropped: DroppedPath[];
  alias: Alias;
  /** Present when the rendered paths are this token's only while it logged in last. */
  loginOrder?: LoginOrderNote;
}

/** The authorization report: the decision and every step. A denial is a result. */
export interface AuthorizeReport {
  allowed: boolean;
  decision: 'allowed' | 'denied';
  request: EvaluatedRequest;
  /** The capability the operation needs (null for `help`). */
  capability: Capability | null;
  /** How the deciding rule was found. */
  via: 'root' | 'help' | 'exact' | 'exact-list-retry' | 'non-exact-list' | 'non-exact' | 'no-match';
  /** The deciding rule, if any matched. */
  winner: Rule | null;
  /** Rules that also matched, and why they lost. */
  others: OtherRule[];
  /** Templated paths dropped while rendering. */
  dropped: DroppedPath[];
  /** The policies considered. */
  policies: string[];
  /** What the reader must know (offline limits, create-vs-update, sudo, ...). */
  notes: string[];
  /** Every step of the decision, in order. */
  steps: Check[];
  /** The templated paths as rendered for this alias (computed when first read). */
  rendered: RenderedPath[];
  /** The entity alias Vault would create or update at login. */
  alias: Alias;
  /** The token's verification, every check. */
  verification: Report;
  /**
   * Present when the setup has login-order hazards (answers that can depend on who logged in
   * last with the same entity alias): the hazards, the verified fix and, when this answer
   * (allowed or denied) does depend on it, `depends`. Absent when the setup has no hazard.
   */
  loginOrder?: LoginOrderNote;
}

/** One condition of a trust-policy statement, as evaluated. */
export interface TrustCondition {
  condition: {
    /** As written: `StringEquals`, `ForAnyValue:StringLike`, ... */
    operator: string;
    /** The operator without qualifier or `IfExists`. */
    base: string;
    qualifier: 'None' | 'ForAnyValue' | 'ForAllValues';
    ifExists: boolean;
    /** The condition key (`<provider>:aud`, `<provider>:sub`, ...). */
    key: string;
    values: string[];
  };
  /** The values the request carries for the key (null when it carries none). */
  requestValues: string[] | null;
  holds: boolean;
  explanation: string;
}

/** One trust-policy statement, as evaluated. */
export interface TrustStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  actionMatches: boolean;
  principalMatches: boolean;
  principals: string[];
  conditions: TrustCondition[];
  /** The action and principal match and every condition holds. */
  applies: boolean;
}

/** The role's trust policy evaluated against the token (STS's policy step). */
export interface TrustReport {
  /** Whether the role may be assumed (the preflight aside). */
  allowed: boolean;
  decision: 'allowed' | 'explicit-deny' | 'implicit-deny';
  /** The provider ARN the statements must name (`<account>` when no account id was given). */
  providerArn: string;
  statements: TrustStatement[];
  steps: Check[];
}

/**
 * `evaluateTrustPolicy`: what STS would decide for AssumeRoleWithWebIdentity. Without keys the
 * signature is not verified (a `signature` step says so, outcome `skip`).
 */
export interface TrustPolicyResult<P = Claims> {
  /** The preflight passed and, with a trust policy, it allows. */
  allowed: boolean;
  /** STS's token checks before the role (provider URL, length, alg, iss, aud, exp). */
  preflight: Check[];
  /** The trust policy's evaluation; null without a trust policy. */
  trust: TrustReport | null;
  /** Every step: the signature (verified or skipped), the preflight, the trust policy. */
  steps: Check[];
  /** The token's claims. */
  payload: P;
}

export interface TrustPolicyOptions extends VerifyOptions {
  /** The IAM OIDC provider URL (https, no port). */
  providerUrl: string;
  clientIds?: string[];
  /** 12-digit AWS account id of the provider ARN (any account when absent). */
  accountId?: string;
  /** The role's trust policy, as an object or JSON text. */
  trustPolicy?: Record<string, unknown> | string;
}

export interface Verifier {
  verify<P = Claims>(token: string, options?: { now?: Instant }): Verified<P>;
  authorize(
    token: string,
    options: {
      policies: PolicyInput | PolicyInput[];
      accessor?: string;
      request: AuthorizeRequest;
      now?: Instant;
      entity?: Record<string, unknown>;
      knowledge?: LoginOrderKnowledge;
    },
  ): AuthorizeReport;
  /** Verifies `token` and renders `policies` for its alias (no decision). */
  renderPolicies(
    token: string,
    options: { policies: PolicyInput | PolicyInput[]; accessor?: string; now?: Instant; entity?: Record<string, unknown>; knowledge?: LoginOrderKnowledge },
  ): RenderedPolicies;
  cacheStats(): CacheStats;
  /** Releases the verifier's wasm memory and cache grant now; later calls throw. */
  free(): void;
}

export interface CacheStats {
  /** Entries cached. */
  len: number;
  /** Bound on `len` (`cacheSize`). */
  capacity: number;
  hits: number;
  misses: number;
  /** Weight of the cached answers, in bytes. */
  bytes: number;
  /** Bound on `bytes`: this verifier's grant of `cacheBytes`. */
  maxBytes: number;
}

/** Default `cacheBytes` of a verifier: 8 MiB. */
export declare const DEFAULT_CACHE_BYTES: number;
/** Bound on the cache grants of all live verifiers together (64 MiB). */
export declare const TOTAL_CACHE_BYTES: number;

export interface MintOptions {
  alg?: 'EdDSA' | 'RS256';
  region?: string;
  namespace?: string;
  job?: string;
  group?: string;
  task?: string | null;
  service?: string;
  identity?: string;
  audience?: string | string[];
  issuer?: string;
  /** Seconds; 0 or absent-with-null gives no `exp` (like Nomad's default identity). */
  ttl?: number | null;
  now?: Instant;
  vaultRole?: string;
  vaultNamespace?: string;
  extraClaims?: Record<string, string>;
  kid?: string;
}
export interface Minted {
  token: string;
  jwks: Jwks;
  /** Test material only. */
  privateJwk: Jwk;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * How keys are fetched (`fetchJwks`, `discover`, `createRemoteVerifier`). Every member is
 * checked: a wrong type, a negative duration or an unknown name throws `ERR_OPTIONS_INVALID`.
 */
export interface TransportOptions {
  /** ms, default 5000; each request is aborted after it (`ERR_FETCH_TIMEOUT`). */
  timeout?: number;
  /** Sent with every request, and part of the cache key: different headers never share keys. */
  headers?: Record<string, string> | Headers;
  /** A custom fetch (same signature as the global one). */
  fetch?: typeof fetch;
  /** Gives up waiting when it aborts (`ERR_FETCH_ABORTED`, `cause` = the signal's reason). */
  signal?: AbortSignal;
  /**
   * Follow redirects to another origin (scheme, host or port). Default false: such a redirect is
   * refused with `ERR_FETCH_FAILED`, since keys served from there would be trusted for this URL.
   * Same-origin redirects are always followed (at most 5).
   */
  allowCrossOriginRedirects?: boolean;
}

export interface FetchOptions extends TransportOptions {
  /** Refetch when the cached set lacks this kid (at most once per cooldown). */
  kid?: string;
  /** ms, default 30000. */
  cooldown?: number;
  /** ms, default 600000. */
  cacheMaxAge?: number;
  /** The current time for the cache, Unix seconds or a Date (as in `verify`); default now. */
  now?: Instant;
}

/**
 * `createRemoteVerifier` options: the `verify` options (except `jwks`, `keys` and `now`), where
 * the keys come from, and how they are fetched. Checked at once (`ERR_OPTIONS_INVALID`).
 */
export interface RemoteVerifierOptions extends Omit<VerifyOptions, 'jwks' | 'keys' | 'now'>, TransportOptions {
  /** The JWKS URL. Without it, `issuer` (one URL string) is used for OIDC discovery. */
  jwksUrl?: string;
  /** ms between an unknown-`kid` refetch and the previous fetch or refetch; default 30000. */
  cooldown?: number;
  /** ms keys stay fresh; default 600000. */
  cacheMaxAge?: number;
  /** ms stale keys are still served (while refreshing, or while the issuer fails); default 3600000. */
  maxStale?: number;
  /** The key lifecycle's clock in ms (default `Date.now`); for tests. */
  clock?: () => number;
}

export interface RemoteVerifier {
  /**
   * Verifies `token`, fetching keys when there are none to serve and refetching once for an
   * unknown `kid` when the cooldown allows. `signal` stops waiting for keys (`ERR_FETCH_ABORTED`).
   */
  verify<P = Claims>(
    token: string,
    options?: { now?: Instant; signal?: AbortSignal },
  ): Promise<Verified<P>>;
  /** Stops fetching and releases the wasm memory; `verify` throws afterwards. */
  free(): void;
}

/** A verifier whose keys follow the issuer's rotations (like jose's `createRemoteJWKSet` + `jwtVerify`). */
export declare function createRemoteVerifier(options: RemoteVerifierOptions): RemoteVerifier;

/** A request as the gate reads it (the `:path` is the path and query). */
export interface GateRequest {
  /** Default `GET`. */
  method?: string;
  path: string;
  /** `[name, value]` pairs (names are lower-cased), an object, or a Headers. */
  headers?: Array<[string, string]> | Record<string, string> | Headers;
}

/** One check of the report (`checks`, `also_failing`). */
export interface GateCheck {
  id: string;
  outcome: 'pass' | 'fail' | 'skip' | 'info';
  code?: Code;
  message: string;
  expected?: string;
  actual?: string;
}

/**
 * The gate's answer: exactly what the Envoy filter does with the request, and why. Members that
 * do not apply are absent; `JSON.stringify` gives the Decision JSON every front end shares.
 */
export interface Decision {
  /** `allow` (verified and authorised), `deny` (a local reply), `pass` (let through without a
   * verified token: bypass, CORS preflight, allow_missing), `wait` (keys still missing). */
  verdict: 'allow' | 'deny' | 'pass' | 'wait';
  /** 200 when forwarded upstream, else the reply's status. Absent while waiting. */
  status?: number;
  code?: Code;
  message?: string;
  provider?: string;
  /** The local reply the proxy sends (deny). */
  reply?: { status: number; headers: Array<[string, string]>; body: string };
  /** The header edits and `:path` rewrite made before forwarding. */
  upstream?: { set?: Array<[string, string]>; remove?: string[]; path?: string };
  /** The verify report: every check, evaluated even after the first failure. */
  checks?: GateCheck[];
  /** The failing checks after the first (the first is the verdict). */
  also_failing?: GateCheck[];
  alias?: { name: string; metadata: Record<string, string>; groups?: string[] };
  /** The authorize report of the provider's Vault policies. */
  policies?: Record<string, unknown>;
  /** Present when this answer depends on login order: another login sharing the alias gets the other answer. */
  depends_on_login_order?: LoginOrderDependence;
  /** The provider's login-order hazards (security/reliability only), with every Vault policy answer. */
  login_order?: LoginOrderFinding[];
  /** The verified fix for `login_order`'s hazards, when one exists (only with `login_order`). */
  login_fix?: LoginOrderSuggestion;
}

export interface GateOptions {
  /** A custom fetch for remote keys (same signature as the global one). */
  fetch?: typeof fetch;
  /** Stops every fetch and wait of this gate (`ERR_FETCH_ABORTED`). */
  signal?: AbortSignal;
  /** Follow key-fetch redirects to another origin; default false (refused). */
  allowCrossOriginRedirects?: boolean;
}

export interface JwtGate {
  /**
   * The Decision for `request` at `now` (Unix seconds or a Date; default the current time),
   * fetching remote keys when the core waits for them. A denial is a Decision, not a throw.
   */
  decide(request: GateRequest, options?: { now?: Instant; signal?: AbortSignal }): Promise<Decision>;
  /** Stops fetching and releases the wasm memory; `decide` throws afterwards. */
  free(): void;
}

/**
 * A gate for a GateConfig (the Envoy plugin configuration, as an object or JSON text): the
 * decision the proxy would make, offline. Throws `ERR_OPTIONS_INVALID` for the options and the
 * core's code (`ERR_FILTER_CONFIG_INVALID`, naming a JSON pointer) for the configuration.
 */
export declare function createGate(config: Record<string, unknown> | string, options?: GateOptions): JwtGate;

/**
 * Where `init()`/`initMint()`/`initGate()` load their module from: a URL (what a bundler's asset import of
 * `jwtgate/jwtgate_bg.wasm` gives), a Request, a Response or a promise of one (`fetch(url)`),
 * the module's bytes, or a compiled module. Absent: the file next to the glue.
 */
export type InitInput =
  | string
  | URL
  | Request
  | Response
  | PromiseLike<Response>
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module;
/**
 * Loads the verifier module (browser entry; in Node it is loaded at import and this does
 * nothing). Until it resolves, every function throws `ERR_NOT_INITIALISED`; any other `input`
 * rejects with `ERR_OPTIONS_INVALID`.
 */
export declare function init(input?: InitInput): Promise<void>;
/**
 * Loads the test-identity module (`jwtgate/jwtgate_mint_bg.wasm`). Browsers call it once before
 * `mintTestIdentity`; Node loads it on first use, so there it is optional.
 */
export declare function initMint(input?: InitInput): Promise<void>;
/**
 * Loads the gate module (`jwtgate/jwtgate_gate_bg.wasm`) that `createGate` uses. Optional: Node
 * loads it on the first `createGate`, browsers on the first `decide` (from the file next to the
 * glue); call it with the asset URL when a bundler moved the file.
 */
export declare function initGate(input?: InitInput): Promise<void>;
export declare function inspect(token: string): Inspected;
/**
 * Verifies a token. The same options object (or an equal one) reuses its prepared verifier
 * without serialising the options again; a change to them since is always seen.
 */
export declare function verify<P = Claims>(token: string, options: VerifyOptions): Verified<P>;
export declare function createVerifier(options: Omit<VerifyOptions, 'now'>): Verifier;
export declare function authorize(token: string, options: AuthorizeOptions): AuthorizeReport;
export declare function renderPolicies(
  token: string,
  options: VerifyOptions & {
    policies: PolicyInput | PolicyInput[];
    accessor?: string;
    entity?: Record<string, unknown>;
    knowledge?: LoginOrderKnowledge;
  },
): RenderedPolicies;
export declare function evaluateTrustPolicy<P = Claims>(token: string, options: TrustPolicyOptions): TrustPolicyResult<P>;
/** A least-privilege IAM trust policy for this token (`aud` = first client id, `sub` scoped to the Nomad job). */
export declare function suggestTrustPolicy(
  token: string,
  options: Pick<TrustPolicyOptions, 'providerUrl' | 'clientIds' | 'accountId'>,
): Record<string, unknown>;
export declare function jwksInfo(jwks: Jwks | string): { keys: KeyInfo[]; skipped: Array<Record<string, unknown>> };
export declare function jwksToPem(jwks: Jwks | string): {
  keys: Array<{ kid?: string; thumbprint: string; pem: string }>;
  skipped: Array<{ index: number; kid?: string; code: Code; message: string }>;
};
export declare function thumbprint(jwk: Jwk | string): string;
export declare function parseDiscovery(document: Record<string, unknown> | string, issuer: string): {
  issuer: string;
  jwksUri: string;
  algorithms?: string[];
};
export declare function mintTestIdentity(options?: MintOptions): Minted;
export declare function toSeconds(now?: Instant): number;
export declare function fetchJwks(url: string, options?: FetchOptions): Promise<Jwks>;
export declare function discover(
  issuer: string,
  options?: FetchOptions,
): Promise<{
  issuer: string;
  jwksUri: string;
  algorithms?: string[];
  unsupportedAlgorithms?: string[];
  warnings?: string[];
  document: Record<string, unknown>;
  jwks: Jwks;
}>;
/** Forgets cached JWKS: all, or every entry for `url` whatever its headers. */
export declare function clearJwksCache(url?: string): void;

/** What is known about the issuer's claims (login-order analysis). */
export interface LoginOrderKnowledge {
  issuer?: 'auto' | 'nomad' | 'generic';
  /** Nomad `vault.default_identity.extra_claims`: claim → template. */
  extraClaims?: Record<string, string>;
  /** claim → claims its value determines. */
  determines?: Record<string, string[]>;
  boundary?: string[];
  shared?: string[];
  mayBeEmpty?: string[];
}
export interface LoginOrderOptions {
  /** The Vault role (JSON text or object). */
  role: string | Record<string, unknown>;
  roleName?: string;
  policies: Array<{ name: string; text: string }> | Record<string, string>;
  knowledge?: LoginOrderKnowledge;
  accessor?: string;
  /** `"GET /v1/kv/data/x"`, `"read kv/data/x"` or `{ method | capability, path }`. */
  request?: string | { path: string; method?: string; capability?: string };
  now?: Instant;
  limits?: Record<string, number>;
}
export interface LoginOrderFinding {
  /** Stable: shared_alias_cross_workload, shared_alias_intermittent, groups_follow_last_login, user_claim_may_be_empty, identity_store_template, alias_metadata_unmapped, user_claim_shared. */
  code: string;
  severity: 'security' | 'reliability' | 'notice';
  policy?: string;
  path?: string;
  directive?: string;
  aliasKey?: string;
  sourceClaim?: string;
  message: string;
  example?: {
    aliasName: string;
    a: Record<string, unknown>;
    b: Record<string, unknown>;
    ownPath: string;
    pathAfterB: string;
    crosses: string[];
  };
}
export interface LoginOrderAnalysis {
  issuer: 'nomad' | 'generic';
  userClaim: string;
  determined: string[];
  directives: Array<Record<string, unknown>>;
  findings: LoginOrderFinding[];
  hazard: boolean;
}
export interface LoginOrderSuggestion {
  title: string;
  userClaim: string;
  role: Record<string, unknown>;
  extraClaims: Record<string, string>;
  nomadAgentConfig?: string;
  tradeoff: string;
  remaining: string[];
  verified: boolean;
}
/**
 * What a Vault policy verdict carries when its answer depends on login order (the core's
 * src/login_order/note.rs): the security and reliability findings and the first verified fix.
 */
export interface LoginOrderNote {
  hazards: LoginOrderFinding[];
  fix?: LoginOrderSuggestion;
  /**
   * Present when this answer depends on login order: another login with the same alias name,
   * its undetermined templated keys holding other values, gets the other answer
   * (src/login_order/depends.rs). Absent when every such login gets this answer.
   */
  depends?: LoginOrderDependence;
}
/** How one answer depends on login order (the mark beside the verdict). */
export interface LoginOrderDependence {
  /** This token's answer, as if it logged in last. */
  verdict: 'allowed' | 'denied';
  /** The answer after `login` logs in. */
  otherwise: 'allowed' | 'denied';
  /** That login's alias metadata where it differs; `null` = any value the request path does not name there. */
  login: Record<string, string | null>;
  /** False when jwtgate stopped before deciding every value such a login can give (taken as depending). */
  exact: boolean;
  /** In words, for the line beside the verdict. */
  message: string;
}
export type LoginStep =
  | string
  | { label?: string; token?: string; claims?: Record<string, unknown> }
  | { request: { token: string; path: string; operation: string } };
export interface LoginSimulation {
  steps: Array<{
    step: number;
    kind: 'login' | 'request';
    token: string;
    alias?: string;
    aliasMetadata: Record<string, string>;
    error?: { code: Code; message: string };
    decisions: Array<{
      token: string;
      alias: string;
      path: string;
      operation: string;
      decision: 'allowed' | 'denied';
      rule?: string;
      ifLast: 'allowed' | 'denied';
      metadataFrom: string;
      dependsOnOrder: boolean;
    }>;
  }>;
  aliases: Record<string, Record<string, string>>;
  notes: string[];
}
/** Templated policies whose answers depend on who logged in last, and the verified fix. */
export declare function analyzeLoginOrder(
  options: LoginOrderOptions,
): { analysis: LoginOrderAnalysis; suggestions: LoginOrderSuggestion[] };
/** Simulates logins in order (tokens decoded, not verified) and every token's answer after each. */
export declare function simulateLogins(
  tokens: LoginStep[],
  options: LoginOrderOptions,
): { analysis: LoginOrderAnalysis; suggestions: LoginOrderSuggestion[]; simulation: LoginSimulation; request?: Record<string, unknown> };
