// Vault roles from Nomad's "Vault ACL with Nomad workload identities" tutorial, as JSON documents
// exactly as they are written to auth/jwt-nomad/role/<name>. Inputs only: the engine checks them.

const claimMappings = {
  nomad_namespace: 'nomad_namespace',
  nomad_job_id: 'nomad_job_id',
  nomad_task: 'nomad_task',
};

/** name → { role, policy?, description } */
export const ROLE_PRESETS = {
  'nomad-workloads': {
    description: 'Default role for every Nomad workload: audience vault.io, alias named after the job, namespace/job/task copied into alias metadata for templated policies.',
    role: {
      role_type: 'jwt',
      bound_audiences: ['vault.io'],
      user_claim: '/nomad_job_id',
      user_claim_json_pointer: true,
      claim_mappings: claimMappings,
      token_type: 'service',
      token_policies: ['nomad-workloads'],
      token_period: '30m',
      token_explicit_max_ttl: 0,
    },
  },
  'mongo-dynamic-secret': {
    description: 'Role for the tutorial\'s mongo job only: the same settings, plus bound_claims pinning the namespace and job.',
    role: {
      role_type: 'jwt',
      bound_audiences: ['vault.io'],
      bound_claims: { nomad_namespace: 'default', nomad_job_id: 'mongo' },
      user_claim: '/nomad_job_id',
      user_claim_json_pointer: true,
      claim_mappings: claimMappings,
      token_type: 'service',
      token_policies: ['mongo-dynamic-secret'],
      token_period: '30m',
      token_explicit_max_ttl: 0,
    },
  },
};

/** The tutorial's templated policy (AUTH_METHOD_ACCESSOR is replaced by the mount accessor). */
export const TUTORIAL_POLICY = `path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {
  capabilities = ["read"]
}

path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}" {
  capabilities = ["read"]
}

path "kv/metadata/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/*" {
  capabilities = ["list"]
}

path "kv/metadata/*" {
  capabilities = ["list"]
}
`;
