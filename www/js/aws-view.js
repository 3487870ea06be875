// AWS AssumeRoleWithWebIdentity: renders the engine's preflight and trust-policy condition results,
// and the engine's least-privilege trust policy to start from.
import { h, render, note, copyBlock, pretty } from './dom.js';
import { reportTable } from './checks-view.js';

const checksOf = (x) => (Array.isArray(x) ? x : x?.checks ?? x?.steps ?? []);

/** Renders the engine's AWS evaluation: preflight, then each trust-policy statement and condition. */
export function renderAws(out, { result, error, missing, suggestion, dropped = [] }) {
  if (missing) {
    render(out, h('p', { class: 'empty' }, missing));
    return;
  }
  const preflight = checksOf(result?.preflight);
  const trust = result?.trust ?? result?.trustPolicy ?? (result?.statements || result?.steps ? result : null);
  const steps = checksOf(trust?.steps ?? trust);
  const preflightFails = preflight.filter((c) => c.outcome === 'fail');
  const allowed = result && !error && !preflightFails.length && (trust ? trust.allowed === true : result.allowed === true);
  const generated = result?.generated ?? result?.suggested ?? result?.generatedPolicy ?? suggestion;
  render(out,
    error && !result ? h('ul', { class: 'notes', id: 'aws-error' }, note('fail', 'AWS evaluation failed.', `${error.message}${error.code ? ` (${error.code})` : ''}`)) : null,
    result ? h('p', { class: `verdict ${allowed ? 'pass' : 'fail'}`, id: 'aws-verdict', role: 'status' },
      allowed ? '✔ STS would let this token assume the role.' : '✘ STS would refuse this token.',
      h('span', { class: 'detail' }, allowed ? (trust?.providerArn ? `Provider ${trust.providerArn}.` : '')
        : error ? `Verifying the token as STS does fails: ${error.message}${error.code ? ` (${error.code})` : ''}. The checks below ran on the decoded token.`
        : preflightFails.length ? `AWS would answer: ${preflightFails[0].message}`
        : trust ? `Trust policy: ${trust.decision ?? 'denied'} (AWS says only "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity").` : '')) : null,
    error?.report?.checks ? reportTable('Verification as STS does it (signature, iss = provider URL, times)', error.report.checks, 'aws-verify-checks', { who: 'STS' }) : null,
    preflight.length ? reportTable('AWS preflight (what STS checks before the trust policy)', preflight, 'aws-preflight', { who: 'STS' }) : null,
    steps.length ? reportTable('Trust policy statements and conditions', steps, 'aws-conditions', { who: 'STS' }) : null,
    result && !preflight.length && !steps.length ? h('pre', { class: 'block' }, pretty(result)) : null,
    generated ? [h('h3', {}, 'Suggested trust policy'),
      dropped.length ? h('ul', { class: 'notes', id: 'aws-suggest-dropped' }, dropped.map((d) => note('warn', `Dropped ${d.what} from the provider URL.`, d.why))) : null,
      h('p', { class: 'hint' }, 'Scoped by aud (the first client id) and by sub (this region, namespace and job; any group, task and identity name). AWS only exposes aud, sub, amr and azp from web identities, so nomad_job_id and nomad_namespace cannot be used in conditions.'),
      copyBlock('trust policy', typeof generated === 'string' ? generated : pretty(generated), { id: 'aws-suggested' })] : null);
}

/**
 * The provider URL for the suggested trust policy, without what AWS's preflight refuses (a port,
 * a query or fragment, a trailing slash), and what was dropped.
 */
export function providerForSuggestion(provider) {
  const dropped = [];
  let u;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(provider) ? provider : `https://${provider}`);
  } catch {
    return { url: provider, dropped };
  }
  if (u.port) dropped.push({ what: `the port :${u.port}`, why: 'STS refuses an OIDC provider URL with a port: serve the issuer (oidc_issuer) on 443.' });
  if (u.search || u.hash) dropped.push({ what: 'the query/fragment', why: 'an issuer URL has neither.' });
  const path = u.pathname.replace(/\/+$/, '');
  return { url: `${u.protocol}//${u.hostname}${path}`, dropped };
}
