//! `patient-risk-frontend`: the BuildKit frontend of this repository.
//!
//! - No arguments, started by BuildKit (`BUILDKIT_FRONTEND_OPT_*` /
//!   `BUILDKIT_SESSION_ID` in the environment): gateway mode, speaking
//!   LLBBridge over stdin/stdout ([`gateway_mode`]). Nothing else may write
//!   to stdout then.
//! - `plan`, `targets`, `catalog`, `lint`, `affected`: daemon-free commands ([`commands`], [`affected`]).
//! - `sbom-scan`: BuildKit's SBOM generator protocol for the frontend's own image ([`sbom_scan`]);
//!   `deps-record` prints the dependency record this binary carries (crate `deps-record`).
//!
//! The binary only wires the crates together: `app-spec` parses specs,
//! `llb-graphs` builds graphs with `llb`, `gateway-client` talks to BuildKit.

mod affected;
mod cli_error;
mod commands;
mod context_check;
mod gateway_error;
mod gateway_mode;
mod replies;
mod sbom;
mod sbom_scan;
mod spec_source;

use std::io::Write as _;

use gateway_client::FrontendOptions;

fn print_and_exit(result: Result<String, cli_error::CliError>, found_code: Option<bool>) -> ! {
    match result {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            std::process::exit(if found_code == Some(true) { 1 } else { 0 })
        }
        Err(e) => {
            eprintln!("patient-risk-frontend: {}", e.message);
            std::process::exit(e.code)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        None if FrontendOptions::env_is_gateway() => gateway_mode::run(),
        Some("plan") => print_and_exit(commands::plan(rest), None),
        Some("affected") => print_and_exit(commands::affected(rest), None),
        Some("targets") => print_and_exit(commands::targets(rest), None),
        Some("catalog") => print_and_exit(commands::catalog(rest), None),
        Some("lint") => match commands::lint(rest) {
            Ok((text, found)) => print_and_exit(Ok(text), Some(found)),
            Err(e) => print_and_exit(Err(e), None),
        },
        Some("sbom-scan") => print_and_exit(sbom_scan::run(rest), None),
        Some("deps-record") => {
            // This binary's own embedded dependency record (empty in a development build).
            let record = String::from_utf8_lossy(deps_record::record()).into_owned();
            print_and_exit(Ok(if record.is_empty() { record } else { record + "\n" }), None)
        }
        Some("-h" | "--help" | "help") => print_and_exit(Ok(commands::USAGE.to_string()), None),
        Some("--version" | "version") => {
            print_and_exit(Ok(format!("patient-risk-frontend {}\n", env!("CARGO_PKG_VERSION"))), None)
        }
        None => {
            eprintln!(
                "patient-risk-frontend: no command, and no BuildKit gateway environment (BUILDKIT_FRONTEND_OPT_*)\n\n{}",
                commands::USAGE
            );
            std::process::exit(2)
        }
        Some(other) => {
            eprintln!("patient-risk-frontend: unknown command `{other}`\n\n{}", commands::USAGE);
            std::process::exit(2)
        }
    }
}
