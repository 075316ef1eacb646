//! CSV import as a snapshot layer (issue 9, item 1; DESIGN.md section 5b, "Import is a
//! layer"): the input is parsed as a stream ([`CsvImporter`], over `csv-core`) and written
//! straight into tiles, one stripe of tile rows at a time, each stripe's tiles encoded as soon as
//! its rows are complete and written in batches ([`BlobStore::write_many`], about 1 MiB per
//! call). A batch is written while parsing goes on; the next batch waits for it, so at most two
//! are held. Nothing of the sheet changes until one `Import` entry referencing the tiles is
//! appended: that entry is the commit point. Memory is one stripe of tiles plus two batches of
//! bytes, whatever the input's length: a stripe is the grid's tile rows (256 by default) by the
//! CSV's width, a slot of about 24 bytes (in wasm32) for each of its positions, plus its texts.
//!
//! Inside the imported rectangle every cell takes the CSV's content: a field's value, or a
//! tombstone for an empty field, so the layer masks whatever lay below. A failed, cancelled or
//! rolled-back import removes the tiles it wrote (best effort: a crash leaves them unreferenced,
//! and the sheet unchanged).

use futures_util::future::LocalBoxFuture;
use futures_util::{FutureExt as _, StreamExt as _};
use std::future::Future;
use std::task::Poll;

use super::driver::{CsvImportError, CsvSource, ImportOptions, ImportPhase, ImportProgress, ImportReport, OnError};
use super::import::{CsvError, CsvImporter};
use crate::blob::{BlobError, BlobStore};
use crate::engine::{Engine, EngineError};
use crate::log::{EventLog, ImportLayer, Operation};
use crate::model::{CellRange, CellRef};
use crate::snapshot::{encode_tile_rect, CellContent, TileKey, TileSize};

/// The blob dir under which every layer import writes its own dir.
pub const IMPORT_DIR: &str = "imports";

/// The blob inside an import's dir that says its entry committed (empty). The history step
/// writes it before an `Import` entry can leave the log ([`crate::engine::lifecycle::write_history`]), so
/// garbage collection, which takes the dirs of imports that never committed, never takes a
/// committed import's tiles.
pub const IMPORT_COMMITTED: &str = "committed";

/// When the import writing into dir `name` (a child of [`IMPORT_DIR`]) started, in
/// milliseconds since the Unix epoch: import dirs are named `<13 decimal digits of it>-<client
/// id>-<counter>`. `None` for any other name (such a dir is never collected).
pub fn import_started_ms(name: &str) -> Option<u64> {
    let digits = name.get(..13)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || name.as_bytes().get(13) != Some(&b'-') {
        return None;
    }
    digits.parse().ok()
}

/// About how many bytes of encoded tiles an import holds before writing them with one
/// [`BlobStore::write_many`].
const IMPORT_WRITE_BYTES: usize = 1 << 20;

/// About how many cells an import parses, while a batch is being written, between two pauses
/// that let the host's event loop deliver that write's events (a few milliseconds of work).
const PAUSE_CELLS: u64 = 8_192;

/// What [`write_import_layer`] produced: the layer to commit (`None` when no row was
/// imported) and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenLayer {
    /// The layer, not yet referenced by any entry.
    pub layer: Option<ImportLayer>,
    /// Rows, cells (non-empty fields) and bytes it holds; `entries` is 0.
    pub report: ImportReport,
}

/// The stripes of tile rows being filled, and the tiles written so far.
struct Stripes<'a, B: BlobStore> {
    blobs: &'a B,
    dir: String,
    size: TileSize,
    first_row: u64,
    first_col: u64,
    /// Fields per record, once the first record is read.
    fields: u64,
    /// The oldest tile row not closed yet.
    tile_row: u64,
    /// The open stripes, oldest first (rarely more than two): each its tile row and its tiles'
    /// cells, by tile column from the first imported one; a tile's cells are dense in row-major
    /// order (`tile_rows * tile_cols` slots, empty until its first cell), so a cell is set in
    /// `O(1)`; the tile is encoded once, when its stripe closes.
    open: Vec<(u64, Vec<Slots>)>,
    /// Slot vectors of closed tiles (all `None`), for the next stripe's tiles.
    spare: Vec<Slots>,
    /// Encoded tiles not written yet, and their bytes.
    unwritten: Vec<(String, Vec<u8>)>,
    unwritten_bytes: usize,
    /// The batch being written while parsing goes on (one at most, so memory holds two
    /// batches): it yields its paths and the outcome.
    in_flight: Option<Write<'a>>,
    /// The outcome of the batch written last, once it finished and until [`Self::settle`].
    finished: Option<(Vec<String>, Result<(), BlobError>)>,
    /// Every path written, for the clean-up of an import that is not committed.
    written: Vec<String>,
    /// Yields to the host's event loop (see [`write_import_layer`]).
    pause: &'a dyn Fn() -> LocalBoxFuture<'static, ()>,
    /// Cells of stripes closed since the last pause or await.
    cells_since_pause: u64,
}

