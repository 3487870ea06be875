// `jwtgate <command>`: argument parsing, input loading (files, stdin, URLs, the Nomad secrets
// dir) and output. Decisions come from the package API (the wasm core).
// Exit codes: 0 valid / allowed, 1 invalid / denied / a relying-party check not done (named in
// the verdict; --insecure accepts anyway), 2 usage or input error. Verdicts go to stdout, errors
// to stderr (with --json both are one JSON object on stdout).
import { readFileSync, existsSync, openSync, fchmodSync, writeSync, closeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import * as api from '../index.node.js';
import { analyzeLoginOrder, simulateLogins, loginTable } from './logins.js';
import { painter, wantsColour, formatChecks, formatClaims, formatWarnings, formatFinding, formatFix, loginOrderNote, when, iso, shown } from './format.js';

const EXIT = { OK: 0, FAIL: 1, USAGE: 2 };

class UsageError extends Error {}

// ---------- command table: flags and help ----------

// Every flag: [type, ARG shown in help (or '' for a switch), description]. `--help` prints them
// all, so a flag cannot be added without its description.
const KEY_FLAGS = {
  jwks: ['string', 'FILE|URL|-', 'the issuer\'s key set (JSON Web Key Set): a file, - for stdin, or an http(s) URL'],
  discovery: ['string', 'ISSUER', 'fetch ISSUER/.well-known/openid-configuration, check it, then fetch its jwks_uri'],
  pem: ['list', 'FILE', 'a PEM public key (SPKI "PUBLIC KEY"); repeatable'],
};
const NOW_FLAG = ['string', 'T', 'evaluate at this time: Unix seconds or an ISO 8601 date (default: now); a value over 1e11 is read as milliseconds'];
const IDENTITY_FLAG = ['string', 'NAME', 'read the token from $NOMAD_SECRETS_DIR/nomad_NAME.jwt (a named Nomad identity with file = true)'];
const INSECURE_FLAG = ['bool', '', 'accept (exit 0) although a check a relying party makes was NOT done (issuer, audience, signature, expiry); the verdict still names it'];
const VERIFY_FLAGS = {
  ...KEY_FLAGS,
  iss: ['string', 'ISSUER', 'the iss the token must carry (required unless --role or --insecure)'],
  aud: ['list', 'AUDIENCE', 'an accepted audience; repeatable, any one must be in aud (required unless --role or --insecure)'],
  sub: ['string', 'SUBJECT', 'the sub the token must carry'],
  alg: ['list', 'ALG', 'an accepted algorithm (RS256, ES256, EdDSA, ...); repeatable; default: every algorithm the key allows'],
  require: ['list', 'CLAIM', 'a claim that must be present; repeatable (e.g. --require exp)'],
  leeway: ['string', 'SECONDS', 'clock tolerance for exp/nbf in RFC 7519 semantics (default 0)'],
  role: ['string', 'FILE', 'a Vault JWT-auth role (JSON): verify with Vault\'s semantics (bound_audiences, bound_claims, leeways)'],
  'role-name': ['string', 'NAME', 'the role\'s name (default: FILE\'s base name)'],
  config: ['string', 'FILE', 'the Vault auth method config (JSON): bound_issuer, jwt_supported_algs'],
  identity: IDENTITY_FLAG,
  now: NOW_FLAG,
};
const POLICY_FLAGS = {
  policy: ['list', '[NAME=]FILE', 'a Vault ACL policy (HCL), named NAME or FILE\'s base name; repeatable'],
  accessor: ['string', 'ACC', 'the auth mount accessor used in {{identity.entity.aliases.ACC...}} templates'],
};

// What is known about the issuer's claims, for the login-order analysis (logins, authorize).
const KNOWLEDGE_FLAGS = {
  'extra-claim': ['list', 'NAME=TEMPLATE', 'a Nomad vault.default_identity.extra_claims entry, e.g. nomad_workload_id=${job.region}:${job.namespace}:${job.id}; repeatable'],
  determines: ['list', 'CLAIM=C1,C2', 'declare that CLAIM\'s value determines C1, C2 (issuers other than Nomad); repeatable'],
};

const COMMANDS = {
  inspect: {
    summary: 'decode a token without verifying it (tolerates Bearer, quotes, whitespace)',
    usage: 'jwtgate inspect [TOKEN|-|@FILE] [--identity NAME] [--now T] [--json]',
    flags: { identity: IDENTITY_FLAG, now: NOW_FLAG },
    example: 'jwtgate inspect @"$NOMAD_SECRETS_DIR/nomad_vault_default.jwt"',
  },
  verify: {
    summary: 'verify signature and claims (RFC 7519, or Vault semantics with --role)',
    usage:
      'jwtgate verify [TOKEN|-|@FILE] (--jwks FILE|URL | --discovery ISSUER | --pem FILE...) (--iss I --aud A... | --role FILE | --insecure) [options] [--json]',
    flags: { ...VERIFY_FLAGS, insecure: INSECURE_FLAG },
    notes: [
      'Without --role the token is VALID only when the signature, time, issuer (--iss) and audience',
      '(--aud) were all checked; otherwise the verdict says what was NOT checked and exits 1, unless',
      '--insecure is given (like step crypto jwt verify\'s --subtle/--insecure).',
    ],
    example:
      'jwtgate verify @token.jwt --jwks https://nomad.example.com:4646/.well-known/jwks.json --iss https://nomad.example.com --aud vault.io',
  },
  authorize: {
    summary: 'verify with Vault semantics, render the policies and decide a request',
    usage:
      'jwtgate authorize [TOKEN] --jwks FILE|URL --role FILE [--role-name NAME] --policy [NAME=]FILE... [--accessor ACC] --path PATH (--capability CAP | --method METHOD) [--extra-claim NAME=TEMPLATE]... [--determines CLAIM=C1,C2]... [--now T] [--json]',
    flags: {
      ...VERIFY_FLAGS,
      ...POLICY_FLAGS,
      ...KNOWLEDGE_FLAGS,
      path: ['string', 'PATH', 'the Vault path asked for (kv/data/... or, with --method, /v1/kv/data/...)'],
      capability: ['string', 'CAP', 'the capability asked for: read, create, update, patch, delete, list, sudo'],
      method: ['string', 'METHOD', 'an HTTP method (GET, POST, ...) mapped to a capability as Vault does'],
    },
    example:
      'jwtgate authorize @token.jwt --jwks jwks.json --role role.json --role-name nomad-workloads --policy policy.hcl --path kv/data/default/mongo/config --capability read',
    notes: [
      'When the answer depends on who logged in last with the same entity alias (another login with',
      'the same alias name, its undetermined templated keys holding other values, would get the other',
      'answer), the verdict line says DEPENDS ON LOGIN ORDER, followed by that login, the hazards and',
      'the verified fix (--json: loginOrder { hazards, fix, depends }).',
    ],
  },
  render: {
    summary: 'render templated Vault policies for a verified token (dropped paths explained)',
    usage: 'jwtgate render [TOKEN] --jwks FILE|URL --role FILE --policy [NAME=]FILE... [--accessor ACC] [--extra-claim NAME=TEMPLATE]... [--determines CLAIM=C1,C2]... [--json]',
    flags: { ...VERIFY_FLAGS, ...POLICY_FLAGS, ...KNOWLEDGE_FLAGS },
    example: 'jwtgate render @token.jwt --jwks jwks.json --role role.json --policy policy.hcl',
  },
  aws: {
    summary: 'AWS STS AssumeRoleWithWebIdentity preflight and trust-policy evaluation',
    usage:
      'jwtgate aws [TOKEN] --provider URL [--client-id ID]... [--trust-policy FILE] (--jwks FILE|URL | --discovery ISSUER | --pem FILE | --insecure) [--now T] [--json]',
    flags: {
      ...KEY_FLAGS,
      provider: ['string', 'URL', 'the IAM OIDC identity provider URL (must equal the token\'s iss)'],
      'client-id': ['list', 'ID', 'a client ID (audience) registered with the provider; repeatable'],
      'trust-policy': ['string', 'FILE', 'the IAM role\'s trust policy (JSON) to evaluate'],
      identity: IDENTITY_FLAG,
      now: NOW_FLAG,
      insecure: ['bool', '', 'accept (exit 0) without keys, although the signature was NOT checked; the verdict still says so'],
    },
    notes: ['Without keys the signature is NOT checked and the verdict is not an accept (exit 1) unless --insecure.'],
    example: 'jwtgate aws @token.jwt --provider https://nomad.example.com --client-id aws --trust-policy trust.json --jwks jwks.json',
  },
  jwks: {
    summary: 'list the keys of a JWKS (kid, alg, type, thumbprint), or convert them to PEM',
    usage: 'jwtgate jwks FILE|URL|- [--pem] [--json]',
    flags: { pem: ['bool', '', 'print every usable key as a PEM public key (for Vault\'s jwt_validation_pubkeys)'] },
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
      alg: ['string', 'EdDSA|RS256', 'the key type (default EdDSA; RS256 is what Nomad 1.7+ and AWS use, and takes seconds)'],
      region: ['string', 'R', 'the Nomad region, first part of sub (default global)'],
      namespace: ['string', 'NS', 'the Nomad namespace: nomad_namespace and sub (default default)'],
      job: ['string', 'J', 'the job ID: nomad_job_id and sub'],
      group: ['string', 'G', 'the task group, in sub'],
      task: ['string', 'T', 'the task name: nomad_task and sub'],
      service: ['string', 'S', 'a service identity (nomad_service) instead of a task identity'],
      identity: ['string', 'NAME', 'the identity name, last part of sub (default vault_default)'],
      aud: ['list', 'A', 'an audience; repeatable'],
      iss: ['string', 'URL', 'the iss claim (Nomad sets it only when oidc_issuer is configured)'],
      ttl: ['string', 'SECONDS', 'lifetime: exp = iat + SECONDS'],
      'vault-role': ['string', 'R', 'the vault_role claim (a Vault role name)'],
      extra: ['list', 'K=V', 'an extra_claims entry; repeatable'],
      kid: ['string', 'KID', 'the key ID (default: a random UUID, as Nomad)'],
      now: ['string', 'T', 'issue time: Unix seconds or an ISO 8601 date (default: now); over 1e11 is read as milliseconds'],
      'out-jwks': ['string', 'FILE', 'write the public JWKS to FILE (otherwise it goes to stderr)'],
      'out-key': ['string', 'FILE', 'write the private JWK to FILE, readable by its owner only (mode 0600)'],
    },
    example: 'jwtgate mint --job mongo --aud vault.io --out-jwks jwks.json > token.jwt',
  },
  logins: {
    summary: 'find policies whose answers depend on who logged in last (shared Vault aliases), the fix, and a simulation',
    usage:
      'jwtgate logins [TOKEN|@FILE...] --role FILE [--role-name NAME] --policy [NAME=]FILE... [--accessor ACC] [--request "GET /v1/PATH"] [--extra-claim NAME=TEMPLATE]... [--determines CLAIM=C1,C2]... [--now T] [--json]',
    flags: {
      role: ['string', 'FILE', 'the Vault JWT-auth role (JSON)'],
      'role-name': ['string', 'NAME', 'the role\'s name (default: FILE\'s base name)'],
      ...POLICY_FLAGS,
      request: ['string', 'REQ', '"GET /v1/kv/data/..." or "read kv/data/...": decided for every logged-in token after each login'],
      ...KNOWLEDGE_FLAGS,
      now: NOW_FLAG,
    },
    notes: [
      'Tokens (JWTs, or JSON claim files) log in in the order given; they are decoded, NOT verified.',
      'Exit 1 when a security or reliability hazard is found, 0 when none, 2 on bad input.',
    ],
    example:
      'jwtgate logins @dev-web.jwt @prod-web.jwt --role role.json --role-name nomad-workloads --policy policy.hcl --request "GET /v1/kv/data/prod/web/config"',
  },
};

