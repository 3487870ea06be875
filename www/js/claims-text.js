// Words shown next to claims. Display copy only: whether a claim is valid is decided by the engine.
// Nomad facts from Nomad's workload-identity implementation (nomad/structs/workload_id.go).

/** Header parameters. */
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

/** Registered and Nomad-specific claims. */
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