/// The cells of one tile being filled, dense in row-major order.
type Slots = Vec<Option<CellContent>>;

/// One batch's write: its paths and the outcome.
type Write<'a> = LocalBoxFuture<'a, (Vec<String>, Result<(), BlobError>)>;

impl<'a, B: BlobStore> Stripes<'a, B> {
    fn path(&self, key: TileKey) -> String {
        format!("{}/{}-{}", self.dir, key.tile_row, key.tile_col)
    }

    /// Adds a cell (absolute row and column) of a stripe not closed yet, in the rectangle.
    fn set(&mut self, row: u64, col: u64, content: CellContent) {
        let (tile_rows, tile_cols) = (u64::from(self.size.rows()), u64::from(self.size.cols()));
        let (tile_row, tile_col) = (row / tile_rows, col / tile_cols);
        let Some(index) = tile_col.checked_sub(self.first_col / tile_cols) else { return };
        let stripe = match self.open.iter().rposition(|(r, _)| *r == tile_row) {
            Some(stripe) => stripe,
            None => {
                self.open.push((tile_row, Vec::new()));
                self.open.len() - 1
            }
        };
        let tiles = &mut self.open[stripe].1;
        let index = index as usize;
        if tiles.len() <= index {
            tiles.resize_with(index + 1, Vec::new);
        }
        let slots = &mut tiles[index];
        if slots.is_empty() {
            *slots = self.spare.pop().unwrap_or_else(|| vec![None; (tile_rows * tile_cols) as usize]);
        }
        let slot = (row - tile_row * tile_rows) * tile_cols + (col - tile_col * tile_cols);
        if let Some(cell) = slots.get_mut(slot as usize) {
            *cell = Some(content);
        }
    }

    /// Closes the stripes whose rows are all among the first `rows` imported, and, when `last`,
    /// the one holding the last of them too. Writes once about 1 MiB of tiles is waiting.
    async fn close(&mut self, rows: u64, last: bool) -> Result<(), EngineError> {
        let tile_rows = u64::from(self.size.rows());
        let end = self.first_row + rows; // one past the last complete row
        loop {
            let stripe_end = (self.tile_row + 1) * tile_rows;
            let complete = stripe_end <= end || (last && self.tile_row * tile_rows < end);
            if !complete {
                return Ok(());
            }
            self.close_stripe(end)?;
            self.tile_row += 1;
            if self.unwritten_bytes >= IMPORT_WRITE_BYTES {
                self.flush().await?;
            } else if self.in_flight.is_some() && self.cells_since_pause >= PAUSE_CELLS {
                // The write in flight advances only when its events are delivered.
                let pause = self.pause;
                self.alongside(pause()).await;
            }
        }
    }

    /// Closes the stripe of tile row `self.tile_row`, rows before `end` imported: every field
    /// of the rectangle without a value gets a tombstone, and the tiles are encoded.
    fn close_stripe(&mut self, end: u64) -> Result<(), EngineError> {
        let (tile_rows, tile_cols) = (u64::from(self.size.rows()), u64::from(self.size.cols()));
        let mut tiles = match self.open.first() {
            Some((tile_row, _)) if *tile_row == self.tile_row => self.open.remove(0).1,
            _ => Vec::new(),
        };
        let first_tile_col = self.first_col / tile_cols;
        let row_lo = (self.tile_row * tile_rows).max(self.first_row);
        let row_hi = ((self.tile_row + 1) * tile_rows).min(end);
        let (col_lo, col_hi) = (self.first_col, self.first_col + self.fields);
        if row_lo >= row_hi || col_lo >= col_hi {
            return Ok(());
        }
        self.cells_since_pause += (row_hi - row_lo) * (col_hi - col_lo);
        for tile_col in col_lo / tile_cols..=(col_hi - 1) / tile_cols {
            let key = TileKey { tile_row: self.tile_row, tile_col };
            let mut slots = usize::try_from(tile_col - first_tile_col)
                .ok()
                .and_then(|index| tiles.get_mut(index))
                .map(std::mem::take)
                .unwrap_or_default();
            let (origin_row, origin_col) = self.size.origin(key);
            // Every cell of the rectangle in this tile: its field's value, or a tombstone for an
            // empty field (offsets within a tile fit in u32).
            let rows = (row_lo - origin_row) as u32..(row_hi - origin_row) as u32;
            let cols =
                (col_lo.max(origin_col) - origin_col) as u32..(col_hi.min(origin_col + tile_cols) - origin_col) as u32;
            let bytes = encode_tile_rect(key, self.size, rows, cols, &slots)
                .map_err(|error| EngineError::Snapshot { path: self.path(key), error })?;
            if !slots.is_empty() {
                slots.fill(None);
                self.spare.push(slots);
            }
            self.unwritten_bytes += bytes.len();
            self.unwritten.push((self.path(key), bytes));
        }
        Ok(())
    }

