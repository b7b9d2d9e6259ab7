//! `habeas demo`: the shipped example case, end to end, in a scratch folder.
//!
//! It creates a ledger and its keys, imports `examples/cecot-2025.jsonl` (embedded in the
//! binary), verifies it, proves one record and checks that proof's document (the exhibit) as its
//! receiver would, saves a checkpoint as a trusted copy, and then plays the attacker on a copy of
//! the file: one changed digit in a flight's departure time, and
//! `verify` names the leaf. Before that it imports a published table (a Parquet excerpt of ICE's
//! daily population) through its mapping file. Each step says what it shows and which command
//! does it by hand.

use std::path::{Path, PathBuf};

use habeas_io::{Format, JsonlSource, MappedSource, Mapping};
use habeas_model::Localized;
use habeas_store::{ImportOptions, Ledger, Location};

use crate::context::{CmdResult, Context, Failure, Outcome, now, print_json};

/// The example case, as shipped.
pub const EXAMPLE: &str = include_str!("../../../../examples/cecot-2025.jsonl");

/// Narration: on stdout, or on stderr when `--json` keeps stdout for the one JSON document.
macro_rules! say {
    ($ctx:expr, $($arg:tt)*) => {
        if $ctx.json { eprintln!($($arg)*) } else { println!($($arg)*) }
    };
}

fn step(ctx: &Context, n: u32, en: &str, es: &str) {
    say!(ctx, "\n{n}. {}", ctx.t(en, es));
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure(format!("{}: {e}", path.display()))
}

