//! Rows of a table file: CSV (plain or gzip), an XLSX sheet, or Parquet, as text cells under a
//! header.
//!
//! A mapping ([`crate::mapping`]) reads every format the same way: a list of column names, then
//! rows of cells, each cell text or absent. Each reader says where a row is so that errors can
//! name it: the line of a CSV file where the row starts (preamble and header counted, as a text
//! editor shows it), the row of an XLSX sheet as the spreadsheet shows it, the row of a Parquet
//! file counted from 1. Cells are converted to text as a person would read them: numbers without
//! a trailing `.0`, dates as `2023-08-17` (with `T16:53:00` when they have a time of day).
//!
//! A row that cannot be read (a bad CSV quote, bytes that are not UTF-8) is an error for that row
//! only; a file that cannot be opened at all (a malformed Parquet footer, a missing sheet) is an
//! error for the whole import, naming the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use jiff::civil::{Date, DateTime};

/// The formats a mapping can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
        }
    }
}

/// How to read a CSV file or which sheet of a workbook.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub delimiter: u8,
    /// Lines before the header (a title, a "For Official Use Only" banner).
    pub skip_lines: usize,
    pub sheet: Option<String>,
    /// Bytes are Latin-1 rather than UTF-8.
    pub latin1: bool,
}

/// One row: where it is, and its cells in the header's order (`None`: the cell is empty).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub at: u64,
    pub cells: Vec<Option<String>>,
}

/// A row that could not be read, with the reason in both languages.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    pub at: u64,
    pub en: String,
    pub es: String,
}

pub type Rows = Box<dyn Iterator<Item = Result<Row, RowError>> + Send>;

/// An open table: its columns and its rows, read on demand.
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Rows,
    /// How many rows there are, when the format says so before reading (XLSX, Parquet).
    pub row_count: Option<u64>,
}

/// Called with the number of bytes of the file read so far.
pub type OnRead = Box<dyn Fn(u64) + Send>;

/// Opens `path` as `format`. `on_read` hears of the file's bytes as they are read (CSV only; the
/// other formats are read whole or by row groups, and report rows instead).
pub fn open(
    path: &Path,
    format: Format,
    options: &ReadOptions,
    on_read: Option<OnRead>,
) -> io::Result<Table> {
    let table = match format {
        Format::Csv => open_csv(path, options, on_read),
        Format::Xlsx => open_xlsx(path, options),
        Format::Parquet => open_parquet(path),
    }?;
    // Blank rows (a spreadsheet's formatted but empty tail, a CSV's trailing separators) are
    // not data.
    let rows = table.rows.filter(|row| row.as_ref().map_or(true, |r| !r.is_blank()));
    Ok(Table { rows: Box::new(rows), ..table })
}

impl Row {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.as_deref().is_none_or(|t| t.trim().is_empty()))
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// A reader that reports how many bytes went through it.
struct Counted<R> {
    inner: R,
    total: u64,
    on_read: Option<OnRead>,
    since_report: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        self.since_report += n as u64;
        if (self.since_report >= 1 << 18 || n == 0)
            && let Some(report) = &self.on_read
        {
            report(self.total);
            self.since_report = 0;
        }
        Ok(n)
    }
}

/// The file's bytes, decompressed when they start with the gzip magic number.
fn decompressed(path: &Path, on_read: Option<OnRead>) -> io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    let mut raw =
        BufReader::with_capacity(1 << 16, Counted { inner: file, total: 0, on_read, since_report: 0 });
    let gzip = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    })
}

/// Turns CRLF line ends into LF. The csv crate counts lines on LF but ends a record at the CR,
/// so in a CRLF file every record would start "on" the line before its own.
struct CrlfToLf<R> {
    inner: R,
    /// A CR read at the end of the last chunk, not yet known to be followed by LF.
    held_cr: bool,
}