COMMANDS.gate = {
  summary: 'the Envoy filter\'s decision for one request, offline: status, reply or upstream edits, and every check',
  usage:
    'jwtgate gate --config FILE --request "METHOD PATH" [--token TOKEN|-|@FILE] [--header NAME:VALUE]... [--now T] [--json]',
  flags: {
    config: ['string', 'FILE', 'the gate configuration (GateConfig JSON: the Envoy plugin configuration)'],
    request: ['string', 'REQ', 'the request line "METHOD PATH", e.g. "GET /v1/kv/data/prod/web?version=2" (PATH is :path, query included)'],
    token: ['string', 'TOKEN|-|@FILE', 'the token; replaces $TOKEN in --header values and the path, else is sent as "authorization: Bearer TOKEN"'],
    header: ['list', 'NAME:VALUE', 'a request header; repeatable'],
    now: NOW_FLAG,
  },
  notes: [
    'Remote providers\' keys are fetched as the filter would (https://<authority><path>, or discovery).',
    '--json prints the Decision JSON, byte for byte what createGate, the page and the filter give.',
    'Exit 0 when the request is forwarded (allow, or pass: bypass, CORS preflight, allow_missing), 1 when',
    'refused (or still waiting for keys), 2 on bad input.',
  ],
  example:
    'jwtgate gate --config gate.json --token @token.jwt --request "GET /v1/kv/data/default/mongo/config"',
};

