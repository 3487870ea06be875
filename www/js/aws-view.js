// AWS AssumeRoleWithWebIdentity: renders the engine's preflight and trust-policy condition results,
// and the engine's least-privilege trust policy to start from.
import { h, render, note, copyBlock, pretty } from './dom.js';
import { reportTable } from './checks-view.js';

const checksOf = (x) => (Array.isArray(x) ? x : x?.checks ?? x?.steps ?? []);

/** Renders the engine's AWS evaluation: preflight, then each trust-policy statement and condition. */
export function renderAws(out, { result, error, missing, suggestion, dropped = [], withheld = false, issuer = 'generic' }) {
  if (missing) {
    render(out, h('p', { class: 'empty' }, missing));
    return;
  }
  const preflight = checksOf(result?.preflight);
  const trust = result?.trust ?? result?.trustPolicy ?? (result?.statements || result?.steps ? result : null);
  const steps = checksOf(trust?.steps ?? trust);
  const preflightFails = preflight.filter((c) => c.outcome === 'fail');
  // The engine's own answer (result.allowed); with the signature withheld by a share link's
  // sender, the decoded-only evaluation is all there is, and the verdict says so.
  const signatureWithheld = withheld && Boolean(error);
  const allowed = result && (!error || signatureWithheld) && result.allowed === true;
  const generated = result?.generated ?? result?.suggested ?? result?.generatedPolicy ?? suggestion;
  render(out,
    error && !result ? h('ul', { class: 'notes', id: 'aws-error' }, note('fail', 'AWS evaluation failed.', `${error.message}${error.code ? ` (${error.code})` : ''}`)) : null,
    result ? h('p', { class: `verdict ${allowed ? 'pass' : 'fail'}`, id: 'aws-verdict', role: 'status' },
      allowed ? `✔ STS would let this token assume the role${signatureWithheld ? ' if the withheld signature verifies' : ''}.` : '✘ STS would refuse this token.',
      h('span', { class: 'detail' }, signatureWithheld ? 'The signature was withheld by the sender of this link: every check below ran on the decoded token.'
        : allowed ? (trust?.providerArn ? `Provider ${trust.providerArn}.` : '')
        : error ? `Verifying the token as STS does fails: ${error.message}${error.code ? ` (${error.code})` : ''}. The checks below ran on the decoded token.`
        : preflightFails.length ? `AWS would answer: ${preflightFails[0].message}`
        : trust ? `Trust policy: ${trust.decision ?? 'denied'} (AWS says only "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity").` : '')) : null,
    error?.report?.checks ? reportTable('Verification as STS does it (signature, iss = provider URL, times)', error.report.checks, 'aws-verify-checks', { who: 'STS' }) : null,
    preflight.length ? reportTable('AWS preflight (what STS checks before the trust policy)', preflight, 'aws-preflight', { who: 'STS' }) : null,
    steps.length ? reportTable('Trust policy statements and conditions', steps, 'aws-conditions', { who: 'STS' }) : null,
    result && !preflight.length && !steps.length ? h('pre', { class: 'block' }, pretty(result)) : null,
    generated ? [h('h3', {}, 'Suggested trust policy'),
      dropped.length ? h('ul', { class: 'notes', id: 'aws-suggest-dropped' }, dropped.map((d) => note('warn', `Dropped ${d.what} from the provider URL.`, d.why))) : null,
      h('p', { class: 'hint' }, issuer === 'nomad'
        ? 'Scoped by aud (the first client id) and by sub (this region, namespace and job; any group, task and identity name). AWS only exposes aud, sub, amr and azp from web identities, so nomad_job_id and nomad_namespace cannot be used in conditions.'
        : 'Scoped by aud (the first client id) and by sub. AWS only exposes aud, sub, amr and azp from web identities to trust-policy conditions.'),
      copyBlock('trust policy', typeof generated === 'string' ? generated : pretty(generated), { id: 'aws-suggested' })] : null);
}

/**
 * The provider URL for the suggested trust policy without what AWS's preflight refuses (a scheme
 * other than https, a port, a query or fragment; see the engine's aws.provider_url check) and a
 * trailing slash, with what was dropped and why.
 */
export function providerForSuggestion(provider) {
  const dropped = [];
  let url = provider.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!scheme) url = `https://${url}`;
  else if (scheme[1].toLowerCase() !== 'https') {
    dropped.push({ what: `the scheme ${scheme[1]}://`, why: 'STS requires an https:// provider URL.' });
    url = `https://${url.slice(scheme[0].length)}`;
  }
  const m = /^https:\/\/([^/?#]*)([^?#]*)([?#].*)?$/i.exec(url);
  if (!m) return { url, dropped };
  let authority = m[1];
  const port = /:(\d*)$/.exec(authority);
  if (port) {
    dropped.push({ what: `the port :${port[1]}`, why: 'STS refuses an OIDC provider URL with a port: serve the issuer (oidc_issuer) on 443.' });
    authority = authority.slice(0, port.index);
  }
  if (m[3]) dropped.push({ what: 'the query/fragment', why: 'STS refuses a provider URL with a query or fragment.' });
  return { url: `https://${authority}${m[2].replace(/\/+$/, '')}`, dropped };
}
