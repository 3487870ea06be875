// The leeway inputs' placeholders: the role's effective values (its own, or Vault's defaults),
// and why a present exp is checked with the clock skew leeway. Display only: the engine applies
// the leeways.

/** Vault's defaults (path_role.go claimDefaultLeeway; go-jose jwt.DefaultLeeway). */
const DEFAULTS = { expiration_leeway: 150, not_before_leeway: 150, clock_skew_leeway: 60 };
const INPUTS = { expiration_leeway: 'lw-exp', not_before_leeway: 'lw-nbf', clock_skew_leeway: 'lw-skew' };

/** The role's value for `k` and where it comes from. */
function effective(role, k) {
  const v = role && typeof role === 'object' ? role[k] : undefined;
  if (typeof v === 'number' && v !== 0) return { value: v, from: 'the role' };
  return { value: DEFAULTS[k], from: v === 0 ? 'Vault\'s default: 0 means default' : 'Vault\'s default' };
}

/** Sets the three placeholders and the hint for `role` (an object, or undefined). */
export function leewayHints(role) {
  const seen = {};
  for (const [k, id] of Object.entries(INPUTS)) {
    const e = effective(role, k);
    seen[k] = e;
    const el = document.getElementById(id);
    el.placeholder = String(e.value);
    el.title = `${e.value} s (${e.from})`;
  }
  const hint = document.getElementById('leeway-hint');
  hint.textContent = `Empty = the role's values: expiration ${seen.expiration_leeway.value} s, not before ${seen.not_before_leeway.value} s, clock skew ${seen.clock_skew_leeway.value} s (${seen.clock_skew_leeway.from}). `
    + `Vault uses the expiration and not-before leeways only to invent a missing exp or nbf; a token that has exp is checked with the clock skew leeway (${seen.clock_skew_leeway.value} s).`;
}
