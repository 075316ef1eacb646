//! The engine-level CSV import: reads a [`CsvSource`] chunk by chunk through a [`CsvImporter`]
//! and appends each complete batch as one `set_cells` entry, in order, one at a time; reports
//! progress after each batch, stops between batches when cancelled, and requests a snapshot
//! after a successful import.
//!
//! Malformed input and [`OnError`]: with [`OnError::Rollback`] a first pass validates the whole
//! input and nothing is written unless it is valid; with [`OnError::Keep`] the batches complete
//! before the error stay in the sheet and the batch the error fell in is never appended. Either
//! way no entry ever holds part of a batch.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::stream::{self, LocalBoxStream};
use futures_util::{FutureExt as _, StreamExt as _};

use super::import::{CsvError, CsvImportOptions, CsvImporter, CsvProgress};
use crate::blob::BlobStore;
use crate::engine::{Engine, EngineError, UndoGroup};
use crate::log::{EventLog, Operation, SequenceId};

/// CSV input that can be read from the start as many times as needed (twice with
/// [`OnError::Rollback`]).
pub trait CsvSource {
    /// The input's size in bytes, when known.
    fn total_bytes(&self) -> Option<u64>;
    /// A new read of the input from its first byte, as chunks of any size.
    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>>;
}

/// Bytes in memory as a [`CsvSource`], read in chunks of a fixed size.
#[derive(Debug, Clone)]
pub struct BytesSource {
    bytes: Rc<[u8]>,
    chunk: usize,
}

impl BytesSource {
    /// `bytes`, read `chunk` bytes at a time (at least 1).
    pub fn new(bytes: impl Into<Rc<[u8]>>, chunk: usize) -> Self {
        Self { bytes: bytes.into(), chunk: chunk.max(1) }
    }
}

impl CsvSource for BytesSource {
    fn total_bytes(&self) -> Option<u64> {
        Some(self.bytes.len() as u64)
    }

    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>> {
        let (bytes, chunk) = (self.bytes.clone(), self.chunk);
        stream::iter((0..bytes.len()).step_by(chunk).map(move |start| {
            let end = (start + chunk).min(bytes.len());
            Ok(bytes[start..end].to_vec())
        }))
        .boxed_local()
    }
}

/// What to do with the rows before a malformed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Keep the batches appended before the error (the batch holding the error is not).
    Keep,
    /// Write nothing unless the whole input is valid (the input is read twice).
    #[default]
    Rollback,
}

/// Options of [`Engine::import_csv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// Where cells go and how batches are cut.
    pub csv: CsvImportOptions,
    /// Malformed input: keep what was appended, or write nothing.
    pub on_error: OnError,
}

/// Which pass an import is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPhase {
    /// Reading the whole input to check it, writing nothing ([`OnError::Rollback`] only).
    Validating,
    /// Appending batches.
    Importing,
}

/// Progress of an import, reported after each appended batch (and after each chunk while
/// validating).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// The current pass.
    pub phase: ImportPhase,
    /// Input bytes read in this pass.
    pub bytes: u64,
    /// The input's size in bytes, when the source knows it.
    pub total_bytes: Option<u64>,
    /// Rows imported (while validating: rows checked).
    pub rows: u64,
    /// Cells imported (while validating: cells checked).
    pub cells: u64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Rows whose cells are all in the sheet.
    pub rows: u64,
    /// Cells written.
    pub cells: u64,
    /// Log entries appended (one per batch).
    pub entries: u64,
    /// Input bytes the imported rows span.
    pub bytes: u64,
    /// True when the import stopped because it was cancelled.
    pub cancelled: bool,
    /// The entry a snapshot was requested on after the import, if one was.
    pub snapshot: Option<SequenceId>,
    /// The `Import` entry of an import as a layer, once committed.
    pub entry: Option<SequenceId>,
}

impl ImportReport {
    fn absorb(&mut self, progress: CsvProgress) {
        self.rows = progress.rows;
        self.cells = progress.cells;
        self.bytes = progress.bytes;
        self.entries += 1;
    }
}

/// Why an import stopped early; each variant says what stayed in the sheet.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvImportError {
    /// The input is malformed (the error names the line). With [`OnError::Rollback`] nothing was
    /// written; with [`OnError::Keep`], `imported` did.
    #[error("{error}")]
    Malformed {
        /// What is wrong, and where.
        error: CsvError,
        /// What stayed in the sheet.
        imported: ImportReport,
    },
    /// Bad options, a failed read of the source, or a failed append (that batch is rolled back
    /// by the engine; the batches before it stay).
    #[error("{error}")]
    Engine {
        /// The failure.
        error: EngineError,
        /// What stayed in the sheet.
        imported: ImportReport,
    },
}

impl CsvImportError {
    /// What stayed in the sheet.
    pub fn imported(&self) -> ImportReport {
        match self {
            Self::Malformed { imported, .. } | Self::Engine { imported, .. } => *imported,
        }
    }
}

