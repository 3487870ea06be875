// The answer bar's entries: one per relying party, each holding a Decision-shaped object
// (decision.js) and how its verdicts read. Arrangement only: every verdict comes from a result.
import { vaultDecision, awsDecision, gateLines } from './decision.js';

/** How each target's verdicts read in the bar. */
const WORDS = {
  vault: { allow: 'accepted', deny: 'refused', wait: 'not evaluated' },
  standard: { allow: 'accepted', deny: 'rejected', wait: 'not evaluated' },
  withheld: { allow: 'accepted', deny: 'refused', wait: 'signature withheld by the sender' },
  policy: { allow: 'allowed', deny: 'denied', wait: 'not evaluated' },
  aws: { allow: 'role assumable', deny: 'refused', wait: 'not evaluated' },
  awsWithheld: { allow: 'role assumable if the withheld signature verifies', deny: 'refused', wait: 'not evaluated' },
};

/** The sender's verdict for `target` from a share link (`shared.sender`), for the bar. */
function senderOf(shared, target) {
  const v = shared?.sender?.[target];
  if (!v) return undefined;
  return { ...v, mark: v.verdict === 'allow' ? '✔' : v.verdict === 'deny' ? '✘' : '…', word: WORDS[target]?.[v.verdict] ?? v.verdict };
}

/**
 * The entries for answer-bar.js. `mode`: 'vault' | 'standard'; `gate`: the gate's Decision for
 * the request (when the package has createGate); `verified`, `policy`, `aws`: the page's
 * per-step results; `waiting`: what the engine still needs; `hazards`: login-order
 * findings; `shared`: what a share link said about itself.
 */
export function answerEntries({ mode, gate, verified, waiting, policy, aws, hazards = [], shared }) {
  // The gate's Decision when the package made one; the per-step results otherwise.
  const lines = gate && !waiting ? gateLines(gate) : null;
  const login = lines ? lines.login : vaultDecision({ verified, waiting, withheld: shared?.withheld });
  const entries = [{
    target: 'vault', label: mode === 'vault' ? 'Vault login' : 'Standard verify', scope: 'checks', decision: login,
    who: mode === 'vault' ? 'Vault' : 'the verifier',
    words: login.withheld && login.verdict === 'wait' ? WORDS.withheld : WORDS[mode === 'vault' ? 'vault' : 'standard'],
    sender: senderOf(shared, 'vault'),
  }];
  const req = policy?.request;
  const label = (path) => `${req?.capability ?? req?.method ?? ''} ${path ?? req?.path ?? ''}`.trim();
  if (lines?.policy) {
    const d = lines.policy;
    if (!d.login_order && hazards.length) d.login_order = hazards;
    entries.push({
      target: 'policy', label: `${d.policies.capability ?? req?.capability ?? ''} ${d.policies.request?.path ?? req?.path ?? ''}`.trim(), scope: 'policies', who: 'Vault',
      decision: d, words: WORDS.policy, sender: senderOf(shared, 'policy'),
    });
  } else if (lines && req) {
    if (login.verdict !== 'allow') {
      entries.push({
        target: 'policy', label: label(), scope: 'policies',
        decision: { verdict: 'wait', message: login.withheld ? 'not evaluated: the signature was withheld' : 'never reached: the login is refused first' }, words: WORDS.policy, sender: senderOf(shared, 'policy'),
      });
    }
  } else if (lines) {
    // No request: the login alone was decided.
  } else if (policy?.report || (policy?.error && !verified?.error)) {
    const d = vaultDecision({ verified, policy });
    if (hazards.length) d.login_order = hazards;
    // Per answer: the npm report's `loginOrder.depends` (src/login_order/depends.rs).
    if (policy.report?.loginOrder?.depends) d.depends_on_login_order = policy.report.loginOrder.depends;
    // The policy line's checks are the authorization steps (the login's are on the line above).
    entries.push({
      target: 'policy', label: label(policy.report?.request?.path), scope: 'policies', who: 'Vault',
      decision: { ...d, checks: policy.report?.steps ?? [], also_failing: [] }, words: WORDS.policy, sender: senderOf(shared, 'policy'),
    });
  } else if (req && verified?.error) {
    entries.push({
      target: 'policy', label: label(), scope: 'policies',
      decision: { verdict: 'wait', message: 'never reached: the login is refused first' }, words: WORDS.policy, sender: senderOf(shared, 'policy'),
    });
  }
  // The hazard travels with the answer it affects: the policy decision, else the login.
  if (hazards.length && !entries.some((e) => e.decision.login_order)) login.login_order = hazards;
  const awsD = awsDecision(aws, { withheld: shared?.withheld });
  if (awsD) entries.push({ target: 'aws', label: 'AWS STS', scope: 'aws', decision: awsD, who: 'STS', words: awsD.withheld ? WORDS.awsWithheld : WORDS.aws, sender: senderOf(shared, 'aws') });
  return entries;
}
