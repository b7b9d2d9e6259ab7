//! `habeas`: the command line. Parses flags, runs one command, maps its outcome to an exit code:
//! 0 success, 1 the command found what it guards against (tampering, rejected records), 2 a usage
//! or environment error (bad flag, unreadable database, key or input file).

/// Records are parsed on one thread and written (and freed) on another; mimalloc handles such
/// cross-thread frees far better than glibc's allocator (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cmd;
mod context;
mod flags;

use std::process::ExitCode;

use clap::Parser;

use context::{Context, Outcome};
use flags::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let result = Context::new(&cli.global).and_then(|ctx| run(&ctx, cli.command));
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Err(failure) => {
            eprintln!("habeas: {failure}");
            if json {
                context::print_json(&serde_json::json!({"error": failure.0}));
            }
            ExitCode::from(2)
        }
    }
}

fn run(ctx: &Context, command: Command) -> context::CmdResult {
    match command {
        Command::Init { origin } => cmd::init::run(ctx, origin),
        Command::Demo { dir } => cmd::demo::run(ctx, dir),
        Command::Import { files, keep_going, rejects, format, mapping, by, no_progress } => cmd::import::run(
            ctx,
            cmd::import::ImportArgs { files, keep_going, rejects, format, mapping, by, no_progress },
        ),
        Command::Verify { trusted } => cmd::verify::run(ctx, trusted),
        Command::Checkpoint => cmd::checkpoint::run(ctx),
        Command::Proof { id, index, consistency } => cmd::proof::run(ctx, id, index, consistency),
        Command::Erase { id, reason, by } => cmd::erase::run(ctx, &id, &reason, &by),
        Command::Export { record_type, format, out } => cmd::export::run(ctx, record_type, &format, out),
        Command::Timeline { id, as_of, known_at } => cmd::timeline::run(ctx, &id, as_of, known_at),
        Command::Rebuild => cmd::rebuild::run(ctx),
        Command::Dedupe { min_score } => cmd::dedupe::run(ctx, min_score),
        Command::Check { rules, as_of, known_at, explain, fail_on, policy } => {
            cmd::check::run(ctx, cmd::check::CheckArgs { rules, as_of, known_at, explain, fail_on, policy })
        }
        Command::Occupancy { place, from, to, as_of, known_at } => {
            cmd::occupancy::run(ctx, cmd::occupancy::OccupancyArgs { place, from, to, as_of, known_at })
        }
        Command::Serve { addr, public_min_count, behind_tls, read_only, no_check } => cmd::serve::run(
            ctx,
            cmd::serve::ServeArgs { addr, public_min_count, behind_tls, read_only, no_check },
        ),
        Command::User(user) => cmd::user::run(ctx, user),
        Command::Audit { since, user, record } => cmd::audit::run(ctx, since, user, record),
        Command::Locate { query, born, nationality, limit, as_of, known_at } => cmd::locate::run(
            ctx,
            cmd::locate::LocateArgs { query, born, nationality, limit, as_of, known_at },
        ),
    }
}