    /// Starts writing the unwritten tiles ([`BlobStore::write_many`]) once the batch before
    /// them is written, and returns without waiting for this one: parsing goes on while the
    /// storage writes (the write is driven by [`Self::alongside`] and [`Self::settle`]).
    ///
    /// # Errors
    /// The error of the batch before, if its write failed.
    async fn flush(&mut self) -> Result<(), EngineError> {
        self.settle().await?;
        if self.unwritten.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.unwritten);
        self.unwritten_bytes = 0;
        let blobs = self.blobs;
        let write: Write<'a> = async move {
            let outcome = {
                let refs: Vec<(&str, &[u8])> = batch.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
                blobs.write_many(&refs).await
            };
            (batch.into_iter().map(|(path, _)| path).collect(), outcome)
        }
        .boxed_local();
        self.in_flight = Some(write);
        // Polled once now, so that its requests are issued (IndexedDB writes them meanwhile).
        self.alongside(std::future::ready(())).await;
        Ok(())
    }

    /// Runs `work` (reading the input, a pause, or nothing) while driving the write in flight,
    /// if any; keeps that write's outcome for [`Self::settle`].
    async fn alongside<T>(&mut self, work: impl Future<Output = T>) -> T {
        self.cells_since_pause = 0;
        let mut work = std::pin::pin!(work);
        std::future::poll_fn(|cx| {
            if let Some(write) = self.in_flight.as_mut() {
                if let Poll::Ready(outcome) = write.as_mut().poll(cx) {
                    self.in_flight = None;
                    self.finished = Some(outcome);
                }
            }
            work.as_mut().poll(cx)
        })
        .await
    }

    /// Waits for the write in flight, if any; its paths count as written (for [`Self::discard`])
    /// whatever its outcome.
    ///
    /// # Errors
    /// That write's error.
    async fn settle(&mut self) -> Result<(), EngineError> {
        self.cells_since_pause = 0;
        if let Some(write) = self.in_flight.take() {
            self.finished = Some(write.await);
        }
        match self.finished.take() {
            Some((paths, outcome)) => {
                self.written.extend(paths);
                Ok(outcome?)
            }
            None => Ok(()),
        }
    }

    /// Removes every tile written (an import that is not committed); best effort.
    async fn discard(&mut self) {
        let _ = self.settle().await;
        let paths: Vec<&str> = self.written.iter().map(String::as_str).collect();
        let _ = self.blobs.remove_many(&paths).await;
        self.written.clear();
        self.unwritten.clear();
    }
}

