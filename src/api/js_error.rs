//! Rust errors to JS errors, in one place (STYLE.md habit 6). Every error the package throws or
//! rejects with is an instance of one of the classes of `js/errors.js` (`ValidationError`,
//! `StorageError`, `ConflictError`, `SheetRangeError`, all extending `SheetlogError`, which
//! extends `Error`), which the package entry exports, so `instanceof` narrows them. `statusCode`
//! is set on storage errors (and is 409 on conflicts, 416 on range errors); `nextSequenceId` on
//! conflicts with a known log end.

use js_sys::BigInt;
use wasm_bindgen::prelude::*;

use crate::engine::EngineError;
use crate::log::LogError;
use crate::model::ValidationError;

#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPES: &str = r##"
/** HTTP-like status of a `StorageError`. */
export type StorageStatusCode =
  /** requested data is missing */ 404
  /** the sheet was deleted (in this or another tab) */ | 410
  /** a newer version of sheetlog wrote this sheet */ | 426
  /** damaged data, a failed workflow, other storage failures */ | 500
  /** no IndexedDB (or Worker) in this environment */ | 501
  /** closed, or blocked by another tab holding an older version open */ | 503
  /** a storage operation timed out */ | 504
  /** the browser's storage for this site is full */ | 507;
/** The base class of every error sheetlog throws or rejects with. */
export declare class SheetlogError extends Error {
  constructor(message?: string, options?: ErrorOptions);
  name: "SheetlogError" | "ValidationError" | "StorageError" | "ConflictError" | "SheetRangeError";
}
/** Bad input (an argument or option of the wrong type, out of range, too long); nothing was stored. */
export declare class ValidationError extends SheetlogError {
  constructor(message?: string, options?: ErrorOptions);
  name: "ValidationError";
}
/** Storage failed: IndexedDB, the worker, a closed or deleted sheet. `statusCode` says how. */
export declare class StorageError extends SheetlogError {
  constructor(message?: string, statusCode?: StorageStatusCode, options?: ErrorOptions);
  name: "StorageError";
  statusCode: StorageStatusCode;
}
/**
 * Another writer came first: a write whose rows or columns another tab deleted, or an append at
 * a taken sequence id (`nextSequenceId` is then the log's next free id).
 */
export declare class ConflictError extends SheetlogError {
  constructor(message?: string, nextSequenceId?: bigint, options?: ErrorOptions);
  name: "ConflictError";
  statusCode: 409;
  nextSequenceId: bigint | undefined;
}
/** A sequence id outside the log, or a reversed range of them. */
export declare class SheetRangeError extends SheetlogError {
  constructor(message?: string, options?: ErrorOptions);
  name: "SheetRangeError";
  statusCode: 416;
}
/** Any error sheetlog throws or rejects with, narrowed by `instanceof` or by `name`. */
export type AnySheetlogError = ValidationError | StorageError | ConflictError | SheetRangeError;
"##;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// `new <kind>(message, ...)` of `js/errors.js`.
    #[wasm_bindgen(js_name = sheetlogError)]
    fn sheetlog_error(kind: &str, message: &str, status_code: Option<u16>, next_sequence_id: JsValue) -> JsValue;
}

fn make(kind: &str, message: &str, status: Option<u16>) -> JsValue {
    sheetlog_error(kind, message, status, JsValue::UNDEFINED)
}

/// The JS error for an engine error.
pub fn engine_error(e: &EngineError) -> JsValue {
    let message = e.to_string();
    match e {
        EngineError::Validation(_) | EngineError::Log(LogError::Invalid(_)) => make("ValidationError", &message, None),
        EngineError::Log(LogError::Conflict { next }) => {
            sheetlog_error("ConflictError", &message, Some(409), BigInt::from(*next).into())
        }
        EngineError::TargetDeleted { .. } => make("ConflictError", &message, Some(409)),
        EngineError::Log(LogError::OutOfRange { .. } | LogError::ReversedRange { .. })
        | EngineError::BeforeRetention { .. }
        | EngineError::TimeBeforeHistory { .. } => make("SheetRangeError", &message, Some(416)),
        other => make("StorageError", &message, Some(other.status_code())),
    }
}

/// A `StorageError` with a message and status of our own (a worker that cannot load, a sheet
/// deleted in another tab).
pub fn storage_error(message: &str, status: u16) -> JsValue {
    make("StorageError", message, Some(status))
}

/// The JS `ValidationError` for bad input.
pub fn validation_error(e: &ValidationError) -> JsValue {
    make("ValidationError", &e.to_string(), None)
}

/// A `ValidationError` with a message of our own (for malformed JS values).
pub fn bad_input(message: &str) -> JsValue {
    make("ValidationError", message, None)
}
