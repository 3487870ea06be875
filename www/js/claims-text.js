// Words shown next to claims. Display copy only: whether a claim is valid is decided by the engine.
// Nomad facts from Nomad's workload-identity implementation (nomad/structs/workload_id.go); they
// are shown only for Nomad-shaped tokens (issuer.js), other tokens get RFC 7519/7515 wording.

/** Header parameters for any issuer (RFC 7515). */
export const RFC_HEADER_TEXT = {
  alg: 'Signature algorithm (RFC 7515). Vault and AWS accept only asymmetric algorithms (RS*, PS*, ES*, EdDSA for Vault; RS256 and ES* for AWS custom providers).',
  kid: 'Key ID: which key in the issuer\'s JWKS signed this token.',
  typ: 'Media type of the token, usually "JWT".',
  cty: 'Content type of the payload.',
  jku: 'URL of a JWKS named by the token itself. Never trusted for key selection.',
  x5c: 'Certificate chain embedded in the token. Never trusted for key selection.',
  crit: 'Header extensions the verifier must understand, or reject the token.',
  b64: 'RFC 7797 unencoded payload flag; only the default (true) is accepted.',
};

/** Registered claims for any issuer (RFC 7519). */
export const RFC_CLAIM_TEXT = {
  iss: 'Issuer (RFC 7519). Vault compares it with bound_issuer; AWS looks up the IAM OIDC provider by it (exact string match).',
  sub: 'Subject: the workload or principal the token is about.',
  aud: 'Audience: who the token is for. Vault checks bound_audiences; AWS checks the provider\'s client IDs.',
  exp: 'Expiry time (Unix seconds).',
  nbf: 'Not-before time (Unix seconds).',
  iat: 'Issued-at time (Unix seconds).',
  jti: 'Unique token ID.',
  azp: 'Authorized party (OIDC): the client the token was issued to.',
  email: 'E-mail address of the principal (OIDC).',
  email_verified: 'Whether the issuer verified the e-mail address (OIDC).',
  repository: 'GitHub Actions: the owner/repository the workflow ran in.',
  ref: 'GitHub Actions: the git ref the workflow ran for.',
  job_workflow_ref: 'GitHub Actions: the reusable workflow file and ref.',
  'kubernetes.io': 'Kubernetes: namespace, service account and pod the token is bound to.',
};

/** The words for claim `k` of a token from `issuer` (issuer.js id). */
export function claimText(k, issuer) {
  if (issuer === 'nomad') return CLAIM_TEXT[k] ?? (k.startsWith('nomad_') ? 'Nomad workload claim.' : RFC_CLAIM_TEXT[k] ?? '');
  return RFC_CLAIM_TEXT[k] ?? '';
}

/** The words for header parameter `k` of a token from `issuer`. */
export function headerText(k, issuer) {
  return (issuer === 'nomad' ? HEADER_TEXT[k] : null) ?? RFC_HEADER_TEXT[k] ?? '';
}

/** Header parameters, Nomad's wording. */
export const HEADER_TEXT = {
  alg: 'Signature algorithm. Nomad signs with RS256 (keys created by Nomad 1.7+) or EdDSA (older keys; AWS rejects EdDSA).',
  kid: 'Key ID: which key in the issuer\'s JWKS signed this token. For Nomad, the root keyring key ID.',
  typ: 'Media type of the token; Nomad sets "JWT".',
  cty: 'Content type of the payload.',
  jku: 'URL of a JWKS named by the token itself. Never trusted for key selection.',
  x5c: 'Certificate chain embedded in the token. Never trusted for key selection.',
  crit: 'Header extensions the verifier must understand, or reject the token.',
  b64: 'RFC 7797 unencoded payload flag; only the default (true) is accepted.',
};

/** Registered and Nomad-specific claims, Nomad's wording. */
export const CLAIM_TEXT = {
  iss: 'Issuer. Nomad sets it only when the server\'s oidc_issuer is configured. Vault compares it with bound_issuer; AWS looks up the IAM OIDC provider by it (exact string match).',
  sub: 'Subject. For Nomad workloads: region:namespace:job:group:task-or-service:identity.',
  aud: 'Audience: who the token is for. Nomad sets the identity\'s aud list (default identity: "nomadproject.io"). Vault checks bound_audiences; AWS checks the provider\'s client IDs.',
  exp: 'Expiry time (Unix seconds). Nomad sets it only when the identity has a ttl; the default identity has none.',
  nbf: 'Not-before time (Unix seconds). Nomad sets it to the issue time.',
  iat: 'Issued-at time (Unix seconds).',
  jti: 'Unique token ID (Nomad: a random UUID per token).',
  nomad_namespace: 'Nomad namespace of the allocation. Often bound in Vault roles and used in policy templates.',
  nomad_job_id: 'Job ID. For dispatched (parameterized) and periodic jobs this is the parent job\'s ID, not the child\'s.',
  nomad_allocation_id: 'Allocation ID the identity was issued to.',
  nomad_task: 'Task name (task identities only; absent for service identities).',
  nomad_service: 'Service name (service identities only).',
  nomad_node_pool: 'Node pool (node identities only).',
  vault_namespace: 'Vault namespace from the job\'s vault block.',
  vault_role: 'Vault role from the jobspec\'s vault.role (absent when inherited from the agent\'s config).',
  consul_namespace: 'Consul namespace (Consul identities).',
  extra_claims: 'Extra claims from the jobspec or namespace configuration: an object of strings. Vault reaches them with JSON pointers such as /extra_claims/<name>.',
};

/** Labels for the six parts of a Nomad workload `sub`. */
export const NOMAD_SUB_PARTS = ['region', 'namespace', 'job', 'group', 'task or service', 'identity'];
