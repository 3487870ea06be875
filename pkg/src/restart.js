// What a failed call into one of the package's wasm modules throws, and the restart after a
// trap, shared by the verifier module (engine.js) and the gate module (gate-module.js) so that
// both classify failures alike; each keeps its own state (loaded, generation, listeners).
import { JwtgateError, isCoreFailure } from './errors.js';

/**
 * Classifies `e`, thrown by a call into a wasm module: a JwtgateError stays as it is, a failure
 * the core threw (a plain object, see errors.js) becomes a JwtgateError, and anything else is a
 * trap, after which `restart()` replaces the instance. `words` gives the ERR_INTERNAL messages:
 * `restarted(what)` and `broken(what, why)` (when `restart()` itself threw).
 * Returns `{ error, restarted, broken }`.
 */
export function afterFailure(e, restart, words) {
  if (e instanceof JwtgateError) return { error: e, restarted: false, broken: false };
  if (isCoreFailure(e)) return { error: new JwtgateError(e), restarted: false, broken: false };
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  try {
    restart();
  } catch (again) {
    const error = new JwtgateError(
      { code: 'ERR_INTERNAL', message: words.broken(what, again?.message ?? again) },
      { cause: e },
    );
    return { error, restarted: false, broken: true };
  }
  const error = new JwtgateError({ code: 'ERR_INTERNAL', message: words.restarted(what) }, { cause: e });
  return { error, restarted: true, broken: false };
}