const COMMON = {
  json: ['bool', '', 'print one JSON object on stdout ({"ok": ...}; errors as {"ok": false, "error": {"code", "message"}})'],
  color: ['bool', '', 'colour the output even when it is not a terminal'],
  'no-color': ['bool', '', 'never colour the output'],
  help: ['bool', '', 'this help'],
};

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
    '  $NOMAD_SECRETS_DIR/nomad_NAME.jwt). With no token at all: $NOMAD_TOKEN (Nomad identity',
    '  env = true), else $NOMAD_SECRETS_DIR/nomad_token (file = true); the source is named on stderr.',
    'times (--now): Unix seconds or an ISO 8601 date. --json prints one JSON object.',
    'colour: --color/--no-color, else FORCE_COLOR (as Node reads it), else NO_COLOR, else a TTY.',
    'exit codes: 0 valid/allowed, 1 invalid/denied/not fully checked, 2 usage or input error.',
    'errors go to stderr (with --json: {"ok": false, "error": {...}} on stdout, same exit code).',
    '',
    'example: jwtgate verify @token.jwt --jwks jwks.json --iss https://nomad.example.com --aud vault.io',
  ].join('\n');
}

function commandHelp(name) {
  const c = COMMANDS[name];
  const all = { ...c.flags, ...COMMON };
  const labels = Object.entries(all).map(([f, [, arg, text]]) => [`--${f}${arg ? ` ${arg}` : ''}`, text]);
  const width = Math.min(30, Math.max(...labels.map(([l]) => l.length)));
  const lines = [`jwtgate ${name} — ${c.summary}`, '', `usage: ${c.usage}`, '', 'options:'];
  for (const [label, text] of labels) {
    if (label.length > width) lines.push(`  ${label}`, `  ${' '.repeat(width)}  ${text}`);
    else lines.push(`  ${label.padEnd(width)}  ${text}`);
  }
  if (c.notes) lines.push('', ...c.notes);
  lines.push('', 'exit codes: 0 valid/allowed, 1 invalid/denied/not fully checked, 2 usage or input error.');
  lines.push('', `example: ${c.example}`);
  return lines.join('\n');
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
    const type = spec[name]?.[0];
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

// A JWS compact token: three base64url segments (a Nomad ACL secret in $NOMAD_TOKEN is a UUID).
const looksLikeJwt = (s) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(s.trim());

/**
 * The token from an argument, `-`, `@FILE` or `--identity NAME`; with none of them, where Nomad
 * puts the default identity: `$NOMAD_TOKEN` (`identity { env = true }`), then
 * `$NOMAD_SECRETS_DIR/nomad_token` (`file = true`). An implicit source is named on stderr.
 */
export function tokenSource(io, positional, opts) {
  if (positional.length > 1) throw new UsageError(`expected one token, got ${positional.length} arguments`);
  const [arg] = positional;
  const secrets = io.env.NOMAD_SECRETS_DIR;
  if (arg === undefined && opts.identity !== undefined) {
    if (!secrets) throw new UsageError('--identity needs $NOMAD_SECRETS_DIR (set inside a Nomad task)');
    return readText(io, join(secrets, `nomad_${opts.identity}.jwt`), 'token file').trim();
  }
  if (arg === undefined) {
    const env = io.env.NOMAD_TOKEN;
    let ignored = '';
    if (env && looksLikeJwt(env)) {
      io.stderr('jwtgate: token from $NOMAD_TOKEN (Nomad identity env = true)\n');
      return env.trim();
    }
    // Outside a task NOMAD_TOKEN usually holds an ACL secret for the nomad CLI: never read as one.
    if (env) ignored = ' ($NOMAD_TOKEN is set but is not a JWT: a Nomad ACL token?)';
    if (secrets && existsSync(join(secrets, 'nomad_token'))) {
      const file = join(secrets, 'nomad_token');
      io.stderr(`jwtgate: token from ${file} (Nomad identity file = true)${ignored}\n`);
      return readText(io, file, 'token file').trim();
    }
    throw new UsageError(`no token: pass it as an argument, - for stdin, @FILE, or --identity NAME${ignored}`);
  }
  if (arg === '-') return io.readStdin().trim();
  if (arg.startsWith('@')) return readText(io, arg.slice(1), 'token file').trim();
  return arg;
}

/** `--now`: Unix seconds or an ISO 8601 date; a number over 1e11 (year 5138) is milliseconds. */
export function parseNow(text, io) {
  if (text === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (Math.abs(n) <= 1e11) return n;
    const seconds = Math.floor(n / 1000);
    io?.stderr(`jwtgate: --now ${text} looks like milliseconds; using ${seconds} (${iso(seconds)})\n`);
    return seconds;
  }
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

/** A blank line and the warnings block, or nothing. */
function warningSection(c, warnings) {
  const lines = formatWarnings(warnings, c);
  return lines.length ? ['', ...lines] : [];
}

// ---------- commands ----------

async function cmdInspect(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now, io) ?? Math.floor(Date.now() / 1000);
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
  if (!ok) lines.push(`${c.red(c.bold(what.fail))}: ${error.message}${c.dim(` [${error.code}]`)}`);
  if (!ok && (error.expected !== undefined || error.actual !== undefined)) {
    // The error's values are data ({ exp, leeway }); the failed check words them for people.
    const failedCheck = error.report?.checks?.find((k) => k.outcome === 'fail' && k.code === error.code);
    const expected = failedCheck?.expected ?? (error.expected === undefined ? undefined : shown(error.expected));
    const actual = failedCheck?.actual ?? (error.actual === undefined ? '(absent)' : shown(error.actual));
    if (error.claim !== undefined) lines.push(`  claim:    ${error.claim}`);
    if (expected !== undefined) lines.push(`  expected: ${expected}`);
    lines.push(`  actual:   ${actual}`);
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

// The checks a relying party makes, and the report's ids for them. A `skip` outcome in the core's
// report means it was not done; the verdict names it instead of calling the token valid.
const RELYING_PARTY_CHECKS = [
  ['signature', 'signature'],
  ['iss', 'issuer'],
  ['aud', 'audience'],
  ['exp', 'expiry'],
];

/**
 * `[{ id, what, reason }]` for every relying-party check the report skipped; `reasons` replaces
 * the core's reason (which names library options) with the CLI's.
 */
export function notChecked(checks, { vault = false, only, reasons = {} } = {}) {
  const list = Array.isArray(checks) ? checks : [];
  const skipped = [];
  for (const [id, what] of RELYING_PARTY_CHECKS) {
    if (only && !only.includes(id)) continue;
    const check = list.find((k) => k.id === id);
    if (check?.outcome !== 'skip') continue;
    // Vault with no bound_audiences requires the token to carry no aud (its aud_unbound step):
    // the audience was checked.
    if (vault && id === 'aud' && list.some((k) => k.id === 'aud_unbound' && k.outcome === 'pass')) continue;
    skipped.push({ id, what, reason: reasons[id] ?? check.message ?? '' });
  }
  return skipped;
}

// Why a check was skipped, in the CLI's terms.
const CLI_REASON = { iss: 'no --iss', aud: 'no --aud' };
// Without --config the auth method's bound_issuer is unknown; the core takes it as unset.
const vaultReasons = (opts) => (opts.config === undefined ? { iss: 'no --config, so no bound_issuer' } : {});

const notCheckedText = (skipped) => skipped.map((s) => `${s.what} (${s.reason})`).join(', ');
const notCheckedJson = (skipped) => skipped.map(({ id, what, reason }) => ({ id, what, reason }));

async function cmdVerify(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now, io) ?? Math.floor(Date.now() / 1000);
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
    // A verdict on the token (malformed, bad signature, a claim): exit 1, on stdout.
    const code = EXIT.FAIL;
    if (opts.json) return out.json({ ok: false, error: errorJson(e), report: e.report }, code);
    return out.text(verdictLines(out.c, false, { fail: 'INVALID' }, null, e, now).join('\n'), code);
  }
  const vault = options.role !== undefined;
  const skipped = notChecked(result.report?.checks, { vault, reasons: vault ? vaultReasons(opts) : CLI_REASON });
  // Vault semantics reproduce Vault's own answer: what Vault does not check with this role and
  // config (no bound_issuer) is named but does not turn the verdict. RFC 7519 semantics stand in
  // for an unnamed relying party, which checks issuer and audience: skipping them is opt-in.
  const accepted = skipped.length === 0 || vault || opts.insecure === true;
  const code = accepted ? EXIT.OK : EXIT.FAIL;
  if (opts.json) {
    return out.json({ ok: accepted, ...(skipped.length ? { notChecked: notCheckedJson(skipped) } : {}), ...(opts.insecure ? { insecure: true } : {}), ...result }, code);
  }
  const c = out.c;
  const profile = vault ? `Vault JWT-auth semantics, role ${options.roleName}` : 'RFC 7519 semantics';
  const missing = notCheckedText(skipped);
  let headline;
  if (skipped.length === 0) headline = c.green(c.bold(`VALID (${profile})`));
  else if (vault) headline = `${c.green(c.bold(`VALID for Vault (${profile})`))}; ${c.yellow(`NOT checked: ${missing}`)}`;
  else if (accepted) headline = `${c.yellow(c.bold('VALID signature'))}; ${c.yellow(`NOT checked: ${missing}`)} (--insecure)`;
  else headline = `${c.red(c.bold('NOT VALIDATED'))}: signature valid, but NOT checked: ${missing}`;
  const lines = [headline];
  if (!vault && skipped.some((k) => k.id === 'iss') && result.payload?.iss === undefined) {
    lines.push(c.dim('  the token has no iss claim (Nomad sets one only when its oidc_issuer is configured)'));
  }
  if (!accepted) {
    // Options that would make the check run; none for a claim the token lacks (iss, exp): only
    // --insecure can accept such a token.
    const flags = skipped
      .map((k) => (k.id === 'iss' && result.payload?.iss !== undefined ? '--iss ISSUER' : k.id === 'aud' ? '--aud AUDIENCE' : null))
      .filter(Boolean);
    const [these, them] = skipped.length > 1 ? ['these', 'them'] : ['this', 'it'];
    lines.push(`  a relying party checks ${these}: ${flags.length ? `give ${flags.join(' and ')}, or ` : ''}--insecure to accept the token without ${them}`);
  }
  lines.push(...verdictLines(c, true, null, result, null, now));
  return out.text(lines.join('\n'), code);
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
  const now = parseNow(opts.now, io) ?? Math.floor(Date.now() / 1000);
  const request = requestOf(opts);
  const options = await verifyOptions(io, opts, token);
  const pols = policies(io, opts);
  if (!pols.length) throw new UsageError('at least one --policy FILE is required');
  let report;
  try {
    report = api.authorize(token, { ...options, policies: pols, accessor: opts.accessor, request, knowledge: knowledgeOf(opts), now });
  } catch (e) {
    if (!(e instanceof api.JwtgateError)) throw e;
    // A rejected token carries its report and is a verdict (stdout); anything else is an error.
    if (!e.report) return out.fail(e, EXIT.USAGE);
    if (opts.json) return out.json({ ok: false, allowed: false, error: errorJson(e), report: e.report }, EXIT.FAIL);
    return out.text(verdictLines(out.c, false, { fail: 'DENIED (token rejected)' }, null, e, now).join('\n'), EXIT.FAIL);
  }
  const allowed = report.allowed === true || report.decision === 'allow' || report.decision === 'allowed';
  const checks = report.verification?.checks;
  // Vault's answer with this role and config; what Vault itself skips (no bound_issuer) is named.
  const skipped = notChecked(checks, { vault: true, reasons: vaultReasons(opts) });
  if (opts.json) {
    const extra = skipped.length ? { notChecked: notCheckedJson(skipped) } : {};
    return out.json({ ok: allowed, ...extra, ...report }, allowed ? EXIT.OK : EXIT.FAIL);
  }
  const c = out.c;
  const what = request.method ? `${request.method} ${request.path}` : `${request.capability} ${request.path}`;
  const unchecked = skipped.length ? `; ${c.yellow(`NOT checked by Vault with this config: ${notCheckedText(skipped)}`)}` : '';
  // Beside the verdict: whether it depends on who logged in last (the core's note).
  const order = loginOrderNote(c, report.loginOrder);
  const depends = order.head ? `; ${c.yellow(c.bold(order.head))}` : '';
  const lines = [allowed ? `${c.green(c.bold(`ALLOWED: ${what}`))}${depends}${unchecked}` : `${c.red(c.bold(`DENIED: ${what}`))}${depends}`];
  if (order.lines.length) lines.push('', ...order.lines);
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
  const now = parseNow(opts.now, io) ?? Math.floor(Date.now() / 1000);
  const options = await verifyOptions(io, opts, token);
  const pols = policies(io, opts);
  if (!pols.length) throw new UsageError('at least one --policy FILE is required');
  let r;
  try {
    r = api.renderPolicies(token, { ...options, policies: pols, accessor: opts.accessor, knowledge: knowledgeOf(opts), now });
  } catch (e) {
    if (!(e instanceof api.JwtgateError)) throw e;
    if (!e.report) return out.fail(e, EXIT.USAGE);
    if (opts.json) return out.json({ ok: false, error: errorJson(e), report: e.report }, EXIT.FAIL);
    return out.text(verdictLines(out.c, false, { fail: 'REJECTED' }, null, e, now).join('\n'), EXIT.FAIL);
  }
  if (opts.json) return out.json({ ok: true, ...r }, EXIT.OK);
  const c = out.c;
  const lines = [...aliasLines(c, r.alias), '', c.bold(`policies (accessor ${opts.accessor ?? 'AUTH_METHOD_ACCESSOR'})`), ...renderedLines(c, r.rendered, r.dropped)];
  if (r.dropped?.length) lines.push('', c.yellow(`${r.dropped.length} path block(s) dropped: Vault skips them silently`));
  // No decision here: the paths themselves follow the last login whenever the setup has a hazard.
  const order = loginOrderNote(c, r.loginOrder && { ...r.loginOrder, depends: { message: `rendered from this token's own login; another login with alias "${r.alias?.name ?? '?'}" replaces the metadata they are rendered from` } });
  if (order.head) lines.push('', c.yellow(c.bold(`${order.head}: these paths are this token's only while it is the last to log in with alias "${r.alias?.name ?? '?'}"`)), ...order.lines.slice(1));
  return out.text(lines.join('\n'), EXIT.OK);
}

async function cmdAws(io, { opts, positional }, out) {
  const token = tokenSource(io, positional, opts);
  const now = parseNow(opts.now, io) ?? Math.floor(Date.now() / 1000);
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
    // With keys the token is verified first: a rejection carries its report and is a verdict.
    if (!e.report) return out.fail(e, EXIT.USAGE);
    if (opts.json) return out.json({ ok: false, error: errorJson(e), report: e.report }, EXIT.FAIL);
    return out.text(verdictLines(out.c, false, { fail: 'AWS would reject this token' }, null, e, now).join('\n'), EXIT.FAIL);
  }
  const allowed = r.allowed === true;
  const steps = r.steps ?? [];
  // Issuer, audience and expiry are STS's own preflight checks (aws.iss, aws.aud, aws.exp), run
  // with or without keys; the core's verify step skips aud for that reason. Only the signature
  // depends on keys.
  const skipped = notChecked(steps, { only: ['signature'] });
  const accepted = allowed && (skipped.length === 0 || opts.insecure === true);
  const code = accepted ? EXIT.OK : EXIT.FAIL;
  if (opts.json) {
    const extra = skipped.length ? { notChecked: notCheckedJson(skipped) } : {};
    return out.json({ ok: accepted, ...extra, ...(opts.insecure ? { insecure: true } : {}), ...r }, code);
  }
  const c = out.c;
  const missing = skipped.map((k) => k.what).join(', ');
  let headline;
  if (!allowed) headline = c.red(c.bold('AWS would reject this token'));
  else if (skipped.length === 0) headline = c.green(c.bold('AWS would accept this token'));
  else if (accepted) headline = `${c.yellow(c.bold('the trust policy and preflight pass'))}; ${c.yellow(`${missing} NOT checked`)} (--insecure)`;
  else headline = `${c.red(c.bold('NOT VALIDATED'))}: the trust policy and preflight pass, but the ${missing} was NOT checked`;
  const lines = [headline];
  if (allowed && !accepted) lines.push('  STS verifies it with the provider\'s JWKS: give --jwks FILE|URL (or --discovery ISSUER), or --insecure to accept without it');
  if (steps.length) lines.push('', ...formatChecks(steps, c));
  lines.push(...warningSection(c, r.warnings));
  return out.text(lines.join('\n'), code);
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
  const c = out.c;
  const lines = [`issuer    ${r.issuer}`, `jwks_uri  ${r.jwksUri}`];
  if (r.algorithms) lines.push(`algs      ${r.algorithms.join(', ')}`);
  if (r.unsupportedAlgorithms?.length) lines.push(`          not supported here: ${r.unsupportedAlgorithms.join(', ')}`);
  for (const k of info.keys) lines.push(`  kid=${k.kid ?? '(none)'}  alg=${k.alg ?? '-'}  kty=${k.kty}  thumbprint=${k.thumbprint}`);
  for (const k of info.skipped ?? []) lines.push(`  ${c.yellow('!')} skipped key #${k.index ?? '?'} kid=${k.kid ?? '(none)'}: ${k.message}${k.code ? c.dim(` [${k.code}]`) : ''}`);
  lines.push(...warningSection(c, r.warnings));
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
  if (opts.now !== undefined) o.now = parseNow(opts.now, io);
  if (opts.extra !== undefined) {
    o.extraClaims = {};
    for (const kv of opts.extra) {
      const eq = kv.indexOf('=');
      if (eq < 1) throw new UsageError(`--extra ${kv}: expected KEY=VALUE`);
      o.extraClaims[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  const m = api.mintTestIdentity(o);
  const write = (file, value, mode) => {
    let fd;
    try {
      // Truncated, then set to `mode` (also when the file already existed, which `open`'s mode
      // does not do) before the content is written.
      fd = openSync(file, 'w', mode);
      if (mode !== undefined) fchmodSync(fd, mode);
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    } catch (e) {
      throw new UsageError(`cannot write ${file}: ${e.code ?? e.message}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
  if (opts['out-jwks'] !== undefined) write(opts['out-jwks'], m.jwks);
  if (opts['out-key'] !== undefined) write(opts['out-key'], m.privateJwk, 0o600);
  if (opts.json) return out.json({ ok: true, ...m }, EXIT.OK);
  if (opts['out-jwks'] === undefined) io.stderr(`public JWKS (save it, or use --out-jwks FILE):\n${JSON.stringify(m.jwks)}\n`);
  return out.text(m.token, EXIT.OK);
}

function pairs(list, flag, split) {
  const out = {};
  for (const spec of list ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${spec}: expected NAME=VALUE`);
    out[spec.slice(0, eq)] = split ? spec.slice(eq + 1).split(',').filter(Boolean) : spec.slice(eq + 1);
  }
  return out;
}

/** What `--extra-claim` / `--determines` declare about the issuer's claims (login order). */
function knowledgeOf(opts) {
  if (!opts['extra-claim'] && !opts.determines) return undefined;
  const knowledge = {};
  if (opts['extra-claim']) knowledge.extraClaims = pairs(opts['extra-claim'], 'extra-claim', false);
  if (opts.determines) knowledge.determines = pairs(opts.determines, 'determines', true);
  return knowledge;
}

function loginStepOf(io, arg) {
  const t = arg === '-' ? io.readStdin().trim() : arg.startsWith('@') ? readText(io, arg.slice(1), 'token file').trim() : arg;
  if (t.startsWith('{')) {
    try {
      return { claims: JSON.parse(t) };
    } catch (e) {
      throw new UsageError(`${arg}: not a JWT and not JSON claims (${e.message})`);
    }
  }
  return t;
}

async function cmdLogins(io, { opts, positional }, out) {
  if (opts.role === undefined) throw new UsageError('--role FILE is required');
  const pols = policies(io, opts);
  if (!pols.length) throw new UsageError('at least one --policy FILE is required');
  const now = parseNow(opts.now, io) ?? Math.floor(Date.now() / 1000);
  const knowledge = knowledgeOf(opts) ?? {};
  const options = {
    role: readText(io, opts.role, 'role'),
    roleName: opts['role-name'] ?? basename(opts.role, extname(opts.role)),
    policies: pols,
    knowledge,
    accessor: opts.accessor,
    request: opts.request,
    now,
  };
  // Without tokens: the analysis and the fix only.
  const r = positional.length
    ? simulateLogins(positional.map((a) => loginStepOf(io, a)), options)
    : analyzeLoginOrder(options);
  const exit = r.analysis.hazard ? EXIT.FAIL : EXIT.OK;
  if (opts.json) return out.json({ ok: !r.analysis.hazard, ...r }, exit);
  const c = out.c;
  const worst = r.analysis.findings.find((f) => f.severity !== 'notice');
  const lines = [
    worst
      ? c.red(c.bold(`LOGIN-ORDER HAZARD (${worst.severity}): answers depend on who logged in last with the same ${r.analysis.userClaim}`))
      : c.green(c.bold(`no login-order hazard: the alias name (${r.analysis.userClaim}) determines every templated value`)),
  ];
  if (r.analysis.findings.length) lines.push('', c.bold('findings'));
  for (const f of r.analysis.findings) lines.push(...formatFinding(c, f));
  if (r.suggestions.length) lines.push('', c.bold('the fix (each re-checked: the analysis finds no hazard with it)'));
  r.suggestions.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.title}`, ...formatFix(c, s));
  });
  if (r.simulation) {
    lines.push('', c.bold(`simulation${r.request ? ` (request: ${r.request.operation} ${r.request.path})` : ''}`), ...loginTable(r).map((l) => `  ${l}`));
    for (const n of r.simulation.notes) lines.push(c.yellow(`  note: ${n}`));
  }
  return out.text(lines.join('\n'), exit);
}

/** `--request "GET /path"` as `{ method, path }`. */
function requestLine(text) {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(text ?? '');
  if (!m) throw new UsageError('--request needs "METHOD PATH", e.g. "GET /v1/kv/data/app"');
  return { method: m[1], path: m[2] };
}

/** The request the gate decides: `--request`, `--header`s, and the token where `$TOKEN` is. */
function gateRequest(io, opts) {
  const { method, path } = requestLine(opts.request);
  const headers = (opts.header ?? []).map((h) => {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header ${JSON.stringify(h)}: expected NAME:VALUE`);
    return [h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trimStart()];
  });
  if (opts.token === undefined) return { method, path, headers };
  const token = tokenSource(io, [opts.token], {});
  const fill = (v) => v.split('$TOKEN').join(token);
  const named = path.includes('$TOKEN') || headers.some(([, v]) => v.includes('$TOKEN'));
  if (!named) headers.push(['authorization', `Bearer ${token}`]);
  return { method, path: fill(path), headers: headers.map(([k, v]) => [k, fill(v)]) };
}