pub fn run(ctx: &Context, dir: Option<PathBuf>) -> CmdResult {
    let dir = match dir {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("habeas-demo-")
            .tempdir()
            .map_err(|e| Failure(e.to_string()))?
            .keep(),
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let db = dir.join("cecot.db");
    if db.exists() {
        return Err(Failure(format!(
            "{}: {}",
            db.display(),
            ctx.t(
                "already exists; give --dir an empty folder",
                "ya existe; indique en --dir una carpeta vacía"
            )
        )));
    }
    let fail = |e: habeas_store::StoreError| ctx.store_failure(e);

    step(ctx, 1, "A new ledger and its signing key", "Un registro nuevo y su clave de firma");
    let demo_ctx = Context {
        db: db.display().to_string(),
        key: dir.join("cecot.db.key"),
        verifier_key: None,
        lang: ctx.lang,
        json: ctx.json,
        tz: ctx.tz.clone(),
    };
    let signer = crate::cmd::init::create(&demo_ctx, "habeas.local/demo")?;
    let mut ledger = Ledger::open(&Location::Sqlite(db.clone())).map_err(fail)?;
    say!(ctx, "   {} {}", ctx.t("ledger:", "registro:"), db.display());
    say!(
        ctx,
        "   {} {}",
        ctx.t("verifier key (publish it):", "clave pública (publíquela):"),
        signer.verifier().to_key_string()
    );
    say!(ctx, "   {}", ctx.t("(by hand: habeas --db cecot.db init)", "(a mano: habeas --db cecot.db init)"));

    step(
        ctx,
        2,
        "Import the CECOT case: every fact with its sources",
        "Importar el caso CECOT: cada hecho con sus fuentes",
    );
    let case_path = dir.join("cecot-2025.jsonl");
    std::fs::write(&case_path, EXAMPLE).map_err(io(&case_path))?;
    let mut source = JsonlSource::open(&[case_path.display().to_string()]).map_err(fail)?;
    let options = ImportOptions { keep_going: false, by: "habeas demo".into(), at: now()? };
    let report = ledger.import(&mut source, &options, &signer).map_err(fail)?;
    if !report.rejected.is_empty() {
        for r in &report.rejected {
            eprintln!("   {}", r.message(ctx.lang));
        }
        return Err(Failure(
            ctx.t("the shipped example did not import", "el ejemplo incluido no se importó").into(),
        ));
    }
    say!(
        ctx,
        "   {} {}; {} {} ({}).",
        report.appended,
        ctx.t("records appended in one transaction", "registros añadidos en una sola transacción"),
        ctx.t("log size", "tamaño del registro"),
        report.size,
        ctx.t(
            "the import itself is the first leaf, so what was known when is signed too",
            "la propia importación es la primera hoja, así que lo que se sabía y cuándo también queda firmado"
        )
    );
    let again = ledger.import(&mut source, &options, &signer).map_err(fail)?;
    say!(
        ctx,
        "   {} {} {}",
        ctx.t("Importing the same file again:", "Importar el mismo archivo otra vez:"),
        again.appended,
        ctx.t("appended; every record is unchanged.", "añadidos; cada registro queda sin cambios.")
    );

    step(
        ctx,
        3,
        "Verify: recompute every hash and check every signature",
        "Verificar: recalcular cada hash y comprobar cada firma",
    );
    let verified = ledger.verify(&signer.verifier(), None).map_err(fail)?;
    say!(
        ctx,
        "   {} {} {}, {} {}.",
        if verified.ok { ctx.t("OK:", "Correcto:") } else { ctx.t("FAILED:", "FALLÓ:") },
        verified.size,
        ctx.t("leaves", "hojas"),
        ctx.t("root", "raíz"),
        verified.root
    );
    say!(
        ctx,
        "   {}",
        ctx.t("(by hand: habeas --db cecot.db verify)", "(a mano: habeas --db cecot.db verify)")
    );

    step(
        ctx,
        4,
        "Prove one fact: the 2019 order that barred removal to El Salvador",
        "Probar un hecho: la orden de 2019 que impedía la expulsión a El Salvador",
    );
    let proof = ledger.prove_record("ord-ag-withholding-2019").map_err(fail)?;
    say!(
        ctx,
        "   {} {} {} {}: {} {}.",
        ctx.t("leaf", "hoja"),
        proof.proof.leaf_index,
        ctx.t("of", "de"),
        proof.proof.tree_size,
        proof.proof.hashes.len(),
        ctx.t(
            "hashes lead from it to the signed root; anyone with the verifier key can check them",
            "hashes llevan de ella a la raíz firmada; cualquiera con la clave pública puede comprobarlos"
        )
    );
    say!(
        ctx,
        "   {}",
        ctx.t(
            "(by hand: habeas --db cecot.db proof ord-ag-withholding-2019)",
            "(a mano: habeas --db cecot.db proof ord-ag-withholding-2019)"
        )
    );
    // The proof as the document a lawyer hands over, checked as its receiver would.
    let exhibit = dir.join("exhibit-ord-ag-withholding-2019.json");
    std::fs::write(&exhibit, format!("{:#}\n", proof.to_json())).map_err(io(&exhibit))?;
    let checked = proof.check(&signer.verifier());
    say!(
        ctx,
        "   {} {}: {}",
        ctx.t("Exhibit", "Prueba documental"),
        exhibit.display(),
        if checked.holds() {
            ctx.t(
                "checked with the verifier key alone, as whoever receives it would: the proof holds",
                "comprobada solo con la clave pública, como lo haría quien la reciba: la prueba es válida",
            )
        } else {
            ctx.t("FAILED its check", "FALLÓ su comprobación")
        }
    );
    say!(
        ctx,
        "   {}",
        ctx.t(
            "(by hand: habeas --verifier-key cecot.db.pub proof --check exhibit-ord-ag-withholding-2019.json)",
            "(a mano: habeas --verifier-key cecot.db.pub proof --check exhibit-ord-ag-withholding-2019.json)"
        )
    );
    let trusted = dir.join("checkpoint.txt");
    std::fs::write(&trusted, &proof.checkpoint).map_err(io(&trusted))?;
    say!(
        ctx,
        "   {} {}",
        ctx.t(
            "Signed checkpoint saved as the trusted copy:",
            "Punto de control firmado guardado como copia de confianza:"
        ),
        trusted.display()
    );

    step(
        ctx,
        5,
        "Check custody against the court orders, read minute by minute",
        "Revisar la custodia frente a las órdenes judiciales, minuto a minuto",
    );
    let checked =
        ledger.check(&habeas_rules::Policy::default(), &[], habeas_store::Moment::default()).map_err(fail)?;
    let count = |o: habeas_rules::Outcome| checked.findings.iter().filter(|f| f.outcome == o).count();
    say!(
        ctx,
        "   {} {}, {} {}, {} {}.",
        count(habeas_rules::Outcome::Violation),
        ctx.t("violations", "violaciones"),
        count(habeas_rules::Outcome::PossibleViolation),
        ctx.t(
            "possible violations (true under some readings only)",
            "posibles violaciones (ciertas solo en algunas lecturas)"
        ),
        count(habeas_rules::Outcome::Warning),
        ctx.t("warnings", "advertencias")
    );
    let es = usize::from(ctx.lang == habeas_model::Lang::Es);
    for finding in checked.findings.iter().filter(|f| {
        f.rule == "protected-country"
            || f.act.as_deref() == Some("cus-aea137-handover") && f.rule == "order-conflict"
    }) {
        say!(ctx, "   [{}] {}", finding.rule, finding.message[es]);
    }
    say!(
        ctx,
        "   {}",
        ctx.t(
            "(by hand: habeas --db cecot.db check --explain)",
            "(a mano: habeas --db cecot.db check --explain)"
        )
    );
    import_table(ctx, &dir, &mut ledger, &signer)?;
    drop(ledger);

    step(
        ctx,
        7,
        "Play the attacker: change one digit in a copy of the file",
        "Hacer de atacante: cambiar un dígito en una copia del archivo",
    );
    let tampered = dir.join("tampered.db");
    std::fs::copy(&db, &tampered).map_err(io(&tampered))?;
    let changed = change_departure(&tampered).map_err(|e| Failure(format!("{}: {e}", tampered.display())))?;
    say!(
        ctx,
        "   {} {changed}",
        ctx.t(
            "Flight 1's departure, 17:26 EDT, now reads 17:27 in leaf",
            "La salida del vuelo 1, 17:26 EDT, ahora dice 17:27 en la hoja"
        )
    );
    let mut copy = Ledger::open(&Location::Sqlite(tampered.clone())).map_err(fail)?;
    let found = copy.verify(&signer.verifier(), None).map_err(fail)?;
    for p in found.problems.iter().take(3) {
        say!(
            ctx,
            "   verify: {} {}: {}",
            ctx.t("leaf", "hoja"),
            p.index.unwrap_or_default(),
            p.problem.message(ctx.lang)
        );
    }
    say!(
        ctx,
        "   {}",
        if found.ok {
            ctx.t("(verify missed it: this is a bug)", "(verify no lo detectó: es un error)")
        } else {
            ctx.t(
                "Caught: without the private key nobody can make a changed record verify.",
                "Detectado: sin la clave privada nadie puede hacer que un registro cambiado se verifique.",
            )
        }
    );

    say!(ctx, "\n{} {}", ctx.t("Everything is in", "Todo está en"), dir.display());
    say!(
        ctx,
        "{}",
        ctx.t(
            "Try: habeas --db <that folder>/cecot.db export | head",
            "Pruebe: habeas --db <esa carpeta>/cecot.db export | head"
        )
    );
    if ctx.json {
        print_json(&serde_json::json!({
            "dir": dir.display().to_string(),
            "appended": report.appended,
            "verified": verified.ok,
            "size": verified.size,
            "root": verified.root.to_base64(),
            "tampering_caught": !found.ok,
        }));
    }
    Ok(if verified.ok && !found.ok { Outcome::Clean } else { Outcome::Found })
}

/// A published table, through its mapping: twelve days of ICE's daily population at two
/// facilities (and one code in no list), as the Deportation Data Project publishes it in Parquet.
const TABLE: &[u8] = include_bytes!("../../../../examples/fixtures/ddp-daily-population.parquet");
const TABLE_MAPPING: &str = include_str!("../../../../examples/mappings/ddp-daily-population.toml");

fn import_table(
    ctx: &Context,
    dir: &Path,
    ledger: &mut Ledger,
    signer: &habeas_ledger::Signer,
) -> Result<(), Failure> {
    step(
        ctx,
        6,
        "Import a published table: ICE's daily population, through a mapping file",
        "Importar una tabla publicada: la población diaria de ICE, con un archivo de mapeo",
    );
    let fail = |e: habeas_store::StoreError| ctx.store_failure(e);
    let table = dir.join("ddp-daily-population.parquet");
    std::fs::write(&table, TABLE).map_err(io(&table))?;
    let mapping_path = dir.join("ddp-daily-population.toml");
    std::fs::write(&mapping_path, TABLE_MAPPING).map_err(io(&mapping_path))?;
    let mapping = Mapping::load(&mapping_path).map_err(|e| Failure(e.message(ctx.lang)))?;
    let mut source =
        MappedSource::for_ledger(ledger, &[table.display().to_string()], Format::Parquet, mapping)
            .map_err(fail)?;
    let options = ImportOptions { keep_going: false, by: "habeas demo".into(), at: now()? };
    let report = ledger.import(&mut source, &options, signer).map_err(fail)?;
    if !report.rejected.is_empty() {
        return Err(Failure(
            ctx.t("the shipped table did not import", "la tabla incluida no se importó").into(),
        ));
    }
    say!(
        ctx,
        "   {} {}",
        report.appended,
        ctx.t(
            "records from 27 rows: a count per facility and day, each facility no record knew yet, and the source",
            "registros de 27 filas: un recuento por centro y día, cada centro que ningún registro conocía, y la fuente"
        )
    );
    say!(
        ctx,
        "   {}",
        ctx.t(
            "(by hand: habeas --db cecot.db import --mapping ddp-daily-population.toml ddp-daily-population.parquet;\n    examples/mappings/ has one for each public dataset, docs/importing.md explains them)",
            "(a mano: habeas --db cecot.db import --mapping ddp-daily-population.toml ddp-daily-population.parquet;\n    examples/mappings/ tiene uno por cada conjunto de datos público, docs/importing.md los explica)"
        )
    );
    Ok(())
}

/// Changes flight 1's departure minute in its stored leaf, as someone with write access to the
/// file could; returns the leaf index.
fn change_departure(path: &Path) -> Result<u64, String> {
    let mut ledger = Ledger::open(&Location::Sqlite(path.to_path_buf())).map_err(|e| e.to_string())?;
    let index = ledger.record("flt-1").map_err(|e| e.to_string())?.ok_or("no flt-1")?.index;
    let backend = ledger.backend();
    let tx = backend.read().map_err(|e| e.to_string())?;
    let leaf = tx.leaf(index).map_err(|e| e.to_string())?.ok_or("no leaf")?;
    drop(tx);
    let text = String::from_utf8(leaf.bytes).map_err(|e| e.to_string())?.replacen(
        "T17:26:00-04:00",
        "T17:27:00-04:00",
        1,
    );
    let conn = rusqlite_connection(path)?;
    conn.execute("UPDATE leaves SET body = ?1 WHERE idx = ?2", (text.as_bytes(), index as i64))
        .map_err(|e| e.to_string())?;
    Ok(index)
}

fn rusqlite_connection(path: &Path) -> Result<habeas_store::sqlite::Connection, String> {
    habeas_store::sqlite::Connection::open(path).map_err(|e| e.to_string())
}
