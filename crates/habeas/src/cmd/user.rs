//! `habeas user`: the server's accounts, from the command line (which needs no account: whoever
//! can write the ledger's file is its administrator).

use std::io::BufRead as _;

use habeas_store::{Directory, Role};
use serde_json::json;

use crate::context::{CmdResult, Context, Failure, Outcome, now, print_json};
use crate::flags::UserCommand;

/// Passwords shorter than this are refused.
const MIN_PASSWORD: usize = 10;

fn directory(ctx: &Context) -> Result<Directory, Failure> {
    drop(ctx.open()?);
    Directory::open(&ctx.location()).map_err(|e| ctx.store_failure(e))
}

/// The new password: `$HABEAS_PASSWORD`, else one line of standard input.
fn read_password(ctx: &Context) -> Result<String, Failure> {
    let password = match std::env::var("HABEAS_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure(format!("stdin: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.chars().count() < MIN_PASSWORD {
        return Err(Failure(format!(
            "{} {MIN_PASSWORD} {}",
            ctx.t("the password must have at least", "la contraseña debe tener al menos"),
            ctx.t(
                "characters (give it on standard input or in HABEAS_PASSWORD)",
                "caracteres (désela por la entrada estándar o en HABEAS_PASSWORD)"
            )
        )));
    }
    Ok(password)
}

pub fn run(ctx: &Context, command: UserCommand) -> CmdResult {
    let mut directory = directory(ctx)?;
    let at = now()?;
    let fail = |e| ctx.store_failure(e);
    match command {
        UserCommand::Add { name, role } => {
            let role = Role::parse(&role).ok_or_else(|| Failure(format!("--role {role}")))?;
            let password = read_password(ctx)?;
            let hash = habeas_server::hash_password(&password).map_err(Failure)?;
            directory.add_account(&name, role, &hash, &at).map_err(fail)?;
            report(
                ctx,
                json!({"added": name, "role": role.name()}),
                &format!("{} {name} ({})", ctx.t("added", "añadida"), role.name()),
            );
        }
        UserCommand::Grant { name, person } => {
            let account = directory.account(&name).map_err(fail)?;
            if account.as_ref().is_some_and(|a| a.role != Role::Family) {
                eprintln!(
                    "habeas: {name}: {}",
                    ctx.t(
                        "not a family account; grants only limit family accounts, other roles see every person",
                        "no es una cuenta de familia; las concesiones solo limitan cuentas de familia, los demás roles ven a todas las personas"
                    )
                );
            }
            let mut ledger = ctx.open()?;
            let record = ledger.record(&person).map_err(fail)?;
            if record.as_ref().is_none_or(|r| r.record_type != "person") {
                return Err(Failure(format!(
                    "--person {person}: {}",
                    ctx.t("no person with this id", "no hay una persona con este id")
                )));
            }
            directory.grant(&name, &person, &at).map_err(fail)?;
            report(
                ctx,
                json!({"account": name, "granted": person}),
                &format!("{name} {} {person}", ctx.t("may now see", "ahora puede ver a")),
            );
        }
        UserCommand::Revoke { name, person } => {
            let removed = directory.revoke(&name, person.as_deref()).map_err(fail)?;
            let text = match &person {
                Some(p) => format!("{name} {} {p}", ctx.t("may no longer see", "ya no puede ver a")),
                None => format!(
                    "{name} {}",
                    ctx.t("removed, with its grants and tokens", "eliminada, con sus concesiones y tokens")
                ),
            };
            report(ctx, json!({"account": name, "person": person, "removed": removed}), &text);
        }
        UserCommand::Token { name, label } => {
            let token = habeas_server::new_token();
            directory.add_token(&name, &habeas_server::token_digest(&token), &label, &at).map_err(fail)?;
            if ctx.json {
                print_json(&json!({"account": name, "token": token}));
            } else {
                eprintln!(
                    "habeas: {}",
                    ctx.t(
                        "the token is shown once; keep it like a password",
                        "el token se muestra una sola vez; guárdelo como una contraseña"
                    )
                );
                println!("{token}");
            }
        }
        UserCommand::List => {
            let accounts = directory.accounts().map_err(fail)?;
            let mut rows = Vec::new();
            for a in &accounts {
                let granted = directory.granted(&a.name).map_err(fail)?;
                if !ctx.json {
                    println!("{:<20} {:<8} {}", a.name, a.role.name(), granted.join(" "));
                }
                rows.push(
                    json!({"name": a.name, "role": a.role.name(), "created": a.created, "granted": granted}),
                );
            }
            if ctx.json {
                print_json(&json!({"accounts": rows}));
            }
        }
    }
    Ok(Outcome::Clean)
}

fn report(ctx: &Context, value: serde_json::Value, text: &str) {
    if ctx.json {
        print_json(&value);
    } else {
        println!("{text}");
    }
}