impl<R: BufRead> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let chunk = self.inner.fill_buf()?;
        if chunk.is_empty() {
            if std::mem::take(&mut self.held_cr) {
                out[0] = b'\r';
                return Ok(1);
            }
            return Ok(0);
        }
        let mut written = 0;
        let mut used = 0;
        if self.held_cr {
            if chunk[0] != b'\n' {
                out[0] = b'\r';
                written = 1;
            }
            self.held_cr = false;
        }
        while used < chunk.len() && written < out.len() {
            let byte = chunk[used];
            used += 1;
            if byte == b'\r' {
                match chunk.get(used) {
                    Some(b'\n') => continue,
                    Some(_) => {}
                    None => {
                        self.held_cr = true;
                        continue;
                    }
                }
            }
            out[written] = byte;
            written += 1;
        }
        self.inner.consume(used);
        if written == 0 && self.held_cr {
            // Only a held CR this time: read on to learn what follows it.
            return self.read(out);
        }
        Ok(written)
    }
}

fn text_of(bytes: &[u8], latin1: bool) -> Result<String, usize> {
    if latin1 {
        return Ok(bytes.iter().map(|&b| b as char).collect());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => Err(e.valid_up_to()),
    }
}

fn open_csv(path: &Path, options: &ReadOptions, on_read: Option<OnRead>) -> io::Result<Table> {
    let mut input = decompressed(path, on_read)?;
    let mut skipped = Vec::new();
    for _ in 0..options.skip_lines {
        skipped.clear();
        if input.read_until(b'\n', &mut skipped)? == 0 {
            return Err(invalid(format!("the file ends within the {} lines to skip", options.skip_lines)));
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(CrlfToLf { inner: input, held_cr: false });
    let mut header = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut header).map_err(|e| invalid(format!("header: {e}")))? {
        return Err(invalid("no header row".into()));
    }
    let columns = header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            text_of(name, options.latin1)
                .map(|n| n.trim_start_matches('\u{feff}').trim().to_string())
                .map_err(|_| invalid(format!("header column {}: not UTF-8 text (use latin1 = true)", i + 1)))
        })
        .collect::<io::Result<Vec<String>>>()?;
    let offset = options.skip_lines as u64;
    let width = columns.len();
    let latin1 = options.latin1;
    let names = columns.clone();
    let mut record = csv::ByteRecord::new();
    let rows = std::iter::from_fn(move || {
        let result = reader.read_byte_record(&mut record);
        let at = record.position().map_or(0, |p| p.line()) + offset;
        match result {
            Ok(false) => None,
            Err(e) => {
                let at = e.position().map_or(at, |p| p.line() + offset);
                Some(Err(RowError {
                    at,
                    en: format!("the row cannot be read as CSV: {e}"),
                    es: format!("la fila no se puede leer como CSV: {e}"),
                }))
            }
            Ok(true) => Some(csv_row(&record, at, width, latin1, &names)),
        }
    });
    Ok(Table { columns, rows: Box::new(rows), row_count: None })
}

fn csv_row(
    record: &csv::ByteRecord,
    at: u64,
    width: usize,
    latin1: bool,
    names: &[String],
) -> Result<Row, RowError> {
    if record.len() > width && record.iter().skip(width).any(|c| !c.iter().all(u8::is_ascii_whitespace)) {
        return Err(RowError {
            at,
            en: format!("the row has {} fields, the header {width}", record.len()),
            es: format!("la fila tiene {} campos, el encabezado {width}", record.len()),
        });
    }
    let mut cells = Vec::with_capacity(width);
    for (i, bytes) in record.iter().take(width).enumerate() {
        let text = text_of(bytes, latin1).map_err(|byte| RowError {
            at,
            en: format!("column {:?}: not UTF-8 text (byte {byte}); if the file is Latin-1, say latin1 = true", names[i]),
            es: format!("columna {:?}: no es texto UTF-8 (byte {byte}); si el archivo es Latin-1, indique latin1 = true", names[i]),
        })?;
        cells.push(Some(text));
    }
    cells.resize(width, None);
    Ok(Row { at, cells })
}

