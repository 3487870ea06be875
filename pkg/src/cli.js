// `jwtgate <command>`: argument parsing, input loading (files, stdin, URLs, the Nomad secrets
// dir) and output. Decisions come from the package API (the wasm core).
// Exit codes: 0 valid / allowed, 1 invalid / denied, 2 usage or input error.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import * as api from '../index.node.js';
import { painter, formatChecks, formatClaims, when, iso } from './format.js';

const EXIT = { OK: 0, FAIL: 1, USAGE: 2 };

class UsageError extends Error {}

// ---------- command table: flags and help ----------

const KEY_FLAGS = {
  jwks: 'string',
  discovery: 'string',
  pem: 'list',
};
const VERIFY_FLAGS = {
  ...KEY_FLAGS,
  iss: 'string',
  aud: 'list',
  sub: 'string',
  alg: 'list',
  require: 'list',
  leeway: 'string',
  role: 'string',
  'role-name': 'string',
  config: 'string',
  identity: 'string',
  now: 'string',
};
const POLICY_FLAGS = { policy: 'list', accessor: 'string' };

const COMMANDS = {
  inspect: {
    summary: 'decode a token without verifying it (tolerates Bearer, quotes, whitespace)',
    usage: 'jwtgate inspect [TOKEN|-|@FILE] [--identity NAME] [--now T] [--json]',
    flags: { identity: 'string', now: 'string' },
    example: 'jwtgate inspect @"$NOMAD_SECRETS_DIR/nomad_vault_default.jwt"',
  },
  verify: {
    summary: 'verify signature and claims (RFC 7519, or Vault semantics with --role)',
    usage:
      'jwtgate verify [TOKEN|-|@FILE] (--jwks FILE|URL | --discovery ISSUER | --pem FILE...) [--iss I] [--aud A]... [--sub S] [--alg A]... [--require CLAIM]... [--leeway SECONDS] [--role FILE [--role-name NAME] [--config FILE]] [--now T] [--json]',
    flags: VERIFY_FLAGS,
    example:
      'jwtgate verify @token.jwt --jwks https://nomad.example.com:4646/.well-known/jwks.json --aud vault.io',
  },
  authorize: {
    summary: 'verify with Vault semantics, render the policies and decide a request',
    usage:
      'jwtgate authorize [TOKEN] --jwks FILE|URL --role FILE [--role-name NAME] --policy [NAME=]FILE... [--accessor ACC] --path PATH (--capability CAP | --method METHOD) [--now T] [--json]',
    flags: { ...VERIFY_FLAGS, ...POLICY_FLAGS, path: 'string', capability: 'string', method: 'string' },
    example:
      'jwtgate authorize @token.jwt --jwks jwks.json --role role.json --role-name nomad-workloads --policy policy.hcl --path kv/data/default/mongo/config --capability read',
  },
  render: {
    summary: 'render templated Vault policies for a verified token (dropped paths explained)',
    usage: 'jwtgate render [TOKEN] --jwks FILE|URL --role FILE --policy [NAME=]FILE... [--accessor ACC] [--json]',
    flags: { ...VERIFY_FLAGS, ...POLICY_FLAGS },
    example: 'jwtgate render @token.jwt --jwks jwks.json --role role.json --policy policy.hcl',
  },
  aws: {
    summary: 'AWS STS AssumeRoleWithWebIdentity preflight and trust-policy evaluation',
    usage:
      'jwtgate aws [TOKEN] --provider URL [--client-id ID]... [--trust-policy FILE] [--jwks FILE|URL] [--now T] [--json]',
    flags: { ...KEY_FLAGS, provider: 'string', 'client-id': 'list', 'trust-policy': 'string', identity: 'string', now: 'string' },
    example: 'jwtgate aws @token.jwt --provider https://nomad.example.com --client-id aws --trust-policy trust.json',
  },
  jwks: {
    summary: 'list the keys of a JWKS (kid, alg, type, thumbprint), or convert them to PEM',
    usage: 'jwtgate jwks FILE|URL|- [--pem] [--json]',
    flags: { pem: 'bool' },
    example: 'jwtgate jwks https://nomad.example.com:4646/.well-known/jwks.json --pem',
  },
  discover: {
    summary: "fetch an issuer's OIDC discovery document and JWKS, and check them",
    usage: 'jwtgate discover ISSUER [--json]',
    flags: {},
    example: 'jwtgate discover https://nomad.example.com',
  },
  mint: {
    summary: 'generate a key pair and a Nomad-shaped test identity (token + JWKS)',
    usage:
      'jwtgate mint [--alg EdDSA|RS256] [--region R] [--namespace NS] [--job J] [--group G] [--task T | --service S] [--identity NAME] [--aud A]... [--iss URL] [--ttl SECONDS] [--vault-role R] [--extra K=V]... [--kid KID] [--now T] [--out-jwks FILE] [--out-key FILE] [--json]',
    flags: {
      alg: 'string',
      region: 'string',
      namespace: 'string',
      job: 'string',
      group: 'string',
      task: 'string',
      service: 'string',
      identity: 'string',
      aud: 'list',
      iss: 'string',
      ttl: 'string',
      'vault-role': 'string',
      extra: 'list',
      kid: 'string',
      now: 'string',
      'out-jwks': 'string',
      'out-key': 'string',
    },
    example: 'jwtgate mint --job mongo --aud vault.io --out-jwks jwks.json > token.jwt',
  },
};