function decisionLines(c, d) {
  const lines = [];
  const head = { allow: c.green, pass: c.green, deny: c.red, wait: c.yellow }[d.verdict] ?? ((x) => x);
  const what = {
    allow: 'ALLOW: forwarded upstream (token verified and authorised)',
    pass: 'PASS: forwarded upstream without a verified token',
    deny: `DENY: ${d.status} local reply`,
    wait: 'WAIT: the keys could not be loaded yet',
  }[d.verdict] ?? d.verdict;
  // Beside the verdict: whether the policies' answer depends on who logged in last.
  const order = loginOrderNote(c, d.login_order ? { hazards: d.login_order, fix: d.login_fix, depends: d.depends_on_login_order } : undefined);
  lines.push(head(c.bold(what)) + (order.head ? `; ${c.yellow(c.bold(order.head))}` : '') + (d.provider ? c.dim(`  (provider ${d.provider})`) : ''));
  if (d.code) lines.push(`${d.message ?? ''}${c.dim(` [${d.code}]`)}`);
  else if (d.message) lines.push(d.message);
  if (d.reply) {
    lines.push('', c.bold(`reply ${d.reply.status}`));
    for (const [k, v] of d.reply.headers ?? []) lines.push(`  ${k}: ${v}`);
    if (d.reply.body) lines.push('', ...d.reply.body.split('\n').map((l) => `  ${l}`));
  }
  if (d.upstream) {
    const { set = [], remove = [], path } = d.upstream;
    lines.push('', c.bold('upstream'));
    if (path !== undefined) lines.push(`  :path -> ${path}`);
    for (const [k, v] of set) lines.push(`  set     ${k}: ${v}`);
    for (const k of remove) lines.push(`  remove  ${k}`);
    if (path === undefined && !set.length && !remove.length) lines.push('  (unchanged)');
  }
  if (d.checks?.length) lines.push('', c.bold('checks'), ...formatChecks(d.checks, c));
  if (d.also_failing?.length) {
    lines.push('', c.bold('also failing (after the first failure, which is the verdict)'), ...formatChecks(d.also_failing, c));
  }
  if (d.alias) {
    lines.push('', c.bold('Vault entity alias'), `  name      ${d.alias.name}`);
    for (const [k, v] of Object.entries(d.alias.metadata ?? {})) lines.push(`  metadata  ${k} = ${v}`);
  }
  if (d.policies) {
    const p = d.policies;
    const line = p.allowed ? c.green('policies allow the request') : c.red('policies deny the request');
    const rule = p.winner ? ` (${p.capability ?? 'no capability'} via ${p.winner.pattern}: ${(p.winner.capabilities ?? []).join(', ')})` : '';
    lines.push('', c.bold('policies'), `  ${line}${rule}${order.head ? `; ${c.yellow(order.head)}` : ''}`);
  }
  if (order.lines.length) lines.push('', ...order.lines);
  return lines;
}