fn open_xlsx(path: &Path, options: &ReadOptions) -> io::Result<Table> {
    use calamine::{Reader, open_workbook_auto};
    let mut workbook =
        open_workbook_auto(path).map_err(|e| invalid(format!("not a readable workbook: {e}")))?;
    let names = workbook.sheet_names();
    let sheet = match &options.sheet {
        Some(sheet) => sheet.clone(),
        None => names.first().cloned().ok_or_else(|| invalid("the workbook has no sheet".into()))?,
    };
    if !names.contains(&sheet) {
        return Err(invalid(format!("no sheet named {sheet:?}; the sheets are {names:?}")));
    }
    let range = workbook.worksheet_range(&sheet).map_err(|e| invalid(format!("sheet {sheet:?}: {e}")))?;
    let first_row = range.start().map_or(0, |(row, _)| row as u64);
    let mut rows = range.rows().enumerate().map(|(i, cells)| (first_row + i as u64 + 1, cells));
    let skip = options.skip_lines;
    let mut header = None;
    for (at, cells) in rows.by_ref() {
        if at as usize > skip {
            header = Some(
                cells.iter().map(|c| xlsx_cell(c).unwrap_or_default().trim().to_string()).collect::<Vec<_>>(),
            );
            break;
        }
    }
    let columns = header.ok_or_else(|| invalid(format!("sheet {sheet:?} has no header row")))?;
    let width = columns.len();
    let body: Vec<Row> = rows
        .map(|(at, cells)| {
            let mut cells: Vec<Option<String>> = cells.iter().take(width).map(xlsx_cell).collect();
            cells.resize(width, None);
            Row { at, cells }
        })
        .collect();
    let row_count = Some(body.len() as u64);
    Ok(Table { columns, rows: Box::new(body.into_iter().map(Ok)), row_count })
}