const COMMON = { json: 'bool', help: 'bool', color: 'bool', 'no-color': 'bool' };

function mainHelp() {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'jwtgate — verify workload-identity JWTs and explain Vault / AWS decisions',
    '',
    'usage: jwtgate <command> [options]      jwtgate <command> --help',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`),
    '',
    'token sources: an argument, - (stdin), @FILE, or --identity NAME (reads',
    '  $NOMAD_SECRETS_DIR/nomad_NAME.jwt; with no token at all, $NOMAD_SECRETS_DIR/nomad_token).',
    'times (--now): Unix seconds or an ISO 8601 date. --json prints one JSON object.',
    'exit codes: 0 valid/allowed, 1 invalid/denied, 2 usage or input error.',
    '',
    'example: jwtgate verify @token.jwt --jwks jwks.json --aud vault.io',
  ].join('\n');
}

function commandHelp(name) {
  const c = COMMANDS[name];
  return [`jwtgate ${name} — ${c.summary}`, '', `usage: ${c.usage}`, '', `example: ${c.example}`].join('\n');
}

// ---------- argument parsing ----------

export function parseArgs(argv, flags) {
  const spec = { ...COMMON, ...flags };
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      opts.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const type = spec[name];
    if (!arg.startsWith('--') || type === undefined) throw new UsageError(`unknown option ${arg}`);
    if (type === 'bool') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      opts[name] = true;
      continue;
    }
    let value;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (type === 'list') (opts[name] ??= []).push(value);
    else if (opts[name] !== undefined) throw new UsageError(`--${name} given twice`);
    else opts[name] = value;
  }
  return { opts, positional };
}

// ---------- inputs ----------

function readText(io, source, what) {
  try {
    if (source === '-') return io.readStdin();
    return readFileSync(source, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${source}: ${e.code ?? e.message}`);
  }
}

function readJson(io, source, what) {
  const body = readText(io, source, what);
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new UsageError(`${what} ${source} is not JSON: ${e.message}`);
  }
}

/** The token from an argument, `-`, `@FILE`, `--identity NAME` or the Nomad secrets dir. */
export function tokenSource(io, positional, opts) {
  if (positional.length > 1) throw new UsageError(`expected one token, got ${positional.length} arguments`);
  const [arg] = positional;
  const secrets = io.env.NOMAD_SECRETS_DIR;
  if (arg === undefined && opts.identity !== undefined) {
    if (!secrets) throw new UsageError('--identity needs $NOMAD_SECRETS_DIR (set inside a Nomad task)');
    return readText(io, join(secrets, `nomad_${opts.identity}.jwt`), 'token file').trim();
  }
  if (arg === undefined) {
    if (secrets && existsSync(join(secrets, 'nomad_token'))) {
      return readText(io, join(secrets, 'nomad_token'), 'token file').trim();
    }
    throw new UsageError('no token: pass it as an argument, - for stdin, @FILE, or --identity NAME');
  }
  if (arg === '-') return io.readStdin().trim();
  if (arg.startsWith('@')) return readText(io, arg.slice(1), 'token file').trim();
  return arg;
}

