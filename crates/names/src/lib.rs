/*!
Finding people by name the way their relatives write them.

A mother in Maracay types "chucho rodrigues" on a phone; the record says "Jesús Rodríguez
Vásquez". This crate makes those meet, and knows nothing of records or storage:

- [`normalize`] folds case, accents, punctuation and spacing, keeping the original for display;
- [`name`] reads Spanish and Latin American name structure: one or two given names and two
  surnames, particles (de, del, de la...), "SURNAMES, GIVEN" order;
- [`phonetic`] gives Spanish spellings that sound alike one key (b/v, s/z/c, ll/y, silent h,
  g/j, qu/k);
- [`nicknames`] knows that Pepe is José and Lupe is Guadalupe;
- [`distance`] forgives typos;
- [`index`] puts them together: candidates from postings, scores in [0, 1] with the evidence;
- [`dedupe`] finds records that may be one person, by blocking and weighing the evidence;
- [`places`] finds facilities by their names, aliases, codes and towns.

```
use habeas_names::{NameIndex, Query, person};

let mut index = NameIndex::new();
index.add(person("p-1", "Jesús Rodríguez Vásquez"));
index.add(person("p-2", "José Pérez García"));
let found = index.search(&Query { text: "Chucho Rodrigues".into(), ..Query::default() });
assert_eq!(index.person(found[0].person).id, "p-1");
```
*/

pub mod dedupe;
pub mod distance;
mod found;
pub mod index;
pub mod name;
pub mod nicknames;
pub mod normalize;
pub mod phonetic;
pub mod places;
pub mod variants;

pub use index::{Candidate, NameIndex, Person, Query, normalize_identifier, person};
pub use name::NameTokens;
