//! Time travel, the history listing and undo/redo of `SpreadsheetData` (the time-travel issue):
//! `versionAt` and `versionAtTime` resolve to read-only content versions of the past,
//! `getHistory` pages through entries newest first, `undo` and `redo` append inverses and
//! `canUndo` / `canRedo` read through any version. Thin: the engine does the work
//! (`crate::engine`, files `time_travel`, `history_list`, `undo`).

use js_sys::{Array, BigInt, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::content_version::{version_arg, JsContentVersion};
use super::convert::{option, options_object, set};
use super::js_error::{bad_input, engine_error};
use super::spreadsheet_data::{with_engine, Backend, SpreadsheetData};
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;

use crate::engine::{ContentVersion, EngineError, HistoryPage, UndoOutcome, MAX_HISTORY_PAGE};

/// An engine call under way, whatever the backend.
type Pending<T> = LocalBoxFuture<'static, Result<T, EngineError>>;
use crate::log::SequenceId;

#[wasm_bindgen(typescript_custom_section)]
const HISTORY_TYPES: &str = r##"
/** What an entry of the log did (`HistoryItem.kind`). */
export type HistoryKind = "cells" | "clear" | "insertRows" | "deleteRows" | "insertColumns" | "deleteColumns" | "resize" | "import";
/** One entry of the log, as `getHistory` lists it. */
export interface HistoryItem {
  /** The entry's sequence id: `versionAt(sequenceId)` shows the sheet right after it. */
  sequenceId: bigint;
  /** When it was written: milliseconds since the Unix epoch on the writer's clock; `undefined` for entries written before entries carried one. */
  time: number | undefined;
  /** The writing client's id (random per `SpreadsheetData`, see `clientId`), in decimal; `undefined` as for `time`. */
  clientId: string | undefined;
  /** What it did. */
  kind: HistoryKind;
  /** Where, in A1 notation with rows 1-based as a grid shows them: `"B2"`, `"B2:D40 (117 cells)"`, `"rows 4:6"`, `"columns C:E"`. */
  summary: string;
}
/** One page of `getHistory`, newest first. */
export interface HistoryPage {
  items: HistoryItem[];
  /** Pass as `to` for the next, older page; `undefined` on the last page. */
  next: bigint | undefined;
}
/** Options of `getHistory`. */
export interface HistoryOptions {
  /** The oldest sequence id to list (default: the oldest kept). */
  from?: bigint | number;
  /** One past the newest sequence id to list (default: the log's end). */
  to?: bigint | number;
  /** Most items in the page, 1 to 1000 (default 50). */
  limit?: number;
}
/** What `undo()` or `redo()` did. */
export interface UndoResult {
  /** False when there was no step left to undo (or redo). */
  done: boolean;
  /** The entries the inverse was appended as, `[first, end)`; empty when the step had nothing left to change, `undefined` when not done. */
  sequenceIds: [bigint, bigint] | undefined;
  /** Steps skipped on the way, newest first: a `ConflictError` when another writer deleted every cell the step would restore, a `SheetRangeError` when its history is no longer kept. */
  skipped: (ConflictError | SheetRangeError)[];
}
"##;

#[wasm_bindgen]
extern "C" {
    /// A JS `HistoryOptions`, in an optional parameter.
    #[wasm_bindgen(typescript_type = "HistoryOptions")]
    pub type JsHistoryOptions;
}

/// A sequence id from JS: a `bigint` or a safe non-negative integer.
fn sequence_id(value: &JsValue, what: &str) -> Result<SequenceId, JsValue> {
    let bad = || bad_input(&format!("{what} must be a non-negative integer sequence id (a bigint or a safe integer)"));
    if value.is_bigint() {
        let text: String = BigInt::from(value.clone()).to_string(10).map_err(|_| bad())?.into();
        return text.parse().map_err(|_| bad());
    }
    match value.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => Ok(n as u64),
        _ => Err(bad()),
    }
}

fn optional_sequence_id(options: &JsValue, name: &str) -> Result<Option<SequenceId>, JsValue> {
    let value = option(options, name)?;
    if value.is_undefined() {
        Ok(None)
    } else {
        sequence_id(&value, &format!("option {name}")).map(Some)
    }
}

