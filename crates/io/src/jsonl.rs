//! JSON Lines input: one record per line, read and parsed on a background thread.
//!
//! records.md: UTF-8, one JSON object per line, blank lines and lines starting with `//`
//! ignored. A [`JsonlSource`] reads any number of files (`-` for standard input) as one import.
//! A reader thread reads lines and hashes each file's bytes (the import leaf names every file with
//! its SHA-256); it deals batches of lines in turn to parsing workers, one per core, and the
//! importer takes their results back in the same turn, so records arrive in input order
//! (`crate::pipeline`). Standard input is first copied to a temporary file so that it can be
//! read again (a `--keep-going` replay).

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use habeas_store::{InputItem, InputSource, StoreError};
use sha2::{Digest, Sha256};

use crate::pipeline::{self, Dealer, Raw, trim_line};

/// Called with the number of bytes read so far, for a progress bar.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

enum Input {
    Path(PathBuf),
    /// Standard input, spooled to a temporary file.
    Spooled(File),
}

/// The files of one import.
pub struct JsonlSource {
    inputs: Vec<Input>,
    names: Vec<String>,
    digests: Arc<Mutex<Vec<Option<String>>>>,
    progress: Option<Progress>,
    total_bytes: u64,
}

impl JsonlSource {
    /// Opens the files (`-` is standard input). Fails with the path if one cannot be read.
    pub fn open(paths: &[String]) -> Result<JsonlSource, StoreError> {
        let mut inputs = Vec::new();
        let mut names = Vec::new();
        let mut total_bytes = 0;
        for path in paths {
            if path == "-" {
                let mut spool = tempfile::tempfile()?;
                total_bytes += io::copy(&mut io::stdin().lock(), &mut spool)?;
                inputs.push(Input::Spooled(spool));
                names.push("<stdin>".to_string());
            } else {
                let meta = std::fs::metadata(path).map_err(|e| StoreError::Input(format!("{path}: {e}")))?;
                if !meta.is_file() {
                    return Err(StoreError::Input(format!("{path}: not a file")));
                }
                total_bytes += meta.len();
                inputs.push(Input::Path(PathBuf::from(path)));
                names.push(display_name(Path::new(path)));
            }
        }
        let digests = Arc::new(Mutex::new(vec![None; inputs.len()]));
        Ok(JsonlSource { inputs, names, digests, progress: None, total_bytes })
    }

    /// Reports bytes read to `progress` while reading.
    pub fn with_progress(mut self, progress: Progress) -> JsonlSource {
        self.progress = Some(progress);
        self
    }

    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    fn readers(&self) -> Result<Vec<Box<dyn Read + Send>>, StoreError> {
        self.inputs
            .iter()
            .zip(&self.names)
            .map(|(input, name)| -> Result<Box<dyn Read + Send>, StoreError> {
                match input {
                    Input::Path(path) => {
                        Ok(Box::new(File::open(path).map_err(|e| StoreError::Input(format!("{name}: {e}")))?))
                    }
                    Input::Spooled(file) => {
                        let mut copy = file.try_clone()?;
                        copy.seek(SeekFrom::Start(0))?;
                        Ok(Box::new(copy))
                    }
                }
            })
            .collect()
    }

    /// The text of the given lines of file `file` (for `--rejects`): one more read of the file.
    pub fn lines(&self, file: usize, wanted: &BTreeSet<u64>) -> Result<HashMap<u64, String>, StoreError> {
        let mut found = HashMap::new();
        let Some(reader) = self.readers()?.into_iter().nth(file) else { return Ok(found) };
        let mut reader = BufReader::new(reader);
        let mut buf = Vec::new();
        let mut line_no = 0u64;
        let last = wanted.iter().next_back().copied().unwrap_or(0);
        while line_no < last && reader.read_until(b'\n', &mut buf)? > 0 {
            line_no += 1;
            if wanted.contains(&line_no) {
                found.insert(line_no, String::from_utf8_lossy(trim_line(&buf, line_no)).into_owned());
            }
            buf.clear();
        }
        Ok(found)
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Reads every input in turn, hashing each file, and hands its lines to the dealer. A failure to
/// read ends the stream with an error.
fn read_all(
    readers: Vec<Box<dyn Read + Send>>,
    names: Vec<String>,
    digests: Arc<Mutex<Vec<Option<String>>>>,
    progress: Option<Progress>,
    dealer: &mut Dealer,
) {
    let mut read_total = 0u64;
    for (file, reader) in readers.into_iter().enumerate() {
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let mut hasher = Sha256::new();
        let mut line = 0u64;
        loop {
            let mut buf = Vec::with_capacity(256);
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&buf);
                    line += 1;
                    read_total += n as u64;
                    if !dealer.push(file as u32, line, Raw::Line(buf)) {
                        return; // the importer stopped listening
                    }
                    if line.is_multiple_of(512)
                        && let Some(p) = &progress
                    {
                        p(read_total);
                    }
                }
                Err(e) => {
                    dealer.fail(StoreError::Input(format!("{}: {e}", names[file])));
                    return;
                }
            }
        }
        if let Ok(mut d) = digests.lock() {
            d[file] = Some(hex::encode(hasher.finalize()));
        }
    }
    if let Some(p) = &progress {
        p(read_total);
    }
}

