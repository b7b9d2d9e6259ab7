//! `habeas`: the command line. Parses flags, runs one command, maps its outcome to an exit code:
//! 0 success, 1 the command found what it guards against (tampering, rejected records), 2 a usage
//! or environment error (bad flag, unreadable database, key or input file), or a fault in habeas
//! itself: a panic is reported in one line, in the user's language, with where it happened (what
//! a bug report needs), and ends the command with 2; its unfinished write is rolled back, as every
//! write is one transaction (`RUST_BACKTRACE` still shows Rust's own report).

/// Records are parsed on one thread and written (and freed) on another; mimalloc handles such
/// cross-thread frees far better than glibc's allocator (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cmd;
mod context;
mod flags;

use std::process::ExitCode;

use clap::Parser;
use habeas_model::Lang;

use context::{Context, Outcome};
use flags::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        end_quietly_when_the_reader_goes();
    }
    let json = cli.global.json;
    let lang = cli.global.lang.as_deref().and_then(Lang::parse).unwrap_or_else(Lang::from_env);
    report_faults_plainly(lang);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Context::new(&cli.global).and_then(|ctx| run(&ctx, cli.command))
    }))
    .unwrap_or_else(|_| {
        let stopped = lang.pick(
            "the command stopped on that fault; anything it was writing is undone, and the ledger is as it was. Please report it.",
            "la orden se detuvo por ese fallo; lo que estuviera escribiendo se deshace, y el registro sigue como estaba. Por favor, avísenos.",
        );
        Err(context::Failure(stopped.to_string()))
    });
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

/// A reader that stops reading (`habeas export | head`, `habeas user list | grep -q ana`) ends
/// habeas as it ends `cat` or `grep`: quietly, by SIGPIPE. Rust starts programs with SIGPIPE
/// ignored, so every later write would fail instead, and `println!` turns that failure into a
/// fault reported as a bug. An import cut off this way is undone like any import that does not
/// finish. Not for `serve`, whose clients may go away at any moment.
fn end_quietly_when_the_reader_goes() {
    // SAFETY: restores the default disposition of one signal, before any thread is started and
    // with no handler of ours involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Replaces Rust's report of a panic (on any thread) by one line saying what it is: a fault in
/// habeas, and where. What it did to the command is said by the command's own error.
fn report_faults_plainly(lang: Lang) {
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or_default();
        let thread = std::thread::current();
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!(
            "habeas: {} ({}, {place}): {message}",
            lang.pick("a fault in habeas", "un fallo de habeas"),
            thread.name().unwrap_or("main"),
        );
    }));
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
        Command::Proof { check: Some(document), trusted, .. } => cmd::proof::check(ctx, &document, trusted),
        Command::Proof { id, index, consistency, .. } => cmd::proof::run(ctx, id, index, consistency),
        Command::Erase { id, reason, by } => cmd::erase::run(ctx, &id, &reason, &by),
        Command::Export { record_type, format, out } => cmd::export::run(ctx, record_type, &format, out),
        Command::Timeline { id, as_of, known_at } => cmd::timeline::run(ctx, &id, as_of, known_at),
        Command::Rebuild => cmd::rebuild::run(ctx),
        Command::Backup { dest } => cmd::backup::run(ctx, &dest),
        Command::Dedupe { min_score } => cmd::dedupe::run(ctx, min_score),
        Command::Check { rules, as_of, known_at, explain, fail_on, policy } => {
            cmd::check::run(ctx, cmd::check::CheckArgs { rules, as_of, known_at, explain, fail_on, policy })
        }
        Command::Occupancy { place, from, to, as_of, known_at } => {
            cmd::occupancy::run(ctx, cmd::occupancy::OccupancyArgs { place, from, to, as_of, known_at })
        }
        Command::Serve { addr, public_min_count, behind_tls, read_only, no_check, max_upload_mb } => {
            cmd::serve::run(
                ctx,
                cmd::serve::ServeArgs {
                    addr,
                    public_min_count,
                    behind_tls,
                    read_only,
                    no_check,
                    max_upload_mb,
                },
            )
        }
        Command::User(user) => cmd::user::run(ctx, user),
        Command::Audit { since, user, record } => cmd::audit::run(ctx, since, user, record),
        Command::Locate { query, born, nationality, limit, as_of, known_at } => cmd::locate::run(
            ctx,
            cmd::locate::LocateArgs { query, born, nationality, limit, as_of, known_at },
        ),
    }
}