fn page_to_js(page: &HistoryPage) -> JsValue {
    let items = Array::new();
    for item in &page.items {
        let object = Object::new();
        set(&object, "sequenceId", &BigInt::from(item.sequence_id).into());
        set(&object, "time", &item.time_ms.map_or(JsValue::UNDEFINED, |t| (t as f64).into()));
        set(&object, "clientId", &item.client_id.map_or(JsValue::UNDEFINED, |c| c.to_string().into()));
        set(&object, "kind", &item.kind.into());
        set(&object, "summary", &item.summary.as_str().into());
        items.push(&object);
    }
    let object = Object::new();
    set(&object, "items", &items);
    set(&object, "next", &page.next.map_or(JsValue::UNDEFINED, |n| BigInt::from(n).into()));
    object.into()
}

fn outcome_to_js(outcome: &UndoOutcome) -> JsValue {
    let object = Object::new();
    set(&object, "done", &outcome.committed.is_some().into());
    let ids = outcome
        .committed
        .as_ref()
        .map_or(JsValue::UNDEFINED, |r| Array::of2(&BigInt::from(r.start).into(), &BigInt::from(r.end).into()).into());
    set(&object, "sequenceIds", &ids);
    set(&object, "skipped", &outcome.skipped.iter().map(engine_error).collect::<Array>());
    object.into()
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// The sheet exactly as it was after entry `sequenceId`: a read-only `ContentVersion`,
    /// read with `getCellValue` and the other getters like any snapshot. Resolves once the
    /// tiles under the current viewport are loaded for it (cells outside it read as not loaded
    /// yet; call again after the viewport moves). Built from the nearest retained checkpoint at
    /// or before it plus the entries after that; cached by sequence id.
    ///
    /// Rejects with `ValidationError` for a malformed id, `SheetRangeError` for an id past the
    /// log's end or older than the history kept (the message names the oldest reachable id),
    /// `StorageError` when storage fails.
    #[wasm_bindgen(js_name = versionAt, unchecked_return_type = "Promise<ContentVersion>")]
    pub fn version_at(
        &self,
        #[wasm_bindgen(unchecked_param_type = "bigint | number")] sequence_id: JsValue,
    ) -> Promise {
        let seq = match self::sequence_id(&sequence_id, "sequenceId") {
            Ok(seq) => seq,
            Err(e) => return Promise::reject(&e),
        };
        let version = with_engine!(&self.inner.backend, e => {
            let e = e.clone();
            Box::pin(async move { e.version_at(seq).await }) as Pending<Rc<ContentVersion>>
        });
        future_to_promise(async move {
            let version = version.await.map_err(|e| engine_error(&e))?;
            Ok(JsContentVersion::wrap(version, false))
        })
    }

    /// The sheet as it was at `time` (a `Date` or milliseconds since the Unix epoch): the
    /// version after the newest entry stamped at or before it (`versionAt`). Writers' clocks
    /// may disagree a little.
    ///
    /// Rejects with `ValidationError` for a malformed time, `SheetRangeError` when every entry
    /// kept is newer, `StorageError` when storage fails.
    #[wasm_bindgen(js_name = versionAtTime, unchecked_return_type = "Promise<ContentVersion>")]
    pub fn version_at_time(&self, #[wasm_bindgen(unchecked_param_type = "Date | number")] time: JsValue) -> Promise {
        let ms = match time.dyn_ref::<js_sys::Date>() {
            Some(date) => date.get_time(),
            None => time.as_f64().unwrap_or(f64::NAN),
        };
        if !(ms.is_finite() && ms >= 0.0) {
            return Promise::reject(&bad_input("time must be a valid Date or a non-negative number of milliseconds"));
        }
        let version = with_engine!(&self.inner.backend, e => {
            let e = e.clone();
            Box::pin(async move { e.version_at_time(ms as u64).await }) as Pending<Rc<ContentVersion>>
        });
        future_to_promise(async move {
            let version = version.await.map_err(|e| engine_error(&e))?;
            Ok(JsContentVersion::wrap(version, false))
        })
    }

    /// A page of the log's entries, newest first: `{items, next}`, each item
    /// `{sequenceId, time, clientId, kind, summary}` (see `HistoryItem`). Page on with
    /// `getHistory({to: page.next})`. Entries older than the history kept are not listed.
    ///
    /// Rejects with `ValidationError` for malformed options, `StorageError` when storage fails.
    #[wasm_bindgen(js_name = getHistory, unchecked_return_type = "Promise<HistoryPage>")]
    pub fn get_history(&self, options: Option<JsHistoryOptions>) -> Promise {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let parsed = (|| -> Result<_, JsValue> {
            options_object(&options, "options")?;
            let limit = match super::convert::positive_integer(&options, "limit", MAX_HISTORY_PAGE as f64)? {
                Some(n) => n as usize,
                None => 50,
            };
            Ok((optional_sequence_id(&options, "from")?, optional_sequence_id(&options, "to")?, limit))
        })();
        let (from, to, limit) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Promise::reject(&e),
        };
        let page = with_engine!(&self.inner.backend, e => {
            let e = e.clone();
            Box::pin(async move { e.history(from, to, limit).await }) as Pending<HistoryPage>
        });
        future_to_promise(async move { Ok(page_to_js(&page.await.map_err(|e| engine_error(&e))?)) })
    }

    /// Reverts this tab's latest step not yet undone (an edit, a batch, an import), by appending
    /// its inverse, transformed through what other tabs appended since so it acts on the cells
    /// shown now. Shows at once; resolves when durable with `{done, sequenceIds, skipped}`.
    /// A step whose cells another tab deleted is skipped (listed in `skipped`) and the next
    /// one is tried. The stacks survive a reload of the tab (`undoLimit` steps, default 100).
    ///
    /// Rejects with `StorageError` when storage fails (the step stays on the stack).
    #[wasm_bindgen(unchecked_return_type = "Promise<UndoResult>")]
    pub fn undo(&self) -> Promise {
        self.undo_or_redo(false)
    }

    /// Applies again the latest step undone, as `undo` does. A new edit of this tab empties the
    /// redo stack.
    ///
    /// Rejects with `StorageError` when storage fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<UndoResult>")]
    pub fn redo(&self) -> Promise {
        self.undo_or_redo(true)
    }

    /// Resolves once nothing of this tab is left unsaved: every edit durable, and the undo and
    /// redo stacks stored as they are then (their save follows each step's commit, so an edit's
    /// promise can resolve a few milliseconds before its undo step is stored). Await it before
    /// reloading or navigating the page yourself, so that `undo()` after the reload reverts the
    /// last step, not the one before (DESIGN.md section 3: the undo stack survives reload).
    ///
    /// Rejects with `StorageError`: status 410 when the sheet was deleted, 503 when it is closed
    /// before this resolves.
    #[wasm_bindgen(js_name = whenSaved, unchecked_return_type = "Promise<void>")]
    pub fn when_saved(&self) -> Promise {
        if let Some(deleted) = self.inner.deleted_error() {
            return Promise::reject(&deleted);
        }
        let saved = with_engine!(&self.inner.backend, e => e.when_saved());
        future_to_promise(async move {
            saved.await.map_err(|e| engine_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether `undo()` had a step to revert when `snapshot` was published (false for a
    /// version of the past).
    ///
    /// Throws `ValidationError` when `snapshot` is not a live `ContentVersion`.
    #[wasm_bindgen(js_name = canUndo)]
    pub fn can_undo(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<bool, JsValue> {
        Ok(version_arg(&snapshot, "snapshot")?.version.can_undo())
    }

    /// Whether `redo()` had a step to apply again when `snapshot` was published.
    ///
    /// Throws `ValidationError` when `snapshot` is not a live `ContentVersion`.
    #[wasm_bindgen(js_name = canRedo)]
    pub fn can_redo(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<bool, JsValue> {
        Ok(version_arg(&snapshot, "snapshot")?.version.can_redo())
    }

    /// This instance's client id, in decimal, as `HistoryItem.clientId` shows it on the entries
    /// it writes.
    #[wasm_bindgen(getter = clientId)]
    pub fn client_id(&self) -> String {
        with_engine!(&self.inner.backend, e => e.client_id()).to_string()
    }
}

impl SpreadsheetData {
    fn undo_or_redo(&self, redo: bool) -> Promise {
        if let Some(deleted) = self.inner.deleted_error() {
            return Promise::reject(&deleted);
        }
        let step = with_engine!(&self.inner.backend, e => if redo { e.redo() } else { e.undo() });
        let inner = self.inner.clone();
        future_to_promise(async move {
            let outcome = step.await.map_err(|e| engine_error(&e))?;
            if outcome.committed.as_ref().is_some_and(|r| !r.is_empty()) {
                inner.announce();
            }
            Ok(outcome_to_js(&outcome))
        })
    }
}
