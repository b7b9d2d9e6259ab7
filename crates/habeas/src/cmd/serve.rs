//! `habeas serve`: the HTTP API and the web pages (`habeas-server`), on `--addr`.

use habeas_server::Config;

use crate::context::{CmdResult, Context, Failure, Outcome};

pub struct ServeArgs {
    pub addr: String,
    pub public_min_count: u64,
    pub behind_tls: bool,
    pub read_only: bool,
    pub no_check: bool,
    pub max_upload_mb: u64,
}

pub fn run(ctx: &Context, args: ServeArgs) -> CmdResult {
    // Fail here, in the person's language, rather than inside the server.
    drop(ctx.open()?);
    let signer = if args.read_only { None } else { Some(ctx.signer()?) };
    let mut config = Config::new(ctx.location());
    config.signer = signer;
    config.public_min_count = args.public_min_count;
    config.behind_tls = args.behind_tls;
    config.check = !args.no_check;
    config.max_upload = args.max_upload_mb.saturating_mul(1 << 20);
    config.now = std::env::var("HABEAS_NOW").ok().and_then(|t| t.parse().ok());
    let ready = |bound: std::net::SocketAddr| {
        eprintln!(
            "habeas: {} {} {} http://{bound}/ ({})",
            ctx.t("serving", "sirviendo"),
            ctx.shown_db(),
            ctx.t("on", "en"),
            ctx.t("Ctrl-C stops it", "Ctrl-C lo detiene")
        );
    };
    habeas_server::serve(config, &args.addr, ready).map_err(|e| Failure(format!("{}: {e}", args.addr)))?;
    Ok(Outcome::Clean)
}