/// A spreadsheet cell as text; dates from Excel's serial day numbers.
fn xlsx_cell(cell: &calamine::Data) -> Option<String> {
    use calamine::Data;
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(number_text(*f)),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(dt) => Some(excel_serial_text(dt.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.0e15 { format!("{}", f as i64) } else { f.to_string() }
}

/// Excel's serial date (days since 1899-12-30, the fraction the time of day) as ISO text.
fn excel_serial_text(serial: f64) -> String {
    let days = serial.floor();
    let seconds = ((serial - days) * 86_400.0).round() as i64;
    let epoch = Date::constant(1899, 12, 30);
    let Ok(date) = epoch.checked_add(jiff::Span::new().days(days as i64)) else { return number_text(serial) };
    if seconds == 0 {
        return date.to_string();
    }
    let time = DateTime::from(date).checked_add(jiff::Span::new().seconds(seconds));
    time.map_or_else(|_| number_text(serial), |t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

fn open_parquet(path: &Path) -> io::Result<Table> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::reader::RowIter;
    let file = File::open(path)?;
    let reader =
        SerializedFileReader::new(file).map_err(|e| invalid(format!("not a readable Parquet file: {e}")))?;
    // The reader asserts (panics) on a column chunk outside the file rather than returning an
    // error; a damaged file is refused here instead, by the same test.
    let file_len = i64::try_from(std::fs::metadata(path)?.len()).unwrap_or(i64::MAX);
    for group in reader.metadata().row_groups() {
        for column in group.columns() {
            let start = column.dictionary_page_offset().unwrap_or_else(|| column.data_page_offset());
            let len = column.compressed_size();
            if start < 0 || len < 0 || start.checked_add(len).is_none_or(|end| end > file_len) {
                return Err(invalid(format!(
                    "not a readable Parquet file: column {} lies outside the file (damaged)",
                    column.column_path()
                )));
            }
        }
    }
    let meta = reader.metadata().file_metadata();
    let row_count = Some(meta.num_rows().max(0) as u64);
    let columns: Vec<String> =
        meta.schema_descr().root_schema().get_fields().iter().map(|f| f.name().to_string()).collect();
    let width = columns.len();
    let iter = RowIter::from_file_into(Box::new(reader));
    // A damaged page is not one bad row: the reader returns the same error for every row after
    // it, for ever. The first error ends the table (its rows so far stand, as any row does).
    let mut damaged = false;
    let rows = iter.enumerate().map_while(move |(i, row)| {
        if damaged {
            return None;
        }
        let at = i as u64 + 1;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                damaged = true;
                return Some(Err(RowError {
                    at,
                    en: format!("the Parquet file is damaged from this row on, and was read no further: {e}"),
                    es: format!("el archivo Parquet está dañado desde esta fila, y no se leyó más: {e}"),
                }));
            }
        };
        let mut cells: Vec<Option<String>> =
            row.get_column_iter().map(|(_, field)| parquet_cell(field)).collect();
        cells.resize(width, None);
        Some(Ok(Row { at, cells }))
    });
    Ok(Table { columns, rows: Box::new(rows), row_count })
}

fn parquet_cell(field: &parquet::record::Field) -> Option<String> {
    use parquet::record::Field;
    Some(match field {
        Field::Null => return None,
        Field::Str(s) => s.clone(),
        Field::Bool(b) => b.to_string(),
        Field::Byte(n) => n.to_string(),
        Field::Short(n) => n.to_string(),
        Field::Int(n) => n.to_string(),
        Field::Long(n) => n.to_string(),
        Field::UByte(n) => n.to_string(),
        Field::UShort(n) => n.to_string(),
        Field::UInt(n) => n.to_string(),
        Field::ULong(n) => n.to_string(),
        Field::Float(f) => number_text(f64::from(*f)),
        Field::Double(f) => number_text(*f),
        Field::Date(days) => {
            // `Span::days` panics past ±20,000 years: a damaged file can hold any number here.
            let date = jiff::Span::new()
                .try_days(i64::from(*days))
                .and_then(|span| Date::constant(1970, 1, 1).checked_add(span));
            date.map_or_else(|_| days.to_string(), |d| d.to_string())
        }
        Field::TimestampMillis(ms) => {
            jiff::Timestamp::from_millisecond(*ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
        }
        Field::TimestampMicros(us) => {
            jiff::Timestamp::from_microsecond(*us).map_or_else(|_| us.to_string(), |t| t.to_string())
        }
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn options(delimiter: u8, skip_lines: usize) -> ReadOptions {
        ReadOptions { delimiter, skip_lines, sheet: None, latin1: false }
    }

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        File::create(&path).unwrap().write_all(bytes).unwrap();
        path
    }

    #[test]
    fn csv_with_preamble_names_lines_as_an_editor_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "r.csv", b"Title,,\n,,\nA ,B,C\n1,\"two\nlines\",3\n,,\n4,5\n");
        let table = open(&path, Format::Csv, &options(b',', 2), None).unwrap();
        assert_eq!(table.columns, ["A", "B", "C"]);
        let rows: Vec<Row> = table.rows.map(Result::unwrap).collect();
        assert_eq!(rows[0].at, 4);
        assert_eq!(rows[0].cells[1].as_deref(), Some("two\nlines"));
        assert_eq!(rows[1].at, 7, "the blank row 6 is skipped");
        assert_eq!(rows[1].cells, [Some("4".into()), Some("5".into()), None]);
    }

    #[test]
    fn crlf_files_count_lines_as_lf_files_do() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("lf.csv", "h1,h2\na,b\nc,\"d\ne\"\nf,g\n"),
            ("crlf.csv", "h1,h2\r\na,b\r\nc,\"d\r\ne\"\r\nf,g\r"),
        ] {
            let path = write(&dir, name, text.as_bytes());
            let rows: Vec<Row> =
                open(&path, Format::Csv, &options(b',', 0), None).unwrap().rows.map(Result::unwrap).collect();
            let lines: Vec<u64> = rows.iter().map(|r| r.at).collect();
            assert_eq!(lines, [2, 3, 5], "{name}");
            assert_eq!(rows[1].cells[1].as_deref(), Some("d\ne"), "{name}");
        }
        // A CR on its own (not before LF) is kept, also across reads.
        let mut reader = CrlfToLf { inner: BufReader::with_capacity(2, &b"a\rb\r\nc\r"[..]), held_cr: false };
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a\rb\nc\r");
    }

    #[test]
    fn gzip_is_read_directly_and_progress_counts_file_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"code|n|date\nFSF|1|2005-09-23\n").unwrap();
        let bytes = gz.finish().unwrap();
        let path = write(&dir, "h.csv.gz", &bytes);
        let seen = std::sync::Arc::new(std::sync::Mutex::new(0u64));
        let seen2 = seen.clone();
        let table =
            open(&path, Format::Csv, &options(b'|', 0), Some(Box::new(move |n| *seen2.lock().unwrap() = n)))
                .unwrap();
        let rows: Vec<Row> = table.rows.map(Result::unwrap).collect();
        assert_eq!(rows[0].cells[2].as_deref(), Some("2005-09-23"));
        assert_eq!(*seen.lock().unwrap(), bytes.len() as u64);
    }

    #[test]
    fn a_bad_row_is_an_error_for_that_row_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "b.csv", b"a,b\n1,2\n3,4,5\n\xff,6\n7,8\n");
        let table = open(&path, Format::Csv, &options(b',', 0), None).unwrap();
        let rows: Vec<Result<Row, RowError>> = table.rows.collect();
        assert!(rows[0].is_ok());
        let err = rows[1].as_ref().unwrap_err();
        assert_eq!(err.at, 3);
        assert!(err.en.contains("3 fields"), "{}", err.en);
        let err = rows[2].as_ref().unwrap_err();
        assert_eq!(err.at, 4);
        assert!(err.en.contains("column \"a\": not UTF-8"), "{}", err.en);
        assert_eq!(rows[3].as_ref().unwrap().at, 5);
    }

    #[test]
    fn latin1_files_when_the_mapping_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "l.csv", b"nombre\nMar\xeda\n");
        let rows: Vec<_> = open(&path, Format::Csv, &options(b',', 0), None).unwrap().rows.collect();
        assert!(rows[0].as_ref().unwrap_err().en.contains("latin1 = true"));
        let latin1 = ReadOptions { latin1: true, ..options(b',', 0) };
        let rows: Vec<Row> =
            open(&path, Format::Csv, &latin1, None).unwrap().rows.map(Result::unwrap).collect();
        assert_eq!(rows[0].cells[0].as_deref(), Some("María"));
    }

    #[test]
    fn a_missing_sheet_lists_the_sheets() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fixtures/segregation-placements.xlsx");
        let options =
            ReadOptions { delimiter: b',', skip_lines: 0, sheet: Some("2024".into()), latin1: false };
        let Err(err) = open(&path, Format::Xlsx, &options, None) else { panic!("opened a missing sheet") };
        assert!(
            err.to_string().contains("no sheet named \"2024\"; the sheets are [\"2017 - 2023\"]"),
            "{err}"
        );
    }

    #[test]
    fn excel_serials_read_as_dates() {
        assert_eq!(excel_serial_text(45155.0), "2023-08-17");
        assert_eq!(excel_serial_text(45155.70347222222), "2023-08-17T16:53:00");
        assert_eq!(number_text(27.0), "27");
        assert_eq!(number_text(2.5), "2.5");
    }

    #[test]
    fn malformed_parquet_names_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "bad.parquet", b"PAR1 this is not a parquet file PAR1");
        let Err(err) = open(&path, Format::Parquet, &options(b',', 0), None) else { panic!("opened") };
        assert!(err.to_string().contains("not a readable Parquet file"), "{err}");
    }
}