/// Writes the CSV of `source` as the tiles of an import layer under blob dir `dir`, on the
/// tile grid `tile_size`, at the row and column of `options.csv` (its batch size only cuts the
/// parser's work). References nothing: the caller commits the returned layer with one
/// `Import` entry. Calls `on_progress` after each parsed batch and `cancelled` before each
/// chunk of input. `pause` yields to the host's event loop and resumes at once (in a browser a
/// task, e.g. a `MessageChannel` message; natively it may do nothing): a batch of tiles is
/// written while parsing goes on, and its requests advance only when their events are
/// delivered, so the import pauses every 8,192 cells or so (`PAUSE_CELLS`) while one is in
/// flight.
///
/// [`OnError::Rollback`] writes no layer for malformed input (the tiles written are removed);
/// [`OnError::Keep`] returns the layer of the rows parsed before the batch holding the error,
/// with the error. A cancel removes what was written and returns no layer.
///
/// # Errors
/// [`CsvImportError::Malformed`] (with `Rollback`); [`CsvImportError::Engine`] for bad
/// options, a failed read of the source, or a failed write (what was written is removed).
#[allow(clippy::too_many_arguments)] // the host's three hooks are plain functions, as `fill` takes them
pub async fn write_import_layer<B: BlobStore>(
    blobs: &B,
    source: &dyn CsvSource,
    options: ImportOptions,
    tile_size: TileSize,
    dir: String,
    on_progress: &mut dyn FnMut(&ImportProgress),
    cancelled: &dyn Fn() -> bool,
    pause: &dyn Fn() -> LocalBoxFuture<'static, ()>,
) -> Result<(WrittenLayer, Option<CsvError>), CsvImportError> {
    let nothing = ImportReport::default();
    let mut importer =
        CsvImporter::new(options.csv).map_err(|e| CsvImportError::Engine { error: e.into(), imported: nothing })?;
    let total_bytes = source.total_bytes();
    let mut stripes = Stripes {
        blobs,
        dir,
        size: tile_size,
        first_row: options.csv.start_row,
        first_col: options.csv.start_column,
        fields: 0,
        tile_row: options.csv.start_row / u64::from(tile_size.rows()),
        open: Vec::new(),
        spare: Vec::new(),
        unwritten: Vec::new(),
        unwritten_bytes: 0,
        in_flight: None,
        finished: None,
        written: Vec::new(),
        pause,
        cells_since_pause: 0,
    };
    let result = fill(&mut stripes, &mut importer, source, options.on_error, total_bytes, on_progress, cancelled).await;
    let fail = |error| CsvImportError::Engine { error, imported: nothing };
    let (report, malformed) = match result {
        Ok(Filled::Cancelled) => {
            stripes.discard().await;
            return Ok((WrittenLayer { layer: None, report: ImportReport { cancelled: true, ..nothing } }, None));
        }
        Ok(Filled::Done { report, malformed }) => (report, malformed),
        Err(error) => {
            stripes.discard().await;
            return Err(error);
        }
    };
    if let Err(error) = stripes.close(report.rows, true).await {
        stripes.discard().await;
        return Err(fail(error));
    }
    if let Err(error) = stripes.flush().await {
        stripes.discard().await;
        return Err(fail(error));
    }
    if let Err(error) = stripes.settle().await {
        stripes.discard().await;
        return Err(fail(error));
    }
    if report.rows == 0 || stripes.fields == 0 {
        stripes.discard().await;
        return Ok((WrittenLayer { layer: None, report }, malformed));
    }
    let first = CellRef { row: options.csv.start_row, col: options.csv.start_column };
    let last = CellRef::new(first.row + report.rows - 1, first.col + stripes.fields - 1);
    let last = match last {
        Ok(last) => last,
        Err(error) => {
            stripes.discard().await;
            return Err(fail(error.into()));
        }
    };
    let layer = ImportLayer {
        dir: stripes.dir.clone(),
        rect: CellRange::new(first, last),
        tile_rows: tile_size.rows(),
        tile_cols: tile_size.cols(),
    };
    Ok((WrittenLayer { layer: Some(layer), report }, malformed))
}

/// How the parse of an import ended.
enum Filled {
    Cancelled,
    /// The rows to commit, and the error that stopped the parse early ([`OnError::Keep`]).
    Done {
        report: ImportReport,
        malformed: Option<CsvError>,
    },
}

/// Parses the whole input into `stripes`, closing stripes as their rows complete.
async fn fill<B: BlobStore>(
    stripes: &mut Stripes<'_, B>,
    importer: &mut CsvImporter,
    source: &dyn CsvSource,
    on_error: OnError,
    total_bytes: Option<u64>,
    on_progress: &mut dyn FnMut(&ImportProgress),
    cancelled: &dyn Fn() -> bool,
) -> Result<Filled, CsvImportError> {
    let mut report = ImportReport::default();
    let mut chunks = source.chunks();
    loop {
        take_batches(stripes, importer, &mut report, total_bytes, on_progress).await?;
        if importer.is_finished() {
            // Records of empty fields only make no batch: the rows count them all.
            let progress = importer.progress();
            (report.rows, report.cells, report.bytes) = (progress.rows, progress.cells, progress.bytes);
            stripes.fields = importer.fields().map_or(0, |f| f as u64);
            return Ok(Filled::Done { report, malformed: None });
        }
        if cancelled() {
            return Ok(Filled::Cancelled);
        }
        let fed = match stripes.alongside(chunks.next()).await {
            Some(Ok(chunk)) => importer.feed(&chunk),
            Some(Err(error)) => return Err(CsvImportError::Engine { error, imported: ImportReport::default() }),
            None => importer.finish(),
        };
        if let Err(error) = fed {
            return match on_error {
                OnError::Rollback => Err(CsvImportError::Malformed { error, imported: ImportReport::default() }),
                OnError::Keep => {
                    take_batches(stripes, importer, &mut report, total_bytes, on_progress).await?;
                    Ok(Filled::Done { report, malformed: Some(error) })
                }
            };
        }
    }
}

