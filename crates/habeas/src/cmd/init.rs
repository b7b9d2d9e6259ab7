//! `habeas init`: an empty ledger, its signing key (mode 0600) and its public key beside it.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use habeas_ledger::Signer;
use habeas_store::{Ledger, Location};
use rand::Rng as _;
use serde_json::json;

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

/// The default origin: `habeas.local/<file name>`.
fn default_origin(db: &str) -> String {
    let name =
        Path::new(db).file_name().map_or_else(|| "habeas".into(), |n| n.to_string_lossy().into_owned());
    let clean: String = name.chars().map(|c| if c.is_whitespace() || c == '+' { '_' } else { c }).collect();
    format!("habeas.local/{clean}")
}

/// Writes a file that must not exist yet, with the given mode.
fn write_new(path: &Path, text: &str, mode: u32, ctx: &Context) -> Result<(), Failure> {
    let mut file = OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure(format!(
                "{}: {}",
                path.display(),
                ctx.t(
                    "already exists; habeas never overwrites a key",
                    "ya existe; habeas nunca sobrescribe una clave"
                )
            ))
        } else {
            Failure(format!("{}: {e}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure(format!("{}: {e}", path.display())))
}

/// Creates the ledger at `ctx.db`, its signing key at `ctx.key` (mode 0600) and `<db>.pub`,
/// refusing to overwrite any of them; returns the signer.
pub fn create(ctx: &Context, origin: &str) -> Result<Signer, Failure> {
    let location = ctx.location();
    ctx.key_named()?;
    let pub_path = ctx.pub_path();
    let db_file = match &location {
        Location::Sqlite(path) => Some(path.as_path()),
        Location::Postgres(_) => None,
    };
    for path in db_file.into_iter().chain([ctx.key.as_path(), Path::new(&pub_path)]) {
        if path.exists() {
            return Err(Failure(format!(
                "{}: {}",
                path.display(),
                ctx.t(
                    "already exists; habeas never overwrites a ledger or a key",
                    "ya existe; habeas nunca sobrescribe un registro ni una clave"
                )
            )));
        }
    }
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let signer = Signer::from_seed(origin, seed).map_err(|e| Failure(format!("--origin {origin}: {e}")))?;
    write_new(&ctx.key, &format!("{}\n", signer.to_key_string()), 0o600, ctx)?;
    let created =
        write_new(Path::new(&pub_path), &format!("{}\n", signer.verifier().to_key_string()), 0o644, ctx)
            .and_then(|()| Ledger::create(&location, &signer.verifier()).map_err(|e| ctx.store_failure(e)));
    if let Err(failure) = created {
        // Keys of a ledger that was not made sign nothing; leave no stray secret behind. (Each
        // was created new above, so nothing that existed before is removed.)
        let _ = std::fs::remove_file(&ctx.key);
        let _ = std::fs::remove_file(&pub_path);
        return Err(failure);
    }
    Ok(signer)
}

pub fn run(ctx: &Context, origin: Option<String>) -> CmdResult {
    let origin = origin.unwrap_or_else(|| default_origin(&ctx.shown_db()));
    let signer = create(ctx, &origin)?;
    let verifier = signer.verifier().to_key_string();
    let pub_path = ctx.pub_path();
    if ctx.json {
        print_json(&json!({"db": ctx.shown_db(), "origin": origin, "verifier_key": verifier}));
    } else {
        println!("{} {}", ctx.t("Created ledger", "Registro creado"), ctx.shown_db());
        println!("  origin:        {origin}");
        println!(
            "  {}  {} ({})",
            ctx.t("signing key: ", "clave de firma:"),
            ctx.key.display(),
            ctx.t(
                "keep it secret, and backed up apart from the ledger",
                "manténgala en secreto, con copia aparte del registro"
            )
        );
        println!("  {}  {pub_path}", ctx.t("verifier key:", "clave pública: "));
        println!("  {verifier}");
        println!("{}", ctx.t("Publish the verifier key: with it anyone can check this ledger's checkpoints.", "Publique la clave de verificación: con ella cualquiera puede comprobar los puntos de control."));
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_have_no_spaces_or_plus() {
        assert_eq!(default_origin("cases/my ledger+1.db"), "habeas.local/my_ledger_1.db");
        assert_eq!(default_origin("habeas.db"), "habeas.local/habeas.db");
    }
}
