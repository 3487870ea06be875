// Human output for the CLI: times as relative + ISO, reports as aligned check lists, colour only
// when asked (`wantsColour`: flags, then FORCE_COLOR, then NO_COLOR, then a TTY).

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 };

/**
 * Whether to colour stdout, highest precedence first:
 * 1. `--no-color` / `--color` (an explicit choice; no-color.org lets flags override NO_COLOR);
 * 2. `FORCE_COLOR` as Node reads it for its own output: `''`, `1`, `2`, `3` or `true` force colour
 *    even when piped and win over `NO_COLOR`; any other value (`0`, `false`) turns it off;
 * 3. `NO_COLOR` present and not empty (no-color.org), `NODE_DISABLE_COLORS`, or `TERM=dumb`: off;
 * 4. otherwise colour only on a TTY.
 */
export function wantsColour(flags, env, isTTY) {
  if (flags['no-color']) return false;
  if (flags.color) return true;
  if (env.FORCE_COLOR !== undefined) return ['', '1', '2', '3', 'true'].includes(env.FORCE_COLOR);
  if (env.NO_COLOR) return false;
  if (env.NODE_DISABLE_COLORS !== undefined || env.TERM === 'dumb') return false;
  return Boolean(isTTY);
}

export function painter(enabled) {
  const paint = (name, s) => (enabled ? `\x1b[${ANSI[name]}m${s}\x1b[0m` : s);
  return Object.fromEntries(Object.keys(ANSI).map((k) => [k, (s) => paint(k, s)]));
}

/** "2026-01-01T00:00:00Z" for Unix seconds (fractions kept to the millisecond). */
export function iso(seconds) {
  const d = new Date(seconds * 1000);
  if (!Number.isFinite(d.getTime())) return String(seconds);
  return d.toISOString().replace('.000Z', 'Z');
}