/// Moves the importer's complete batches into the stripes and closes the stripes they complete.
async fn take_batches<B: BlobStore>(
    stripes: &mut Stripes<'_, B>,
    importer: &mut CsvImporter,
    report: &mut ImportReport,
    total_bytes: Option<u64>,
    on_progress: &mut dyn FnMut(&ImportProgress),
) -> Result<(), CsvImportError> {
    while let Some(batch) = importer.next_batch() {
        let fail = |error| CsvImportError::Engine { error, imported: ImportReport::default() };
        stripes.fields = importer.fields().map_or(0, |f| f as u64);
        for write in batch.writes {
            stripes.set(write.row, write.col, CellContent { value: write.value, format: write.format });
        }
        let progress = batch.progress;
        (report.rows, report.cells, report.bytes) = (progress.rows, progress.cells, progress.bytes);
        stripes.close(progress.rows, false).await.map_err(fail)?;
        on_progress(&ImportProgress {
            phase: ImportPhase::Importing,
            bytes: progress.bytes,
            total_bytes,
            rows: progress.rows,
            cells: progress.cells,
        });
    }
    Ok(())
}

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// Imports CSV from `source` as a snapshot layer (issue 9, item 1): the tiles are written
    /// first ([`write_import_layer`], in this engine's blob store, on the sheet's tile grid),
    /// then **one** `Import` entry replacing the target rectangle is appended (the write
    /// contract of [`Self::submit`]: durable on resolve, one undo step, seen by other tabs).
    /// Nothing of the sheet changes before that entry. Requests a snapshot afterwards (a failed
    /// request does not fail the import).
    ///
    /// Unlike [`Self::import_csv`], an empty field empties its cell, and the input is read once
    /// whatever [`OnError`] says. Progress counts parsed rows and bytes.
    ///
    /// # Errors
    /// As [`write_import_layer`]; [`CsvImportError::Malformed`] with [`OnError::Keep`] once the
    /// rows before the error are committed; [`CsvImportError::Engine`] when the append fails
    /// ([`EngineError::TargetDeleted`] when another writer's structural edit, applied first,
    /// moved or cut the rectangle: nothing changed, import again).
    pub fn import_csv_layer(
        &self,
        source: impl CsvSource + 'static,
        options: ImportOptions,
        mut on_progress: impl FnMut(&ImportProgress) + 'static,
        cancelled: impl Fn() -> bool + 'static,
    ) -> LocalBoxFuture<'static, Result<ImportReport, CsvImportError>> {
        let engine = self.clone();
        async move {
            let dir = format!("{IMPORT_DIR}/{}", engine.unique_name());
            let pause = engine.inner.runtime.pause.clone();
            let (written, malformed) = write_import_layer(
                engine.blobs(),
                &source,
                options,
                engine.tile_size(),
                dir,
                &mut on_progress,
                &cancelled,
                &move || pause(),
            )
            .await?;
            let report = engine
                .commit_import_layer(written)
                .await
                .map_err(|error| CsvImportError::Engine { error, imported: ImportReport::default() })?;
            match malformed {
                Some(error) => Err(CsvImportError::Malformed { error, imported: report }),
                None => Ok(report),
            }
        }
        .boxed_local()
    }

    /// Commits a layer written by [`write_import_layer`] (here or in a worker, on this sheet's
    /// tile grid): appends its one `Import` entry (the write contract of [`Self::submit`]), then
    /// requests a snapshot (a failed request does not fail the commit). Returns the written
    /// report with `entries` 1 (0 when there was no layer).
    ///
    /// # Errors
    /// As [`Self::submit`]: the append failed, or ([`EngineError::TargetDeleted`]) another
    /// writer's structural edit, applied first, moved or cut the rectangle. Nothing changed.
    pub fn commit_import_layer(
        &self,
        written: WrittenLayer,
    ) -> LocalBoxFuture<'static, Result<ImportReport, EngineError>> {
        let engine = self.clone();
        // Submitted now, as every write is, so the entry's place among this client's edits is
        // the call's.
        let submitted = written.layer.map(|layer| self.submit(Operation::Import(layer)));
        async move {
            let mut report = written.report;
            if let Some(submitted) = submitted {
                report.entry = Some(submitted.await?.start);
                report.entries = 1;
                report.snapshot = engine.request_snapshot().await.unwrap_or(None);
            }
            Ok(report)
        }
        .boxed_local()
    }
}
