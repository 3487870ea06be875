// Compiled (not run) by test/types.test.mjs with the same tsconfig as usage.ts: init()'s inputs,
// the typed reports, `renderPolicies` on a Verifier and the generic payload of `verify<P>()`.
import {
  init,
  initMint,
  initGate,
  authorize,
  createVerifier,
  evaluateTrustPolicy,
  mintTestIdentity,
  renderPolicies,
  verify,
  type AuthorizeReport,
  type LoginOrderNote,
  type Check,
  type Outcome,
  type RenderedPolicies,
  type TrustPolicyResult,
  type Verified,
} from 'jwtgate';

async function load(bytes: Uint8Array, module: WebAssembly.Module): Promise<void> {
  await init();
  await init('/assets/jwtgate_bg-1234.wasm');
  await init(new URL('https://example.com/jwtgate_bg.wasm'));
  await init(fetch('/jwtgate_bg.wasm'));
  await init(await fetch('/jwtgate_bg.wasm'));
  await init(bytes);
  await init(bytes.buffer);
  await init(module);
  await initMint('/assets/jwtgate_mint_bg.wasm');
  await initGate('/assets/jwtgate_gate_bg.wasm');
  await initGate();
  // (No @ts-expect-error for a wrong input: WebAssembly.Module is an empty interface in
  // lib.dom, so TypeScript lets anything through it; init() refuses it at run time.)
}
void load;


// The caller's claims as an interface (no index signature), as jose's generic allows.
interface NomadClaims {
  nomad_job_id: string;
  nomad_namespace: string;
  exp: number;
}
const m = mintTestIdentity({ job: 'web' });
const typed = verify<NomadClaims>(m.token, { jwks: m.jwks });
const job: string = typed.payload.nomad_job_id;
// @ts-expect-error: the payload has the caller's type
const wrongJob: number = typed.payload.nomad_job_id;
const plain: Verified = verify(m.token, { jwks: m.jwks });
const anyClaim: unknown = plain.payload.anything;
const failed: Check[] = plain.report.checks.filter((c) => c.outcome === 'fail');
// @ts-expect-error: not an outcome
const badOutcome: Outcome = 'ok';

const verifier = createVerifier({ jwks: m.jwks, role: { role_type: 'jwt', user_claim: 'nomad_job_id' } });
const fromVerifier = verifier.verify<NomadClaims>(m.token);
const ns: string = fromVerifier.payload.nomad_namespace;
const rendered: RenderedPolicies = verifier.renderPolicies(m.token, { policies: ['path "kv/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}" { capabilities = ["read"] }'] });
const firstPath: string | null = rendered.rendered[0].rendered;
const aliasName: string = rendered.alias.name;
const sameShape: RenderedPolicies = renderPolicies(m.token, { jwks: m.jwks, role: {}, policies: [] });

const report: AuthorizeReport = authorize(m.token, {
  jwks: m.jwks,
  role: { role_type: 'jwt', user_claim: 'nomad_job_id' },
  policies: ['path "kv/*" { capabilities = ["read"] }'],
  request: { path: 'kv/x', capability: 'read' },
});
const decision: 'allowed' | 'denied' = report.decision;
const winner: string | undefined = report.winner?.pattern;
const caps = report.winner?.capabilities ?? [];
const loser: string[] = report.others.map((o) => `${o.reason}: ${o.rule.pattern}`);
const dropped: string[] = report.dropped.map((d) => d.hint);
const verification: Outcome[] = report.verification.checks.map((c) => c.outcome);
const sudo: boolean = report.request.sudoRequired;
// @ts-expect-error: decision is a word, not a boolean
const notBool: boolean = report.decision;
// Beside the verdict when it depends on login order: the hazards and the fix (absent otherwise).
const dependsOnOrder: boolean = report.loginOrder !== undefined;
const hazardKeys: Array<string | undefined> = report.loginOrder?.hazards.map((f) => f.aliasKey) ?? [];
const severities: Array<'security' | 'reliability' | 'notice'> = report.loginOrder?.hazards.map((f) => f.severity) ?? [];
const fixClaim: string | undefined = report.loginOrder?.fix?.userClaim;
// @ts-expect-error: the note is optional
const alwaysNote: LoginOrderNote = report.loginOrder;
const withKnowledge: AuthorizeReport = authorize(m.token, {
  jwks: m.jwks,
  role: {},
  policies: [],
  request: { path: 'kv/x', capability: 'read' },
  knowledge: { extraClaims: { nomad_workload_id: '${job.region}:${job.namespace}:${job.id}' } },
});
const renderedNote: LoginOrderNote | undefined = rendered.loginOrder;

const trust: TrustPolicyResult<NomadClaims> = evaluateTrustPolicy<NomadClaims>(m.token, {
  providerUrl: 'https://nomad.example.com',
  trustPolicy: { Version: '2012-10-17', Statement: [] },
});
const trustJob: string = trust.payload.nomad_job_id;
const stsDecision: 'allowed' | 'explicit-deny' | 'implicit-deny' | undefined = trust.trust?.decision;
const conditionHolds: boolean[] = trust.trust?.statements.flatMap((s) => s.conditions.map((c) => c.holds)) ?? [];
const preflight: Check[] = trust.preflight;
// @ts-expect-error: trust may be null (no trust policy given)
const arn: string = trust.trust.providerArn;

void [job, wrongJob, anyClaim, failed, badOutcome, ns, firstPath, aliasName, sameShape, decision, winner, caps, loser, dropped, verification, sudo, notBool, trustJob, stsDecision, conditionHolds, preflight, arn];
