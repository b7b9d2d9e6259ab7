//! Given names and surnames by country, from `../shared/data/common-{forenames,surnames}-by-country.csv`.
//!
//! The lists are short per country (20 given names, 15-100 surnames); combined as Latin American
//! names are (one or two given names, two surnames) they yield millions of distinct people.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// Names of one country, or of a pool of countries.
#[derive(Clone, Debug, Default)]
pub struct NamePool {
    pub female: Vec<String>,
    pub male: Vec<String>,
    pub surnames: Vec<String>,
}

fn read(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::Reader::from_path(path)
        .with_context(|| format!("{}: cannot read (is ../shared/data there?)", path.display()))
}

/// Loads given names and surnames of `countries` (ISO codes) from the shared data folder.
pub fn load(data: &Path, countries: &[&str]) -> Result<NamePool> {
    let mut pool = NamePool::default();
    let mut forenames = read(&data.join("common-forenames-by-country.csv"))?;
    for row in forenames.records() {
        let row = row?;
        let (country, gender, name) = (
            row.get(0).unwrap_or("").trim_start_matches('\u{feff}'),
            row.get(9).unwrap_or(""),
            row.get(10).unwrap_or(""),
        );
        if countries.contains(&country) && !name.is_empty() {
            match gender {
                "F" => pool.female.push(name.to_string()),
                _ => pool.male.push(name.to_string()),
            }
        }
    }
    let mut surnames = read(&data.join("common-surnames-by-country.csv"))?;
    for row in surnames.records() {
        let row = row?;
        let (country, name) =
            (row.get(0).unwrap_or("").trim_start_matches('\u{feff}'), row.get(4).unwrap_or(""));
        if countries.contains(&country) && !name.is_empty() {
            pool.surnames.push(name.to_string());
        }
    }
    for list in [&mut pool.female, &mut pool.male, &mut pool.surnames] {
        list.sort();
        list.dedup();
    }
    if pool.female.is_empty() || pool.male.is_empty() || pool.surnames.is_empty() {
        bail!("no names for {countries:?} in {}", data.display());
    }
    Ok(pool)
}

/// One pool per country of the region (VE, SV, MX, CO, GT); all of them pooled if the lists hold
/// fewer than two.
pub fn pools(data: &Path) -> Result<Vec<(&'static str, NamePool)>> {
    let pools: Vec<(&'static str, NamePool)> = ["VE", "SV", "MX", "CO", "GT"]
        .into_iter()
        .filter_map(|c| load(data, &[c]).ok().map(|p| (c, p)))
        .collect();
    if pools.len() >= 2 {
        return Ok(pools);
    }
    Ok(vec![("VE", load(data, &["VE", "SV", "MX", "CO", "GT", "HN"])?)])
}
