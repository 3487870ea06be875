// Share links: the page state in the URL fragment (never sent to a server), made only on request,
// with the token's signature removed unless the user opts in. A link carries the evaluation time
// (so the recipient's verdict does not depend on when it is opened) and the sender's verdicts
// and codes, shown beside the recipient's own.

function toB64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text) {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * The link for `state` ({ token, segments, evaluatedAt, sender, ...inputs }). Without
 * `signature`, the token is rebuilt from its header and payload segments with an empty
 * signature: the link then decodes but cannot be replayed, and says the signature was withheld.
 * `evaluatedAt` (Unix seconds) is the instant the sender's verdicts were computed at; `sender`
 * maps each answer-bar target to { verdict, code }.
 */
export function shareLink(state, { signature, config }) {
  const out = { v: 2 };
  if (state.token) {
    out.token = signature || !state.segments ? state.token : `${state.segments[0] ?? ''}.${state.segments[1] ?? ''}.`;
    if (!signature) {
      out.redacted = true;
      out.withheld = 'signature';
      // Its length only, so the recipient's keyless checks (AWS's token length) see the same size.
      if (state.segments?.[2]) out.sigLen = state.segments[2].length;
    }
  }
  if (state.evaluatedAt !== undefined) out.now = String(state.evaluatedAt);
  else if (state.now) out.now = state.now;
  if (state.sender) out.sender = state.sender;
  if (config) {
    for (const k of ['keys', 'mode', 'role', 'roleName', 'config', 'policies', 'accessor', 'request', 'aws', 'standard', 'leeways']) {
      if (state[k] !== undefined && state[k] !== '') out[k] = state[k];
    }
  }
  return `${location.origin}${location.pathname}#s=${toB64url(JSON.stringify(out))}`;
}

/** What the fragment asks for: { sample: true }, { state }, or null. */
export function readFragment(hash = location.hash) {
  if (hash === '#sample') return { sample: true };
  const m = /^#s=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return null;
  try {
    return { state: JSON.parse(fromB64url(m[1])) };
  } catch {
    return { error: 'the share link is damaged (its fragment is not valid state)' };
  }
}
