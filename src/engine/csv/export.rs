//! CSV export: a rectangle of a [`ContentVersion`] written with the `csv` crate's `Writer`
//! (`,` separators, `\n` line ends, fields quoted only when they need it), optionally guarded
//! against formula injection ([`CsvExportOptions::guard_formulas`]).
//!
//! A version shows only the tiles its viewport loaded, so [`Engine::export_csv`] first reads the
//! snapshot tiles under the rectangle that the version lacks, into a private copy of the version:
//! the engine's cache and the version itself are left as they are.
//!
//! [`Engine::export_csv_stream`] does the same one **stripe** of rows at a time (whole tile rows,
//! about [`STRIPE_CELLS`] cells): it reads the stripe's missing tiles in one batch, then writes
//! the stripe in **parts** of about [`PART_CELLS`] cells (whole rows, or pieces of one row wider
//! than that), handing each part's CSV bytes to a sink and yielding to the event loop after
//! each; it drops the stripe's tiles before the next stripe. Memory stays at one stripe whatever
//! the sheet's size, and the main thread is never held for more than one part's writing or one
//! stripe's tile decoding (issue 9, item 4: "no more than a frame").

use std::ops::Range;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use super::value::write_js_number;
use crate::blob::BlobStore;
use crate::engine::loaded_tile::LoadedTile;
use crate::engine::version::LayerId;
use crate::engine::viewport_tiles::{import_tiles_under, tiles_under, CellRect};
use crate::engine::workflow::read_tiles;
use crate::engine::{ContentVersion, Engine, EngineError};
use crate::log::EventLog;
use crate::model::{CellRange, CellValue};
use crate::snapshot::{TileKey, Transform};

/// Most cells one export to a string may span (rows times columns of the rectangle, empty
/// cells included): 2^26, about 67 million.
pub const MAX_EXPORT_CELLS: u64 = 1 << 26;

/// Most cells one streamed export ([`Engine::export_csv_stream`]) may span: 2^36, about 69
/// billion (its memory is one stripe; the limit only bounds a mistaken range's running time).
pub const MAX_STREAM_EXPORT_CELLS: u64 = 1 << 36;

/// About how many cells one stripe of a streamed export holds (whole tile rows, at least one):
/// the tiles under a stripe are read in one batch.
pub const STRIPE_CELLS: u64 = 8_192;

/// About how many cells a streamed export writes between two yields to the event loop (whole
/// rows; a row wider than this, in equal pieces of its columns): each part's bytes reach the
/// sink on their own, so the main thread is held for one part's writing at a time
/// (BENCHMARKS.md, "Streaming CSV export").
pub const PART_CELLS: u64 = 4_096;

/// How far a streamed export is, after each part of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportProgress {
    /// Rows written so far.
    pub rows: u64,
    /// Rows the export covers.
    pub total_rows: u64,
    /// CSV bytes written so far.
    pub bytes: u64,
}

/// Why an export failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvExportError {
    /// Reading a snapshot tile failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The rectangle spans more than [`MAX_EXPORT_CELLS`] cells.
    #[error("the export spans {cells} cells; the limit is {limit} (export a smaller range)")]
    TooLarge {
        /// Rows times columns of the rectangle (saturating).
        cells: u64,
        /// [`MAX_EXPORT_CELLS`].
        limit: u64,
    },
    /// The CSV writer failed (it writes to memory, so this is not expected).
    #[error("the CSV writer failed: {message}")]
    Write {
        /// The writer's report.
        message: String,
    },
}

/// How an export writes cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvExportOptions {
    /// Guard against formula injection (CSV injection), as OWASP recommends: text that begins
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a `'` before it, so a
    /// spreadsheet program opening the file shows it as text instead of running it as a formula
    /// (`=HYPERLINK(...)`). Numbers are written as numbers (a negative number is no formula);
    /// booleans and error codes cannot begin with those characters. Off by default: the file
    /// then holds the text exactly.
    pub guard_formulas: bool,
}