impl InputSource for JsonlSource {
    fn open(&mut self) -> Result<Box<dyn Iterator<Item = Result<InputItem, StoreError>> + '_>, StoreError> {
        let readers = self.readers()?;
        let (names, digests, progress) = (self.names.clone(), self.digests.clone(), self.progress.clone());
        Ok(Box::new(pipeline::start(move |dealer| read_all(readers, names, digests, progress, dealer))?))
    }

    fn file_names(&self) -> Vec<String> {
        self.names.clone()
    }

    fn file_digests(&self) -> Vec<(String, String)> {
        let digests = self.digests.lock().map(|d| d.clone()).unwrap_or_default();
        self.names.iter().cloned().zip(digests.into_iter().map(Option::unwrap_or_default)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn source(text: &str) -> (tempfile::TempDir, JsonlSource) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        let source = JsonlSource::open(&[path.display().to_string()]).unwrap();
        (dir, source)
    }

    #[test]
    fn skips_blanks_and_comments_and_numbers_lines() {
        let text = "\u{feff}// a comment\n\n{\"type\":\"org\",\"id\":\"o\",\"name\":\"n\",\"kind\":\"agency\"}\r\n  \n{\"type\":\"bad\"}\n";
        let (_dir, mut source) = source(text);
        let items: Vec<InputItem> = source.open().unwrap().map(Result::unwrap).collect();
        assert_eq!(items.iter().map(|i| i.line).collect::<Vec<_>>(), vec![3, 5]);
        assert!(items[0].parsed.is_ok());
        assert!(items[1].parsed.is_err());
        let digests = source.file_digests();
        assert_eq!(digests[0].0, "in.jsonl");
        assert_eq!(digests[0].1, hex::encode(Sha256::digest(text.as_bytes())));
        let lines = source.lines(0, &BTreeSet::from([5])).unwrap();
        assert_eq!(lines[&5], "{\"type\":\"bad\"}");
    }

    #[test]
    fn can_be_read_twice_and_reports_progress() {
        let text: String = (0..2000)
            .map(|i| format!("{{\"type\":\"org\",\"id\":\"o{i}\",\"name\":\"n\",\"kind\":\"agency\"}}\n"))
            .collect();
        let (_dir, source) = source(&text);
        let seen = Arc::new(Mutex::new(0u64));
        let seen2 = seen.clone();
        let mut source = source.with_progress(Arc::new(move |n| *seen2.lock().unwrap() = n));
        assert_eq!(source.open().unwrap().count(), 2000);
        assert_eq!(source.open().unwrap().count(), 2000);
        assert_eq!(*seen.lock().unwrap(), text.len() as u64);
    }

    #[test]
    fn invalid_utf8_is_a_line_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        File::create(&path).unwrap().write_all(b"{\"type\":\"org\",\"name\":\"\xff\"}\n").unwrap();
        let mut bad = JsonlSource::open(&[path.display().to_string()]).unwrap();
        let item = bad.open().unwrap().next().unwrap().unwrap();
        let Err(err) = item.parsed else { panic!("invalid UTF-8 was accepted") };
        assert!(err.to_string().contains("UTF-8"));
    }

    #[test]
    fn a_missing_file_names_itself() {
        let Err(err) = JsonlSource::open(&["/no/such/file.jsonl".to_string()]) else { panic!("opened") };
        assert!(err.to_string().contains("/no/such/file.jsonl"));
    }
}