async function cmdGate(io, { opts, positional }, out) {
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])} (the token goes in --token)`);
  if (opts.config === undefined) throw new UsageError('--config FILE is required (the gate configuration)');
  if (opts.request === undefined) throw new UsageError('--request "METHOD PATH" is required');
  const config = readText(io, opts.config, 'gate configuration');
  const request = gateRequest(io, opts);
  const now = parseNow(opts.now, io);
  const gate = api.createGate(config, io.fetch ? { fetch: io.fetch } : {});
  let d;
  try {
    d = await gate.decide(request, now === undefined ? {} : { now });
  } finally {
    gate.free();
  }
  const exit = d.verdict === 'allow' || d.verdict === 'pass' ? EXIT.OK : EXIT.FAIL;
  // The Decision JSON itself (compact: the text every front end gives), not the { ok } wrapper.
  if (opts.json) return out.text(JSON.stringify(d), exit);
  return out.text(decisionLines(out.c, d).join('\n'), exit);
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
  logins: cmdLogins,
  gate: cmdGate,
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
  // Decided before parsing, so that a usage error in a --json run is JSON too.
  let wantJson = rest.includes('--json');
  const jsonError = (error, code) => {
    io.stdout(`${JSON.stringify({ ok: false, error }, null, 2)}\n`);
    return code;
  };
  const spec = COMMANDS[command];
  if (!spec) {
    const message = `unknown command "${command}"`;
    if (wantJson) return jsonError({ code: 'ERR_OPTIONS_INVALID', message }, EXIT.USAGE);
    io.stderr(`jwtgate: ${message}\n\n${mainHelp()}\n`);
    return EXIT.USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs(rest, spec.flags);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (wantJson) return jsonError({ code: 'ERR_OPTIONS_INVALID', message: e.message }, EXIT.USAGE);
    io.stderr(`jwtgate ${command}: ${e.message}\n(see jwtgate ${command} --help)\n`);
    return EXIT.USAGE;
  }
  if (parsed.opts.help) {
    io.stdout(`${commandHelp(command)}\n`);
    return EXIT.OK;
  }
  wantJson = Boolean(parsed.opts.json);
  const out = {
    c: painter(wantsColour(parsed.opts, io.env, io.isTTY)),
    json(value, code) {
      io.stdout(`${JSON.stringify(value, null, 2)}\n`);
      return code;
    },
    text(s, code) {
      io.stdout(`${s}\n`);
      return code;
    },
    /** An error (not a verdict): stderr, or with --json `{ ok: false, error }` on stdout. */
    fail(e, code) {
      if (wantJson) return jsonError(errorJson(e), code);
      io.stderr(`jwtgate ${command}: ${String(e.message).trimEnd()}${e.code ? ` [${e.code}]` : ''}\n`);
      return code;
    },
  };
  try {
    return await RUN[command](io, parsed, out);
  } catch (e) {
    if (e instanceof UsageError) {
      if (wantJson) return jsonError({ code: 'ERR_OPTIONS_INVALID', message: e.message }, EXIT.USAGE);
      io.stderr(`jwtgate ${command}: ${e.message}\n(see jwtgate ${command} --help)\n`);
      return EXIT.USAGE;
    }
    if (e instanceof api.JwtgateError) return out.fail(e, EXIT.USAGE);
    // A bug, not bad input: the stack goes to stderr either way; there is no code for it.
    io.stderr(`jwtgate ${command}: internal error: ${e?.stack ?? e}\n`);
    if (wantJson) return jsonError({ message: `internal error: ${e?.message ?? e}` }, EXIT.USAGE);
    return EXIT.USAGE;
  }
}
