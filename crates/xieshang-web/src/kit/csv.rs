//! The one CSV writer: every CSV the product writes (exports, figures,
//! outcome lists) is built here, so every cell is made inert ([`inert_cell`])
//! and every file starts with the byte-order mark spreadsheet programs need to
//! read Chinese as UTF-8. A feature never holds a `csv::Writer` of its own.

use super::error::{AppError, AppResult};

/// A CSV cell as a spreadsheet will show it and never run it: a cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula
/// (or becomes one) in Excel and LibreOffice, so it gets a leading `'`, as
/// OWASP recommends. No column holds a number the product formats itself
/// with a sign (codes, names, texts, counts, rates and times only); a signed
/// number would be neutralised the same way, so a reader never sees two rules.
pub fn inert_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A CSV file being written, in memory.
pub struct Csv {
    w: ::csv::Writer<Vec<u8>>,
}

impl Default for Csv {
    fn default() -> Self {
        Csv::new()
    }
}

impl Csv {
    /// An empty file that starts with the byte-order mark.
    pub fn new() -> Csv {
        Csv {
            w: ::csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec()),
        }
    }

    /// Writes one row, each cell made inert.
    pub fn row<I, S>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.w
            .write_record(
                cells
                    .into_iter()
                    .map(|c| inert_cell(c.as_ref()).into_owned()),
            )
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The file's bytes.
    pub fn finish(self) -> AppResult<Vec<u8>> {
        self.w
            .into_inner()
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_that_could_run_is_made_inert() {
        let mut f = Csv::new();
        f.row([
            "=HYPERLINK(\"http://evil/\")",
            "@SUM(A1)",
            "+1",
            "-1",
            "\tx",
            "\rx",
            "平安",
        ])
        .unwrap();
        let text = String::from_utf8(f.finish().unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let line = text.trim_start_matches('\u{feff}').trim_end();
        assert_eq!(
            line,
            "\"'=HYPERLINK(\"\"http://evil/\"\")\",'@SUM(A1),'+1,'-1,'\tx,\"'\rx\",平安"
        );
    }

    /// The report and proposal figures once wrote their own CSV and let a
    /// member's or unit's name through as a formula: no file but this one may
    /// hold a CSV writer.
    #[test]
    fn no_other_module_writes_csv_itself() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, found);
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("kit/csv.rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    if text.contains("csv::Writer") || text.contains("csv::WriterBuilder") {
                        found.push(p.display().to_string());
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert_eq!(
            found,
            Vec::<String>::new(),
            "write CSV through kit::csv::Csv"
        );
    }
}