export function parseNow(text) {
  if (text === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--now ${text}: expected Unix seconds or an ISO 8601 date`);
  return Math.floor(ms / 1000);
}

function intFlag(name, text) {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} ${text}: expected whole seconds`);
  return Number(text);
}

const isUrl = (s) => /^https?:\/\//i.test(s);

async function keyOptions(io, opts, kid) {
  const given = ['jwks', 'discovery', 'pem'].filter((k) => opts[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of --jwks, --discovery, --pem (got ${given.map((g) => `--${g}`).join(', ')})`);
  if (opts.jwks !== undefined) {
    if (isUrl(opts.jwks)) return { jwks: await io.fetchJwks(opts.jwks, { kid }) };
    return { jwks: readJson(io, opts.jwks, 'JWKS') };
  }
  if (opts.discovery !== undefined) return { jwks: (await io.discover(opts.discovery, { kid })).jwks };
  if (opts.pem !== undefined) return { keys: opts.pem.map((f) => readText(io, f, 'PEM file')) };
  return undefined;
}

async function verifyOptions(io, opts, token) {
  let kid;
  try {
    kid = api.inspect(token).header?.kid;
  } catch {
    kid = undefined;
  }
  const keys = await keyOptions(io, opts, kid);
  if (!keys) throw new UsageError('no keys: give --jwks FILE|URL, --discovery ISSUER or --pem FILE');
  const o = { ...keys };
  if (opts.iss !== undefined) o.issuer = opts.iss;
  if (opts.aud !== undefined) o.audience = opts.aud;
  if (opts.sub !== undefined) o.subject = opts.sub;
  if (opts.alg !== undefined) o.algorithms = opts.alg;
  if (opts.require !== undefined) o.requiredClaims = opts.require;
  if (opts.leeway !== undefined) o.clockTolerance = intFlag('leeway', opts.leeway);
  // Role and config go to the core as written (a bound value 123.0 is not 123 to Vault).
  if (opts.role !== undefined) o.role = readText(io, opts.role, 'role');
  if (opts['role-name'] !== undefined) o.roleName = opts['role-name'];
  else if (opts.role !== undefined) o.roleName = basename(opts.role, extname(opts.role));
  if (opts.config !== undefined) o.config = readText(io, opts.config, 'auth config');
  return o;
}

function policies(io, opts) {
  return (opts.policy ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    const file = eq > 0 ? spec.slice(eq + 1) : spec;
    const name = eq > 0 ? spec.slice(0, eq) : basename(file, extname(file));
    return { name, text: readText(io, file, 'policy') };
  });
}

// ---------- output ----------

function errorJson(e) {
  const { code, message, claim, expected, actual } = e;
  return Object.fromEntries(Object.entries({ code, message, claim, expected, actual }).filter(([, v]) => v !== undefined));
}

function timesOf(payload, now) {
  return ['iat', 'nbf', 'exp']
    .filter((k) => payload && payload[k] !== undefined)
    .map((k) => `  ${k}  ${when(payload[k], now)}`);
}

// ---------- commands ----------

async function cmdInspect(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now) ?? Math.floor(Date.now() / 1000);
  const r = api.inspect(token);
  if (opts.json) return out.json({ ok: true, ...r }, EXIT.OK);
  const c = out.c;
  const lines = [c.yellow(`NOT VERIFIED — ${r.notice ?? 'decoded only'}`), ''];
  lines.push(c.bold('header'), ...formatClaims(r.header, now), '', c.bold('payload'), ...formatClaims(r.payload, now));
  const notes = (list, mark) => (list ?? []).map((w) => `  ${mark} ${typeof w === 'string' ? w : `${w.message}${w.code ? c.dim(` [${w.code}]`) : ''}`}`);
  if (r.tolerated?.length) lines.push('', c.bold('tolerated'), ...notes(r.tolerated, c.blue('~')));
  if (r.warnings?.length) lines.push('', c.bold('warnings'), ...notes(r.warnings, c.yellow('!')));
  if (r.strict_error) lines.push('', `${c.red('strict parser would refuse it')}: ${r.strict_error.message} ${c.dim(`[${r.strict_error.code}]`)}`);
  return out.text(lines.join('\n'), EXIT.OK);
}

function verdictLines(c, ok, what, result, error, now) {
  const lines = [];
  if (ok) lines.push(`${c.green(c.bold(what.ok))}`);
  else lines.push(`${c.red(c.bold(what.fail))}: ${error.message}${c.dim(` [${error.code}]`)}`);
  if (!ok && (error.expected !== undefined || error.actual !== undefined)) {
    if (error.claim !== undefined) lines.push(`  claim:    ${error.claim}`);
    if (error.expected !== undefined) lines.push(`  expected: ${error.expected}`);
    if (error.actual !== undefined) lines.push(`  actual:   ${error.actual}`);
  }
  const key = result?.key;
  if (key) lines.push('', `key: kid=${key.kid ?? '(none)'} alg=${key.alg} kty=${key.kty} thumbprint=${key.thumbprint}`);
  const report = result?.report ?? error?.report;
  const checks = Array.isArray(report) ? report : report?.checks;
  if (checks?.length) lines.push('', c.bold(`checks (at ${iso(now)})`), ...formatChecks(checks, c));
  const payload = result?.payload;
  const times = timesOf(payload, now);
  if (times.length) lines.push('', c.bold('times'), ...times);
  const alias = result?.alias;
  if (alias) {
    lines.push('', c.bold('Vault entity alias'), `  name      ${alias.name}`);
    for (const [k, v] of Object.entries(alias.metadata ?? {})) lines.push(`  metadata  ${k} = ${v}`);
    if (alias.groups?.length) lines.push(`  groups    ${alias.groups.join(', ')}`);
  }
  return lines;
}

async function cmdVerify(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now) ?? Math.floor(Date.now() / 1000);
  const options = await verifyOptions(io, opts, token);
  let verifier;
  try {
    verifier = api.createVerifier(options);
  } catch (e) {
    return out.fail(e, EXIT.USAGE);
  }
  let result;
  try {
    result = verifier.verify(token, { now });
  } catch (e) {
    if (!(e instanceof api.JwtgateError)) throw e;
    if (opts.json) return out.json({ ok: false, error: errorJson(e), report: e.report }, EXIT.FAIL);
    return out.text(verdictLines(out.c, false, { fail: 'INVALID' }, null, e, now).join('\n'), EXIT.FAIL);
  }
  if (opts.json) return out.json({ ok: true, ...result }, EXIT.OK);
  const profile = options.role ? 'Vault JWT-auth semantics' : 'RFC 7519 semantics';
  return out.text(verdictLines(out.c, true, { ok: `VALID (${profile})` }, result, null, now).join('\n'), EXIT.OK);
}

function requestOf(opts) {
  if (opts.path === undefined) throw new UsageError('--path is required');
  if (opts.method !== undefined && opts.capability !== undefined) throw new UsageError('give --capability or --method, not both');
  if (opts.method !== undefined) return { method: opts.method, path: opts.path };
  if (opts.capability === undefined) throw new UsageError('--capability (or --method) is required');
  return { path: opts.path, capability: opts.capability };
}

/** Rendered path blocks (`rendered` from the core) with dropped ones explained. */
function renderedLines(c, rendered, dropped) {
  const lines = [];
  let policy;
  for (const r of rendered ?? []) {
    if (r.policy !== policy) {
      policy = r.policy;
      lines.push(`  policy ${c.bold(policy)}`);
    }
    const caps = r.capabilities ? ` { ${[].concat(r.capabilities).join(', ')} }` : '';
    if (r.rendered === null || r.rendered === undefined) {
      lines.push(`    ${c.red('dropped')}  path "${r.path}"${caps}`);
      const d = (dropped ?? []).find((x) => x.policy === r.policy && x.path === r.path);
      if (d) {
        lines.push(`             ${d.reason}${d.directive ? ` (in ${d.directive})` : ''}`);
        if (d.hint) lines.push(c.dim(`             ${d.hint}`));
      }
    } else {
      lines.push(`    ${c.green('path')}     "${r.rendered}"${caps}`);
      if (r.rendered !== r.path) lines.push(c.dim(`             from "${r.path}"`));
    }
  }
  return lines;
}

function aliasLines(c, alias) {
  if (!alias) return [];
  const lines = [c.bold('Vault entity alias'), `  name      ${alias.name}`];
  for (const [k, v] of Object.entries(alias.metadata ?? {})) lines.push(`  metadata  ${k} = ${v}`);
  if (alias.groups?.length) lines.push(`  groups    ${alias.groups.join(', ')}`);
  return lines;
}

async function cmdAuthorize(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now) ?? Math.floor(Date.now() / 1000);
  const request = requestOf(opts);
  const options = await verifyOptions(io, opts, token);
  const pols = policies(io, opts);
  if (!pols.length) throw new UsageError('at least one --policy FILE is required');
  let report;
  try {
    report = api.authorize(token, { ...options, policies: pols, accessor: opts.accessor, request, now });
  } catch (e) {
    if (!(e instanceof api.JwtgateError)) throw e;
    const code = e.report ? EXIT.FAIL : EXIT.USAGE;
    if (opts.json) return out.json({ ok: false, allowed: false, error: errorJson(e), report: e.report }, code);
    return out.text(verdictLines(out.c, false, { fail: code === EXIT.FAIL ? 'DENIED (token rejected)' : 'ERROR' }, null, e, now).join('\n'), code);
  }
  const allowed = report.allowed === true || report.decision === 'allow' || report.decision === 'allowed';
  if (opts.json) return out.json({ ok: allowed, ...report }, allowed ? EXIT.OK : EXIT.FAIL);
  const c = out.c;
  const what = request.method ? `${request.method} ${request.path}` : `${request.capability} ${request.path}`;
  const lines = [allowed ? c.green(c.bold(`ALLOWED: ${what}`)) : c.red(c.bold(`DENIED: ${what}`))];
  const checks = report.verification?.checks;
  if (checks?.length) lines.push('', c.bold(`token, Vault role ${options.roleName ?? ''} (at ${iso(now)})`), ...formatChecks(checks, c));
  const alias = aliasLines(c, report.alias);
  if (alias.length) lines.push('', ...alias);
  const rendered = renderedLines(c, report.rendered, report.dropped);
  if (rendered.length) lines.push('', c.bold(`policies rendered for this alias (accessor ${opts.accessor ?? 'AUTH_METHOD_ACCESSOR'})`), ...rendered);
  if (report.steps?.length) lines.push('', c.bold('decision'), ...formatChecks(report.steps, c));
  for (const o of report.others ?? []) lines.push(c.dim(`  also matched: "${o.rule?.pattern ?? ''}" from ${o.rule?.policy ?? '?'}: ${o.message}`));
  for (const n of report.notes ?? []) lines.push(c.dim(`  note: ${n}`));
  return out.text(lines.join('\n'), allowed ? EXIT.OK : EXIT.FAIL);
}

async function cmdRender(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now) ?? Math.floor(Date.now() / 1000);
  const options = await verifyOptions(io, opts, token);
  const pols = policies(io, opts);
  if (!pols.length) throw new UsageError('at least one --policy FILE is required');
  let r;
  try {
    r = api.renderPolicies(token, { ...options, policies: pols, accessor: opts.accessor, now });
  } catch (e) {
    if (!(e instanceof api.JwtgateError)) throw e;
    const code = e.report ? EXIT.FAIL : EXIT.USAGE;
    if (opts.json) return out.json({ ok: false, error: errorJson(e), report: e.report }, code);
    return out.fail(e, code);
  }
  if (opts.json) return out.json({ ok: true, ...r }, EXIT.OK);
  const c = out.c;
  const lines = [...aliasLines(c, r.alias), '', c.bold(`policies (accessor ${opts.accessor ?? 'AUTH_METHOD_ACCESSOR'})`), ...renderedLines(c, r.rendered, r.dropped)];
  if (r.dropped?.length) lines.push('', c.yellow(`${r.dropped.length} path block(s) dropped: Vault skips them silently`));
  return out.text(lines.join('\n'), EXIT.OK);
}

async function cmdAws(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now) ?? Math.floor(Date.now() / 1000);
  if (opts.provider === undefined) throw new UsageError('--provider URL is required (the IAM OIDC provider URL)');
  let kid;
  try {
    kid = api.inspect(token).header?.kid;
  } catch {
    kid = undefined;
  }
  const keys = (await keyOptions(io, opts, kid)) ?? {};
  const input = { ...keys, providerUrl: opts.provider, clientIds: opts['client-id'] ?? [], now };
  if (opts['trust-policy'] !== undefined) input.trustPolicy = readJson(io, opts['trust-policy'], 'trust policy');
  let r;
  try {
    r = api.evaluateTrustPolicy(token, input);
  } catch (e) {
    if (!(e instanceof api.JwtgateError)) throw e;
    if (opts.json) return out.json({ ok: false, error: errorJson(e) }, EXIT.USAGE);
    return out.fail(e, EXIT.USAGE);
  }
  const allowed = r.allowed === true || r.decision === 'allow' || r.decision === 'allowed';
  if (opts.json) return out.json({ ok: allowed, ...r }, allowed ? EXIT.OK : EXIT.FAIL);
  const c = out.c;
  const lines = [allowed ? c.green(c.bold('AWS would accept this token')) : c.red(c.bold('AWS would reject this token'))];
  const steps = r.steps ?? r.checks ?? r.report?.checks;
  if (steps?.length) lines.push('', ...formatChecks(steps, c));
  return out.text(lines.join('\n'), allowed ? EXIT.OK : EXIT.FAIL);
}

async function cmdJwks(io, { opts, positional }, out) {
  if (positional.length !== 1) throw new UsageError('give one JWKS: FILE, URL or -');
  const [src] = positional;
  const jwks = isUrl(src) ? await io.fetchJwks(src) : readJson(io, src, 'JWKS');
  const info = api.jwksInfo(jwks);
  if (opts.pem) {
    const pems = api.jwksToPem(jwks);
    if (opts.json) return out.json({ ok: true, ...pems }, EXIT.OK);
    for (const s of pems.skipped ?? []) io.stderr(`skipped key #${s.index} kid=${s.kid ?? '(none)'}: ${s.message} [${s.code}]\n`);
    return out.text(pems.keys.map((p) => `# kid=${p.kid ?? '(none)'} thumbprint=${p.thumbprint}\n${p.pem.trimEnd()}`).join('\n'), EXIT.OK);
  }
  if (opts.json) return out.json({ ok: true, ...info }, EXIT.OK);
  const c = out.c;
  const lines = [c.bold(`${info.keys.length} usable key(s)`)];
  for (const k of info.keys) lines.push(`  kid=${k.kid ?? '(none)'}  alg=${k.alg ?? '-'}  kty=${k.kty}  thumbprint=${k.thumbprint}`);
  const skipped = info.skipped ?? [];
  if (skipped.length) {
    lines.push(c.bold(`${skipped.length} skipped`));
    for (const s of skipped) lines.push(`  ${c.yellow('!')} #${s.index ?? '?'} kid=${s.kid ?? '(none)'}: ${s.message ?? s.reason}${s.code ? c.dim(` [${s.code}]`) : ''}`);
  }
  return out.text(lines.join('\n'), EXIT.OK);
}

async function cmdDiscover(io, { opts, positional }, out) {
  if (positional.length !== 1) throw new UsageError('give the issuer URL');
  const r = await io.discover(positional[0]);
  const info = api.jwksInfo(r.jwks);
  if (opts.json) return out.json({ ok: true, ...r, keys: info.keys }, EXIT.OK);
  const lines = [`issuer    ${r.issuer}`, `jwks_uri  ${r.jwksUri}`];
  if (r.algorithms) lines.push(`algs      ${r.algorithms.join(', ')}`);
  for (const k of info.keys) lines.push(`  kid=${k.kid ?? '(none)'}  alg=${k.alg ?? '-'}  kty=${k.kty}  thumbprint=${k.thumbprint}`);
  return out.text(lines.join('\n'), EXIT.OK);
}

async function cmdMint(io, { opts, positional }, out) {
  if (positional.length) throw new UsageError(`mint takes no arguments (got ${positional[0]})`);
  const o = {};
  const copy = { alg: 'alg', region: 'region', namespace: 'namespace', job: 'job', group: 'group', identity: 'identity', iss: 'issuer', 'vault-role': 'vaultRole', kid: 'kid' };
  for (const [flag, key] of Object.entries(copy)) if (opts[flag] !== undefined) o[key] = opts[flag];
  if (opts.task !== undefined) o.task = opts.task;
  if (opts.service !== undefined) {
    o.service = opts.service;
    if (opts.task === undefined) o.task = null;
  }
  if (opts.aud !== undefined) o.audience = opts.aud;
  if (opts.ttl !== undefined) o.ttl = intFlag('ttl', opts.ttl);
  if (opts.now !== undefined) o.now = parseNow(opts.now);
  if (opts.extra !== undefined) {
    o.extraClaims = {};
    for (const kv of opts.extra) {
      const eq = kv.indexOf('=');
      if (eq < 1) throw new UsageError(`--extra ${kv}: expected KEY=VALUE`);
      o.extraClaims[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  const m = api.mintTestIdentity(o);
  const write = (file, value) => {
    try {
      writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
    } catch (e) {
      throw new UsageError(`cannot write ${file}: ${e.code ?? e.message}`);
    }
  };
  if (opts['out-jwks'] !== undefined) write(opts['out-jwks'], m.jwks);
  if (opts['out-key'] !== undefined) write(opts['out-key'], m.privateJwk);
  if (opts.json) return out.json({ ok: true, ...m }, EXIT.OK);
  if (opts['out-jwks'] === undefined) io.stderr(`public JWKS (save it, or use --out-jwks FILE):\n${JSON.stringify(m.jwks)}\n`);
  return out.text(m.token, EXIT.OK);
}

const RUN = {
  inspect: cmdInspect,
  verify: cmdVerify,
  authorize: cmdAuthorize,
  render: cmdRender,
  aws: cmdAws,
  jwks: cmdJwks,
  discover: cmdDiscover,
  mint: cmdMint,
};

// ---------- entry ----------

function defaultIo() {
  return {
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: () => readFileSync(0, 'utf8'),
    fetchJwks: api.fetchJwks,
    discover: api.discover,
  };
}

/** Runs the CLI; resolves to the exit code. `io` replaces the process streams in tests. */
export async function main(argv, io = defaultIo()) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    io.stdout(`${topic && COMMANDS[topic] ? commandHelp(topic) : mainHelp()}\n`);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === '--version') {
    io.stdout('jwtgate 0.1.0\n');
    return EXIT.OK;
  }
  const spec = COMMANDS[command];
  if (!spec) {
    io.stderr(`jwtgate: unknown command "${command}"\n\n${mainHelp()}\n`);
    return EXIT.USAGE;
  }
  let parsed;
  let wantJson = rest.includes('--json');
  try {
    parsed = parseArgs(rest, spec.flags);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`jwtgate ${command}: ${e.message}\n\n${commandHelp(command)}\n`);
    return EXIT.USAGE;
  }
  if (parsed.opts.help) {
    io.stdout(`${commandHelp(command)}\n`);
    return EXIT.OK;
  }
  wantJson = Boolean(parsed.opts.json);
  const colour = parsed.opts['no-color'] ? false : parsed.opts.color ? true : io.isTTY && !io.env.NO_COLOR;
  const out = {
    c: painter(colour),
    json(value, code) {
      io.stdout(`${JSON.stringify(value, null, 2)}\n`);
      return code;
    },
    text(s, code) {
      io.stdout(`${s}\n`);
      return code;
    },
    fail(e, code) {
      if (wantJson) return this.json({ ok: false, error: errorJson(e) }, code);
      io.stderr(`jwtgate ${command}: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return code;
    },
  };
  try {
    return await RUN[command](io, parsed, out);
  } catch (e) {
    if (e instanceof UsageError) {
      if (wantJson) return out.json({ ok: false, error: { code: 'ERR_OPTIONS_INVALID', message: e.message } }, EXIT.USAGE);
      io.stderr(`jwtgate ${command}: ${e.message}\n(see jwtgate ${command} --help)\n`);
      return EXIT.USAGE;
    }
    if (e instanceof api.JwtgateError) return out.fail(e, EXIT.USAGE);
    throw e;
  }
}
