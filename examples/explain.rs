//! Verifies a token against a JWKS and (optionally) a Vault role, and prints every check with
//! expected vs actual values.
//!
//! ```text
//! cargo run --example explain -- TOKEN_FILE JWKS_FILE [ROLE_FILE] [--config FILE]
//!     [--role-name NAME] [--now UNIX_SECONDS] [--policy [NAME=]FILE]... [--accessor ACCESSOR]
//!     [--request "METHOD /v1/path"]... [--json]
//! ```
//!
//! Without a role file the `standard` profile is used. With `--policy` and `--request`, a
//! verified Vault identity's alias is used to render the (templated) policies and decide each
//! request. Exit code 0 = valid (and every request allowed), 1 = invalid or denied, 2 = bad
//! input.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use jwtgate::KeySet;
use jwtgate::StandardOptions;
use jwtgate::{explain, VerifyOptions};
use jwtgate::{parse_policy, HttpOptions, TemplateContext};
use jwtgate::{Authorizer, Request};
use jwtgate::{Limits, UnixTime};
use jwtgate::{Outcome, Report};
use jwtgate::{VaultConfig, VaultRole};

struct Args {
    token: String,
    jwks: String,
    role: Option<String>,
    config: Option<String>,
    role_name: String,
    now: Option<i64>,
    json: bool,
    policies: Vec<String>,
    accessor: String,
    requests: Vec<String>,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: explain TOKEN_FILE JWKS_FILE [ROLE_FILE] [--config FILE] [--role-name NAME] \
         [--now UNIX_SECONDS] [--policy [NAME=]FILE]... [--accessor ACCESSOR] \
         [--request \"METHOD /v1/path\"]... [--json]"
    );
    ExitCode::from(2)
}

fn parse_args() -> Option<Args> {
    let mut positional = Vec::new();
    let mut args = Args {
        token: String::new(),
        jwks: String::new(),
        role: None,
        config: None,
        role_name: String::from("default"),
        now: None,
        json: false,
        policies: Vec::new(),
        accessor: String::from("AUTH_METHOD_ACCESSOR"),
        requests: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" => args.config = Some(it.next()?),
            "--role-name" => args.role_name = it.next()?,
            "--now" => args.now = Some(it.next()?.trim().parse().ok()?),
            "--json" => args.json = true,
            "--policy" => args.policies.push(it.next()?),
            "--accessor" => args.accessor = it.next()?,
            "--request" => args.requests.push(it.next()?),
            "-h" | "--help" => return None,
            _ => positional.push(a),
        }
    }
    let mut p = positional.into_iter();
    args.token = p.next()?;
    args.jwks = p.next()?;
    args.role = p.next();
    if p.next().is_some() {
        return None;
    }
    Some(args)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

fn print_report(report: &Report) {
    print_checks(&report.checks);
}

fn print_checks(checks: &[jwtgate::Check]) {
    for c in checks {
        let mark = match c.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "skip",
            Outcome::Info => "info",
        };
        let code = c.code.map(|c| format!(" [{c}]")).unwrap_or_default();
        println!("{mark}  {:<28} {}{code}", c.id, c.message);
        if let Some(e) = &c.expected {
            println!("      {:<28} expected: {e}", "");
        }
        if let Some(a) = &c.actual {
            println!("      {:<28} actual:   {a}", "");
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let limits = Limits::default();
    let token = read(&args.token)?;
    let keys =
        KeySet::from_jwks(read(&args.jwks)?.as_bytes(), &limits).map_err(|e| e.to_string())?;
    let now = match args.now {
        Some(n) => UnixTime(n),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?
                .as_secs();
            UnixTime(i64::try_from(secs).map_err(|e| e.to_string())?)
        }
    };
    let opts = match &args.role {
        None => VerifyOptions::standard(now, StandardOptions::default()),
        Some(role_path) => {
            let role = VaultRole::from_json(read(role_path)?.as_bytes(), &limits)
                .map_err(|e| e.to_string())?;
            let config = match &args.config {
                Some(p) => VaultConfig::from_json(read(p)?.as_bytes(), &limits)
                    .map_err(|e| e.to_string())?,
                None => VaultConfig::default(),
            };
            for w in role.warnings.iter().chain(config.warnings.iter()) {
                eprintln!("warning: {w}");
            }
            VerifyOptions::vault(now, role, &args.role_name, config)
        }
    };
    let result = explain(token.trim(), &keys, &opts);
    if args.json {
        let json = match &result {
            Ok(v) => serde_json::to_string_pretty(v),
            Err(r) => serde_json::to_string_pretty(r),
        };
        println!("{}", json.map_err(|e| e.to_string())?);
        return Ok(result.is_ok());
    }
    println!("now: {} ({})", now.0, now.to_iso8601());
    match &result {
        Ok(v) => {
            print_report(&v.report);
            println!();
            let kid = v.key.kid.as_deref().unwrap_or("-");
            println!(
                "VALID: signed by {} key kid={kid} (thumbprint {})",
                v.key.kty, v.key.thumbprint
            );
            if let Some(alias) = &v.alias {
                println!("alias name: {}", alias.name);
                for (k, val) in &alias.metadata {
                    println!("alias metadata: {k} = {val}");
                }
                if !alias.groups.is_empty() {
                    println!("group aliases: {}", alias.groups.join(", "));
                }
                if !args.policies.is_empty() {
                    return authorize(args, alias, now);
                }
            }
        }
        Err(r) => {
            print_report(&r.report);
            println!();
            println!("INVALID [{}]: {}", r.error.code(), r.error);
        }
    }
    Ok(result.is_ok())
}

/// Renders the policies for the alias and decides each `--request`; true iff all allowed.
fn authorize(args: &Args, alias: &jwtgate::Alias, now: UnixTime) -> Result<bool, String> {
    let limits = Limits::default();
    let mut policies = Vec::new();
    for arg in &args.policies {
        // `NAME=FILE`, or `FILE` (the policy is then named after the file).
        let (name, path) = match arg.split_once('=') {
            Some((name, path)) if !name.contains('/') => (name.to_string(), path),
            _ => {
                let stem = std::path::Path::new(arg).file_stem();
                (
                    stem.map_or_else(|| arg.clone(), |s| s.to_string_lossy().into_owned()),
                    arg.as_str(),
                )
            }
        };
        policies.push(parse_policy(&name, &read(path)?, &limits).map_err(|e| e.to_string())?);
    }
    let ctx = TemplateContext::for_alias(alias, &args.accessor, now);
    let authz = Authorizer::new(&policies, &ctx);
    let mut all_allowed = true;
    for line in &args.requests {
        let (method, target) =
            line.split_once(' ').ok_or_else(|| format!("bad --request {line:?}"))?;
        let req = Request::from_http(method, target.trim(), &HttpOptions::default())
            .map_err(|e| e.to_string())?;
        let report = authz.authorize(&req);
        println!();
        println!("== {line} (accessor {})", args.accessor);
        print_checks(&report.steps);
        for d in &report.dropped {
            println!("dropped path {:?} of policy {}: {} ({})", d.path, d.policy, d.reason, d.hint);
        }
        match &report.winner {
            Some(w) if report.allowed => println!("ALLOWED by {:?}", w.pattern),
            _ => println!("DENIED ({})", report.decision),
        }
        all_allowed &= report.allowed;
    }
    Ok(all_allowed)
}

fn main() -> ExitCode {
    let Some(args) = parse_args() else { return usage() };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
