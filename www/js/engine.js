// Loads the jwtgate npm package's browser build. The page has no decision logic of its own:
// every decode, verification, rendering and decision comes from this module.
//
// The entry is found through the package's own `package.json` (`exports["."].browser`), so the page
// follows the package's layout instead of hard-coding a build path. Served at /pkg/ by
// scripts/serve-www.mjs; when hosting elsewhere, put the package folder next to www/ at /pkg/.

const PKG = '/pkg/';

function browserEntry(manifest) {
  const root = manifest.exports?.['.'] ?? manifest.exports ?? {};
  const pick = (v) => (typeof v === 'string' ? v : v && (pick(v.browser) ?? pick(v.import) ?? pick(v.default)));
  return pick(root.browser) ?? pick(root.default) ?? manifest.browser ?? manifest.module ?? manifest.main;
}

/** Resolves to the package's API object (after its one-time wasm initialisation). */
export async function loadEngine() {
  const res = await fetch(`${PKG}package.json`);
  if (!res.ok) throw new Error(`the package manifest ${PKG}package.json is not served (HTTP ${res.status})`);
  const entry = browserEntry(await res.json());
  if (!entry) throw new Error('the package declares no browser entry');
  const mod = await import(new URL(entry, new URL(PKG, location.href)).href);
  const init = mod.init ?? mod.default;
  if (typeof init === 'function') await init();
  return mod;
}
