// Notes about the policy inputs themselves, before the engine renders them: a policy the role
// does not attach, the mount accessor the policy text names, and an accessor that was defaulted.
// Input hygiene only: the decision is the engine's.
import { h } from './dom.js';

/** The placeholder accessor of Nomad's tutorial policy, used when nothing else is known. */
export const DEFAULT_ACCESSOR = 'AUTH_METHOD_ACCESSOR';

const ALIAS_REF = /identity\.entity\.aliases\.([A-Za-z0-9_.-]+?)\.(?:metadata|name|id|custom_metadata)\b/g;

/** The mount accessors named in the policies' templates, in order of appearance. */
export function accessorsIn(policies) {
  const found = [];
  for (const p of policies) for (const m of p.text.matchAll(ALIAS_REF)) if (!found.includes(m[1])) found.push(m[1]);
  return found;
}

/**
 * The accessor to evaluate with: the typed one, else the one the policy text names (when it names
 * exactly one), else DEFAULT_ACCESSOR. `{ accessor, source: 'typed' | 'policy' | 'default', found }`.
 */
export function chooseAccessor(typed, policies) {
  const found = accessorsIn(policies);
  if (typed) return { accessor: typed, source: 'typed', found };
  if (found.length === 1) return { accessor: found[0], source: 'policy', found };
  return { accessor: DEFAULT_ACCESSOR, source: 'default', found };
}

/** The policy names the role attaches (`token_policies`, or the older `policies`), or null. */
export function rolePolicies(role) {
  if (!role || typeof role !== 'object') return null;
  const list = (v) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
  const names = [...list(role.token_policies), ...list(role.policies)];
  return names.length || 'token_policies' in role || 'policies' in role ? names : null;
}

/**
 * Notes for the policy inputs. `onUseAccessor(a)` fills the accessor field with `a`.
 */
export function policyNotes({ policies, role, choice, onUseAccessor }) {
  const items = [];
  const attached = rolePolicies(role);
  if (attached) {
    for (const p of policies) {
      if (!attached.includes(p.name)) {
        items.push(h('li', { class: 'note warn', 'data-hint': 'policy-not-attached', 'data-policy': p.name },
          h('strong', {}, `Policy "${p.name}" is not in the role's token_policies.`), ' ',
          h('span', { class: 'body' }, `The role attaches ${attached.length ? attached.map((n) => `"${n}"`).join(', ') : 'no policies'}, so Vault would not give this token "${p.name}" and its rules below would not apply. Rename the policy to the one the role attaches, or add it to token_policies.`)));
      }
    }
  }
  if (choice.source === 'policy') {
    items.push(h('li', { class: 'note info', 'data-hint': 'accessor-from-policy' },
      h('strong', {}, 'No accessor entered:'), ' ',
      h('span', { class: 'body' }, `using "${choice.accessor}", the accessor the policy text names. In Vault it must be the JWT auth mount's accessor (vault auth list).`)));
  } else if (choice.source === 'default') {
    items.push(h('li', { class: 'note info', 'data-hint': 'accessor-defaulted' },
      h('strong', {}, 'No accessor entered:'), ' ',
      h('span', { class: 'body' }, `it defaulted to "${DEFAULT_ACCESSOR}", the placeholder of Nomad's tutorial policy.`,
        choice.found.length ? ` The policy text names ${choice.found.map((a) => `"${a}"`).join(', ')}.` : ''),
      choice.found.map((a) => h('button', { type: 'button', class: 'small', 'data-accessor': a, onclick: () => onUseAccessor(a) }, `Use ${a}`))));
  } else if (choice.found.length && !choice.found.includes(choice.accessor)) {
    items.push(h('li', { class: 'note warn', 'data-hint': 'accessor-mismatch' },
      h('strong', {}, `The policy names ${choice.found.map((a) => `"${a}"`).join(', ')}, not "${choice.accessor}".`), ' ',
      h('span', { class: 'body' }, 'Templates naming another accessor render nothing and their paths are dropped.'),
      choice.found.map((a) => h('button', { type: 'button', class: 'small', 'data-accessor': a, onclick: () => onUseAccessor(a) }, `Use ${a}`))));
  }
  return items.length ? h('ul', { class: 'notes', id: 'policy-hints' }, items) : null;
}

/** The engine's hint for a dropped path, worded for an accessor nobody configured. */
export function hintFor(hint, choice) {
  if (!hint || choice.source === 'typed') return hint;
  return hint.replace('the accessor you configured', `the accessor used here ("${choice.accessor}", ${choice.source === 'policy' ? 'taken from the policy text' : 'the default'}: none was entered)`);
}
