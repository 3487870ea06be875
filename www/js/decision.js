// The answer bar's Decision-shaped objects (the gate's Decision JSON, helper-notes/GATE-SPEC.md).
// Vault's come from the package's `createGate(...).decide(...)` (`gateLines` splits its one
// Decision into the login line and the policy line, reading its members); `vaultDecision` builds
// the same shape from the per-step results when the package has no createGate. AWS's come from
// `evaluateTrustPolicy`. Translation only: every member copies what a result says.

/** The failing checks of a report, in the order the engine ran them. */
const failing = (checks) => (checks ?? []).filter((c) => c.outcome === 'fail');

/**
 * `checks` and `also_failing` as the gate words them: every check the report holds, and the
 * failing ones after the first (the first stays the verdict and message).
 */
function checksMembers(checks) {
  const fails = failing(checks);
  return { checks: checks ?? [], also_failing: fails.slice(1) };
}

/**
 * The Vault answer: the login (verify) and, when a request was given, the policy decision.
 * `waiting` is what the page still needs before the engine can answer (keys, a token, readable
 * inputs): the gate's `wait`, worded for a person.
 */
export function vaultDecision({ verified, policy, waiting, withheld }) {
  if (waiting) return { verdict: 'wait', message: waiting.message, code: waiting.code };
  const error = verified?.error;
  const report = verified?.value?.report ?? error?.report;
  if (error && withheld && error.code === 'ERR_JWS_SIGNATURE_EMPTY') {
    // The engine refuses an empty signature; the link says its sender removed it, so this page
    // cannot know the answer: the sender's verdict is shown beside (answer-bar.js).
    const checks = (report?.checks ?? []).map((c) => (isSignature(c) ? { ...c, withheld: true } : c));
    return { verdict: 'wait', code: error.code, message: 'signature withheld by the sender: this page cannot verify it', checks, also_failing: [], withheld };
  }
  if (error) {
    return {
      verdict: 'deny',
      code: error.code,
      message: error.message,
      expected: error.expected,
      actual: error.actual,
      ...checksMembers(report?.checks),
      ...(withheld ? { withheld } : {}),
    };
  }
  const d = { verdict: 'allow', message: 'login accepted', ...checksMembers(report?.checks) };
  if (verified?.value?.alias) d.alias = verified.value.alias;
  if (policy?.report) {
    d.policies = policy.report;
    if (policy.report.allowed !== true) {
      d.verdict = 'deny';
      d.code = policy.report.code ?? failing(policy.report.steps)[0]?.code;
      d.message = policy.report.denial_message ?? policy.report.decision ?? 'permission denied';
    } else d.message = `${policy.report.capability ?? ''} ${policy.report.request?.path ?? ''}: allowed`.trim();
  } else if (policy?.error) {
    d.policies = { error: { code: policy.error.code, message: policy.error.message } };
  }
  return d;
}

/**
 * The AWS STS answer from `evaluateTrustPolicy` (its `allowed`, preflight and steps). With the
 * signature `withheld` by a share link's sender, the engine's decoded-only evaluation (every
 * check but the signature) is the answer, and `withheld` says what was not checked.
 */
export function awsDecision(aws, { withheld } = {}) {
  if (!aws) return null;
  if (aws.waiting) return { verdict: 'wait', message: aws.waiting };
  if (withheld && aws.error && aws.decoded) {
    const checks = [...(aws.decoded.preflight ?? []), ...(aws.decoded.steps ?? []).filter((st) => !(aws.decoded.preflight ?? []).some((p) => p.id === st.id))];
    const first = failing(checks)[0];
    return {
      verdict: aws.decoded.allowed === true ? 'allow' : 'deny',
      code: aws.decoded.allowed === true ? undefined : first?.code,
      message: aws.decoded.allowed === true ? 'STS would let this token assume the role if the withheld signature verifies' : first?.message,
      ...checksMembers(checks),
      withheld,
    };
  }
  const result = aws.value ?? aws.decoded;
  const checks = [...(result?.preflight ?? []), ...(result?.steps ?? []).filter((s) => !(result?.preflight ?? []).some((p) => p.id === s.id))];
  const verifyChecks = aws.error?.report?.checks ?? [];
  const all = [...verifyChecks, ...checks];
  if (aws.error && !result) return { verdict: 'deny', code: aws.error.code, message: aws.error.message, ...checksMembers(all) };
  const allowed = !aws.error && result?.allowed === true;
  const first = failing(all)[0];
  return {
    verdict: allowed ? 'allow' : 'deny',
    code: allowed ? undefined : aws.error?.code ?? first?.code,
    message: allowed ? 'STS would let this token assume the role' : aws.error?.message ?? first?.message ?? 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    ...checksMembers(all),
  };
}

/** The check a withheld signature fails: `signature`, or `token` refusing an empty signature. */
export const isSignature = (c) => c.outcome === 'fail' && (c.id === 'signature' || (c.id === 'token' && c.code === 'ERR_JWS_SIGNATURE_EMPTY'));

/**
 * The gate's Decision for a share link whose sender withheld the signature (the page decided a
 * stand-in signature): the signature's failure is marked withheld, and the answer is what the
 * other checks say: refused by the first of them that fails, else unknown (`wait`) since only the
 * signature is missing.
 */
export function withheldView(d) {
  // The stand-in's own failure says nothing about the real signature: only that it was withheld.
  const checks = (d.checks ?? []).map((c) => (isSignature(c)
    ? { id: c.id, outcome: 'fail', withheld: true, message: 'withheld by the sender of this link: the signature cannot be verified here' }
    : c));
  const others = failing(checks).filter((c) => !c.withheld);
  if (!checks.some((c) => c.withheld)) return d;
  return {
    verdict: others.length ? 'deny' : 'wait',
    ...(others.length ? { status: d.status, code: others[0].code } : {}),
    message: others.length ? others[0].message : 'signature withheld by the sender: every other check passes',
    provider: d.provider,
    checks,
    also_failing: others.slice(1),
    withheld: 'signature',
  };
}

/**
 * The gate's one Decision as the bar's two lines: the login (its checks; passed when the
 * Decision allows or carries the alias Vault would create) and the policy decision (its
 * `policies` report). `policy` is null when the Decision has no policies report.
 */
export function gateLines(d) {
  const loggedIn = d.verdict === 'allow' || d.alias !== undefined;
  const login = loggedIn
    ? { verdict: 'allow', message: 'login accepted', checks: d.checks ?? [], also_failing: [], ...(d.alias ? { alias: d.alias } : {}) }
    : { ...d, also_failing: d.also_failing ?? [] };
  if (!d.policies) return { login, policy: null };
  const allowed = d.policies.allowed === true;
  return {
    login,
    policy: {
      verdict: allowed ? 'allow' : 'deny',
      status: d.status,
      ...(allowed ? {} : { code: d.code, message: d.message }),
      checks: d.policies.steps ?? [],
      also_failing: [],
      policies: d.policies,
      ...(d.login_order?.length ? { login_order: d.login_order } : {}),
      ...(d.depends_on_login_order ? { depends_on_login_order: d.depends_on_login_order } : {}),
    },
  };
}