/** "in 59 min", "3 h ago", "now" — relative to `now` (both Unix seconds). */
export function relative(seconds, now) {
  const delta = seconds - now;
  const abs = Math.abs(delta);
  if (abs < 1) return 'now';
  const units = [
    [86400 * 365, 'y'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const i = units.findIndex(([s]) => abs >= s);
  const [size, unit] = units[i];
  const n = Math.floor(abs / size);
  const next = units[i + 1];
  const rest = next ? Math.floor((abs - n * size) / next[0]) : 0;
  const text = rest > 0 && n < 10 ? `${n} ${unit} ${rest} ${next[1]}` : `${n} ${unit}`;
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/** A time claim as "ISO (relative)". Flags values that look like milliseconds. */
export function when(seconds, now) {
  if (typeof seconds !== 'number') return JSON.stringify(seconds);
  if (seconds > 1e11) return `${seconds} (looks like milliseconds, not seconds: ${iso(seconds / 1000)})`;
  return `${iso(seconds)} (${relative(seconds, now)})`;
}

/** An expected/actual value as text: strings as they are, anything else as JSON. */
export const shown = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

const MARK = { pass: ['✓', 'green'], fail: ['✗', 'red'], skip: ['–', 'dim'], info: ['i', 'blue'] };

/** The check list of a report: one line per check, expected/actual underneath when present. */
export function formatChecks(checks, c) {
  if (!Array.isArray(checks) || checks.length === 0) return [];
  const width = Math.min(28, Math.max(...checks.map((k) => String(k.id).length)));
  const lines = [];
  for (const k of checks) {
    const [mark, colour] = MARK[k.outcome] ?? ['?', 'yellow'];
    const code = k.code ? c.dim(` [${k.code}]`) : '';
    lines.push(`  ${c[colour](mark)} ${String(k.id).padEnd(width)}  ${k.message ?? ''}${code}`);
    const pad = ' '.repeat(width + 6);
    if (k.expected !== undefined) lines.push(`${pad}expected: ${shown(k.expected)}`);
    if (k.actual !== undefined) lines.push(`${pad}actual:   ${shown(k.actual)}`);
  }
  return lines;
}

const TIME_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time'];

/** Claims as aligned `name: value` lines, times explained. */
export function formatClaims(payload, now) {
  if (!payload || typeof payload !== 'object') return [];
  const keys = Object.keys(payload);
  const width = Math.min(24, Math.max(0, ...keys.map((k) => k.length)));
  return keys.map((k) => {
    const v = payload[k];
    const shown = TIME_CLAIMS.includes(k) ? when(v, now) : typeof v === 'string' ? v : JSON.stringify(v);
    return `  ${k.padEnd(width)}  ${shown}`;
  });
}

/** Warnings (strings or `{ code, message }`) as `  ! message [CODE]` lines under a heading. */
export function formatWarnings(warnings, c) {
  if (!Array.isArray(warnings) || warnings.length === 0) return [];
  const line = (w) => (typeof w === 'string' ? w : `${w.message ?? ''}${w.code ? c.dim(` [${w.code}]`) : ''}`);
  return [c.bold('warnings'), ...warnings.map((w) => `  ${c.yellow('!')} ${line(w)}`)];
}

/** One login-order finding (src/login_order.rs `Finding`): severity, code, consequence, where. */
export function formatFinding(c, f) {
  const tag = f.severity === 'security' ? c.red(`[${f.severity}]`) : f.severity === 'reliability' ? c.yellow(`[${f.severity}]`) : c.dim(`[${f.severity}]`);
  const lines = [`  ${tag} ${c.bold(f.code)}${f.aliasKey ? ` (alias key ${f.aliasKey})` : ''}`, `    ${f.message}`];
  if (f.path) lines.push(c.dim(`    policy ${f.policy}, path "${f.path}"`));
  if (f.example) {
    const show = (m) => ['nomad_namespace', 'nomad_job_id', 'nomad_task'].filter((k) => k in m).map((k) => `${k}=${m[k]}`).join(' ') || JSON.stringify(m);
    lines.push(c.dim(`    example: A (${show(f.example.a)}) and B (${show(f.example.b)}) share alias "${f.example.aliasName}"`));
  }
  return lines;
}

/** One suggested fix (src/login_order/fix.rs `Suggestion`) as indented lines. */
export function formatFix(c, s, indent = '     ') {
  const lines = [`${indent}role: "user_claim": ${JSON.stringify(s.userClaim)}, "user_claim_json_pointer": true`];
  if (s.nomadAgentConfig) lines.push(`${indent}Nomad servers' agent configuration:`, ...s.nomadAgentConfig.trimEnd().split('\n').map((l) => `${indent}  ${l}`));
  if (s.tradeoff) lines.push(c.dim(`${indent}${s.tradeoff}`));
  return lines;
}

/**
 * What goes beside a Vault policy verdict, from the core's note (`{ hazards, fix, depends? }`:
 * the npm report's `loginOrder`; the Decision's `login_order`, `login_fix` and
 * `depends_on_login_order`). `head`: the words for the verdict line, '' unless this answer
 * depends on login order (`depends`, src/login_order/depends.rs: another login sharing the alias
 * would get the other answer); `lines`: then what it depends on, the hazards and the fix. A
 * setup with hazards this answer does not depend on gets one line saying so.
 */
export function loginOrderNote(c, note) {
  const hazards = note?.hazards ?? [];
  if (!hazards.length) return { head: '', lines: [] };
  if (!note.depends) {
    const n = hazards.length;
    return { head: '', lines: [c.dim(`login order: this answer does not depend on who logged in last (another login sharing the alias gets the same answer); the setup has ${n} login-order hazard${n === 1 ? '' : 's'} (jwtgate logins shows them)`)] };
  }
  const what = hazards.map((f) => `${f.severity}: ${f.aliasKey ? `alias metadata "${f.aliasKey}" follows whoever logged in last` : f.code}`);
  const head = `DEPENDS ON LOGIN ORDER (${[...new Set(what)].join('; ')})`;
  const lines = [c.bold('login order: this answer depends on who logged in last with the same entity alias'), `  ${note.depends.message}`, ...hazards.flatMap((f) => formatFinding(c, f))];
  if (note.fix) lines.push(`  ${c.bold('the fix')} (re-checked: no hazard left): ${note.fix.title}`, ...formatFix(c, note.fix, '    '));
  else lines.push(`  ${c.yellow('no verified fix: change user_claim to a claim that determines every templated key (jwtgate logins --determines)')}`);
  return { head, lines };
}