/// Appends the complete batches of `importer`, in order; stops (returning `false`) when cancelled.
async fn append_ready<L: EventLog + 'static, B: BlobStore + 'static>(
    engine: &Engine<L, B>,
    importer: &mut CsvImporter,
    report: &mut ImportReport,
    total_bytes: Option<u64>,
    on_progress: &mut dyn FnMut(&ImportProgress),
    cancelled: &dyn Fn() -> bool,
    group: UndoGroup,
) -> Result<bool, CsvImportError> {
    while let Some(batch) = importer.next_batch() {
        if cancelled() {
            report.cancelled = true;
            return Ok(false);
        }
        let progress = batch.progress;
        engine
            .submit_in_group(Operation::SetCells(batch.writes), Some(group))
            .await
            .map_err(|error| CsvImportError::Engine { error, imported: *report })?;
        report.absorb(progress);
        on_progress(&ImportProgress {
            phase: ImportPhase::Importing,
            bytes: progress.bytes,
            total_bytes,
            rows: progress.rows,
            cells: progress.cells,
        });
    }
    Ok(true)
}

/// Reads the whole input through a validating importer; `Ok(false)` when cancelled.
async fn validate(
    source: &dyn CsvSource,
    options: CsvImportOptions,
    on_progress: &mut dyn FnMut(&ImportProgress),
    cancelled: &dyn Fn() -> bool,
) -> Result<bool, CsvImportError> {
    let nothing = ImportReport::default();
    let engine_error = |error| CsvImportError::Engine { error, imported: nothing };
    let malformed = |error| CsvImportError::Malformed { error, imported: nothing };
    let mut checker = CsvImporter::validator(options).map_err(|e| engine_error(e.into()))?;
    let mut chunks = source.chunks();
    loop {
        if cancelled() {
            return Ok(false);
        }
        match chunks.next().await {
            Some(chunk) => checker.feed(&chunk.map_err(engine_error)?).map_err(malformed)?,
            None => {
                checker.finish().map_err(malformed)?;
                return Ok(true);
            }
        }
        let progress = checker.progress();
        on_progress(&ImportProgress {
            phase: ImportPhase::Validating,
            bytes: progress.bytes,
            total_bytes: source.total_bytes(),
            rows: progress.rows,
            cells: progress.cells,
        });
    }
}

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// Imports CSV from `source` as [`ImportOptions`] say: each complete batch becomes one
    /// `set_cells` entry, appended in order, one at a time (optimistic, then durable, as
    /// [`Self::set_cells`]). Calls `on_progress` after each appended batch (and after each chunk
    /// of a validating pass), and `cancelled` before each batch and each chunk: once it returns
    /// true the import stops between two batches and resolves with `cancelled: true` and what
    /// was imported. After a complete import it requests a snapshot ([`Self::request_snapshot`];
    /// a failed request does not fail the import).
    ///
    /// # Errors
    /// [`CsvImportError::Malformed`] for malformed input (see [`OnError`]);
    /// [`CsvImportError::Engine`] for bad options, a failed read of the source, or a failed
    /// append. A cancel, or a failure after the validating pass, keeps the batches appended
    /// before it.
    pub fn import_csv(
        &self,
        source: impl CsvSource + 'static,
        options: ImportOptions,
        mut on_progress: impl FnMut(&ImportProgress) + 'static,
        cancelled: impl Fn() -> bool + 'static,
    ) -> LocalBoxFuture<'static, Result<ImportReport, CsvImportError>> {
        let engine = self.clone();
        async move {
            let mut report = ImportReport::default();
            let malformed = |error, imported| CsvImportError::Malformed { error, imported };
            let mut importer = CsvImporter::new(options.csv)
                .map_err(|e| CsvImportError::Engine { error: e.into(), imported: report })?;
            if options.on_error == OnError::Rollback
                && !validate(&source, options.csv, &mut on_progress, &cancelled).await?
            {
                report.cancelled = true;
                return Ok(report);
            }
            let total = source.total_bytes();
            // The whole import undoes as one step.
            let group = engine.undo_group();
            let mut chunks = source.chunks();
            loop {
                if !append_ready(&engine, &mut importer, &mut report, total, &mut on_progress, &cancelled, group)
                    .await?
                {
                    return Ok(report);
                }
                if importer.is_finished() {
                    break;
                }
                if cancelled() {
                    report.cancelled = true;
                    return Ok(report);
                }
                let fed = match chunks.next().await {
                    Some(Ok(chunk)) => importer.feed(&chunk),
                    Some(Err(error)) => return Err(CsvImportError::Engine { error, imported: report }),
                    None => importer.finish(),
                };
                if let Err(error) = fed {
                    // The batches complete before the error are appended, whatever the chunking.
                    append_ready(&engine, &mut importer, &mut report, total, &mut on_progress, &cancelled, group)
                        .await?;
                    return Err(malformed(error, report));
                }
            }
            if report.entries > 0 {
                report.snapshot = engine.request_snapshot().await.unwrap_or(None);
            }
            Ok(report)
        }
        .boxed_local()
    }
}