/// True when text `text` would be taken for a formula by a spreadsheet program opening a CSV
/// file: it begins with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP).
pub fn looks_like_formula(text: &str) -> bool {
    matches!(text.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// The rows and columns (0-based, half-open) an export covers: `range`, or the whole sheet,
/// rows `0..row_count` by columns `0..column_count`.
pub fn export_bounds(version: &ContentVersion, range: Option<CellRange>) -> (Range<u64>, Range<u64>) {
    match range {
        Some(r) => (r.start().row..r.end().row.saturating_add(1), r.start().col..r.end().col.saturating_add(1)),
        None => (0..version.row_count(), 0..version.column_count()),
    }
}

/// Appends one cell's CSV text: numbers as JavaScript writes them (`42`, `0.1`, `1e+21`),
/// booleans `TRUE`/`FALSE`, text as is, errors as their code (`#DIV/0!`); an explicitly empty
/// cell and no value both write an empty field. Formats are not exported.
pub fn write_cell_text(out: &mut String, value: Option<&CellValue>) {
    write_cell_text_with(out, value, CsvExportOptions::default());
}

/// [`write_cell_text`] as `options` say: with [`CsvExportOptions::guard_formulas`], text that
/// [`looks_like_formula`] gets a `'` before it.
pub fn write_cell_text_with(out: &mut String, value: Option<&CellValue>, options: CsvExportOptions) {
    if let (true, Some(CellValue::Text(text))) = (options.guard_formulas, value) {
        if looks_like_formula(text) {
            out.push('\'');
        }
    }
    match value {
        None | Some(CellValue::Empty) => {}
        Some(CellValue::Number(n)) => write_js_number(out, *n),
        Some(CellValue::Boolean(b)) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Some(CellValue::Text(text)) => out.push_str(text),
        Some(CellValue::Error(code)) => out.push_str(code.as_str()),
    }
}

/// Writes rows `rows` by columns `cols` of `version` as CSV, one record per row (an empty
/// rectangle gives `""`). Cells in tiles the version has not loaded read as empty: use
/// [`Engine::export_csv`] to load them first.
///
/// # Errors
/// [`CsvExportError::TooLarge`] over [`MAX_EXPORT_CELLS`].
pub fn write_csv(version: &ContentVersion, rows: Range<u64>, cols: Range<u64>) -> Result<String, CsvExportError> {
    write_csv_with(version, rows, cols, CsvExportOptions::default())
}

/// [`write_csv`] as `options` say.
///
/// # Errors
/// As [`write_csv`].
pub fn write_csv_with(
    version: &ContentVersion,
    rows: Range<u64>,
    cols: Range<u64>,
    options: CsvExportOptions,
) -> Result<String, CsvExportError> {
    check_size(&rows, &cols, MAX_EXPORT_CELLS)?;
    let bytes = write_csv_bytes(version, rows, cols, options)?;
    String::from_utf8(bytes).map_err(|e| CsvExportError::Write { message: e.to_string() })
}

/// The CSV bytes (UTF-8) of rows `rows` by columns `cols` of `version`, one record per row, as
/// [`write_csv_with`] writes them; no size check.
fn write_csv_bytes(
    version: &ContentVersion,
    rows: Range<u64>,
    cols: Range<u64>,
    options: CsvExportOptions,
) -> Result<Vec<u8>, CsvExportError> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    write_part(&mut writer, version, rows, cols, true, options)?;
    writer.into_inner().map_err(|e| CsvExportError::Write { message: e.to_string() })
}

/// Writes columns `cols` of rows `rows` of `version` with `writer`, ending each row's record
/// when `ends` (else `cols` is a piece of one row, not its last: the record goes on). Nothing
/// for empty `cols`. The writer adds the `,` before a field, and a quoted field's closing
/// quote, only when it writes what follows, so the pieces of a record concatenate to it.
fn write_part<W: std::io::Write>(
    writer: &mut ::csv::Writer<W>,
    version: &ContentVersion,
    rows: Range<u64>,
    cols: Range<u64>,
    ends: bool,
    options: CsvExportOptions,
) -> Result<(), CsvExportError> {
    let write_error = |e: ::csv::Error| CsvExportError::Write { message: e.to_string() };
    if cols.is_empty() {
        return Ok(());
    }
    let mut field = String::new();
    for row in rows {
        for col in cols.clone() {
            field.clear();
            version
                .with_cell(row, col, |c| write_cell_text_with(&mut field, c.and_then(|c| c.value.as_ref()), options));
            writer.write_field(&field).map_err(write_error)?;
        }
        if ends {
            writer.write_record(None::<&[u8]>).map_err(write_error)?;
        }
    }
    Ok(())
}

/// Columns `cols` cut into `pieces` consecutive pieces of about equal length (the last may be
/// shorter; `cols` itself when it is empty), for writing a wide row in parts.
fn row_pieces(cols: Range<u64>, pieces: u64) -> Vec<Range<u64>> {
    let (end, piece) = (cols.end, (cols.end.saturating_sub(cols.start)).div_ceil(pieces.max(1)).max(1));
    let cut: Vec<Range<u64>> =
        (cols.start..end).step_by(piece as usize).map(|start| start..start.saturating_add(piece).min(end)).collect();
    if cut.is_empty() {
        vec![cols]
    } else {
        cut
    }
}

/// The streamed export's writer's output, taken after each part (a shared buffer).
#[derive(Clone, Default)]
struct Parts(Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Parts {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn check_size(rows: &Range<u64>, cols: &Range<u64>, limit: u64) -> Result<(), CsvExportError> {
    let cells = (rows.end.saturating_sub(rows.start)).saturating_mul(cols.end.saturating_sub(cols.start));
    if cells > limit {
        return Err(CsvExportError::TooLarge { cells, limit });
    }
    Ok(())
}

/// `version` with the snapshot tiles under rows `rows` by columns `cols` that it lacks read
/// from `blobs` (a private copy; the version and the engine's cache are left as they are).
async fn with_tiles_under<B: BlobStore>(
    blobs: &B,
    version: &ContentVersion,
    rows: &Range<u64>,
    cols: &Range<u64>,
) -> Result<ContentVersion, EngineError> {
    let missing = missing_tiles(version, rows, cols);
    let mut full = version.clone();
    if !missing.is_empty() {
        let paths: Vec<&str> = missing.iter().map(|(_, path)| &**path).collect();
        let loaded = read_tiles(blobs, &paths).await.into_iter().collect::<Result<Vec<_>, _>>()?;
        let tiles = Rc::make_mut(&mut full.tiles);
        for ((key, _), tile) in missing.into_iter().zip(loaded) {
            tiles.insert(key, Rc::new(LoadedTile::new(tile)));
        }
    }
    Ok(full)
}

/// The snapshot tiles under rows `rows` by columns `cols` of `version` that it has not loaded,
/// with their blob paths.
fn missing_tiles(version: &ContentVersion, rows: &Range<u64>, cols: &Range<u64>) -> Vec<((LayerId, TileKey), String)> {
    if rows.is_empty() || cols.is_empty() {
        return Vec::new();
    }
    let rect = CellRect { rows: (rows.start, rows.end - 1), cols: (cols.start, cols.end - 1) };
    let mut out: Vec<((LayerId, TileKey), String)> = Vec::new();
    if let Some(index) = &version.snapshot {
        let transforms = version.transforms();
        let transforms: Vec<&Transform> = transforms.iter().collect();
        out.extend(tiles_under(index, &transforms, rect).into_iter().filter_map(|(i, k)| {
            let path = index.layers.get(i).and_then(|l| l.tiles.get(&k))?;
            Some(((LayerId::Snapshot(i), k), path.clone()))
        }));
    }
    let pending = version.pending.overlay.borrow().transforms(version.pending.lo, version.pending.hi);
    let imported = import_tiles_under(&version.edits.borrow(), version.seq, &pending, rect);
    out.extend(imported.into_iter().map(|(key, path)| (key, path.to_string())));
    out.retain(|(key, _)| !version.tiles.contains_key(key));
    out
}

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// Writes `range` of `version` (`None`: the whole sheet, rows `0..row_count` by columns
    /// `0..column_count`) as CSV text, as [`write_csv`] describes. Snapshot tiles under the range
    /// that `version` has not loaded are read from the blob store first, for this export only.
    ///
    /// # Errors
    /// [`CsvExportError::Engine`] when a tile cannot be read; [`CsvExportError::TooLarge`].
    pub fn export_csv(
        &self,
        version: &ContentVersion,
        range: Option<CellRange>,
    ) -> LocalBoxFuture<'static, Result<String, CsvExportError>> {
        self.export_csv_with(version, range, CsvExportOptions::default())
    }

    /// [`Self::export_csv`] as `options` say (a guard against formula injection).
    ///
    /// # Errors
    /// As [`Self::export_csv`].
    pub fn export_csv_with(
        &self,
        version: &ContentVersion,
        range: Option<CellRange>,
        options: CsvExportOptions,
    ) -> LocalBoxFuture<'static, Result<String, CsvExportError>> {
        let (rows, cols) = export_bounds(version, range);
        if let Err(e) = check_size(&rows, &cols, MAX_EXPORT_CELLS) {
            return async move { Err(e) }.boxed_local();
        }
        let version = version.clone();
        let this = self.clone();
        async move {
            let full = with_tiles_under(this.blobs(), &version, &rows, &cols).await?;
            write_csv_with(&full, rows, cols, options)
        }
        .boxed_local()
    }

    /// Writes `range` of `version` (`None`: the whole sheet) as CSV, as [`write_csv`] describes,
    /// one stripe of rows at a time, each written in parts (module docs): `sink` gets each part's
    /// bytes (UTF-8, whole records) with the progress after it, in order; after each part the
    /// future yields to the event loop (the runtime's `pause`: the tasks already queued run, with
    /// no timer's delay, BENCHMARKS.md "Stop 29"), and it stops when `cancelled` says so. Resolves with the
    /// progress at the end and whether it was cancelled; the bytes handed to `sink` are the
    /// export (exactly [`Self::export_csv`]'s text when not cancelled).
    ///
    /// # Errors
    /// [`CsvExportError::Engine`] when a tile cannot be read (the stripes before it were handed
    /// over); [`CsvExportError::TooLarge`] over [`MAX_STREAM_EXPORT_CELLS`].
    pub fn export_csv_stream(
        &self,
        version: &ContentVersion,
        range: Option<CellRange>,
        options: CsvExportOptions,
        mut sink: impl FnMut(Vec<u8>, ExportProgress) + 'static,
        cancelled: impl Fn() -> bool + 'static,
    ) -> LocalBoxFuture<'static, Result<(ExportProgress, bool), CsvExportError>> {
        let (rows, cols) = export_bounds(version, range);
        let version = version.clone();
        let this = self.clone();
        async move {
            check_size(&rows, &cols, MAX_STREAM_EXPORT_CELLS)?;
            let tile_rows = version.snapshot.as_ref().map_or(64, |i| u64::from(i.tile_size.rows()).max(1));
            let width = (cols.end - cols.start).max(1);
            // Whole tile rows, about STRIPE_CELLS cells, at least one tile row.
            let stripe = (STRIPE_CELLS / width / tile_rows).max(1) * tile_rows;
            // Whole rows, about PART_CELLS cells, at least one row; a row wider than that is
            // written in pieces of about equal numbers of columns.
            let part_rows = (PART_CELLS / width).max(1);
            let pieces = width.div_ceil(PART_CELLS);
            let total_rows = rows.end - rows.start;
            let mut progress = ExportProgress { rows: 0, total_rows, bytes: 0 };
            // One writer for the whole export, its output taken after each part.
            let out = Parts::default();
            let mut writer = ::csv::Writer::from_writer(out.clone());
            let mut start = rows.start;
            while start < rows.end {
                if cancelled() {
                    return Ok((progress, true));
                }
                // Stripes end on tile boundaries (of the version's coordinates).
                let end = ((start / stripe + 1) * stripe).min(rows.end);
                let full = with_tiles_under(this.blobs(), &version, &(start..end), &cols).await?;
                (this.inner.runtime.pause)().await;
                while start < end {
                    if cancelled() {
                        return Ok((progress, true));
                    }
                    let part_end = start.saturating_add(part_rows).min(end);
                    // One part of whole rows, or (a row wider than PART_CELLS) one part per
                    // piece of its columns; a row counts once whole.
                    for piece in row_pieces(cols.clone(), pieces) {
                        let ends = piece.end == cols.end;
                        write_part(&mut writer, &full, start..part_end, piece, ends, options)?;
                        writer.flush().map_err(|e| CsvExportError::Write { message: e.to_string() })?;
                        let bytes = out.0.take();
                        progress.rows += if ends { part_end - start } else { 0 };
                        progress.bytes += bytes.len() as u64;
                        sink(bytes, progress);
                        (this.inner.runtime.pause)().await;
                    }
                    start = part_end;
                }
            }
            Ok((progress, false))
        }
        .boxed_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_row_is_cut_into_consecutive_pieces_covering_it() {
        for (cols, pieces) in [(0..4_097, 2), (5..16_389, 4), (0..8_193, 3), (3..6, 2)] {
            let cut = row_pieces(cols.clone(), pieces);
            assert_eq!(cut.len() as u64, pieces, "{cols:?}");
            assert_eq!(cut.first().map(|p| p.start), Some(cols.start), "{cols:?}");
            assert_eq!(cut.last().map(|p| p.end), Some(cols.end), "{cols:?}");
            assert!(cut.windows(2).all(|w| w[0].end == w[1].start), "{cols:?}: consecutive");
            let widest = cut.iter().map(|p| p.end - p.start).max().unwrap_or(0);
            assert!(widest <= (cols.end - cols.start).div_ceil(pieces), "{cols:?}: about equal");
        }
        assert_eq!(row_pieces(4..4, 1), vec![Range { start: 4, end: 4 }], "no columns: one empty piece");
    }

    fn text(s: &str) -> Option<CellValue> {
        Some(CellValue::Text(s.into()))
    }

    #[test]
    fn formula_injection_guard_prefixes_text_that_a_spreadsheet_would_run() {
        let guard = CsvExportOptions { guard_formulas: true };
        let write = |value: Option<CellValue>, options| {
            let mut out = String::new();
            write_cell_text_with(&mut out, value.as_ref(), options);
            out
        };
        for risky in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "="] {
            assert_eq!(write(text(risky), guard), format!("'{risky}"), "{risky:?}");
            assert_eq!(write(text(risky), CsvExportOptions::default()), risky, "{risky:?} unguarded");
        }
        for safe in ["", "a=b", " =1", "'=1", "#REF", "1"] {
            assert_eq!(write(text(safe), guard), safe, "{safe:?}");
        }
        assert_eq!(write(Some(CellValue::Number(-5.0)), guard), "-5", "a negative number is no formula");
        assert_eq!(write(Some(CellValue::Boolean(true)), guard), "TRUE");
        assert_eq!(write(None, guard), "");
    }
}
