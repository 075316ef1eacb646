//! Rust errors to JS `Error` objects, in one place (STYLE.md habit 6): the `name` is the kind
//! (`ValidationError`, `StorageError`, `ConflictError`, `SheetRangeError`), with `statusCode` on
//! storage errors and `nextSequenceId` on conflicts.

use js_sys::{BigInt, Reflect};
use wasm_bindgen::prelude::*;

use crate::engine::EngineError;
use crate::log::LogError;
use crate::model::ValidationError;

fn make(name: &str, message: &str, status: Option<u16>) -> js_sys::Error {
    let error = js_sys::Error::new(message);
    error.set_name(name);
    if let Some(status) = status {
        let _ = Reflect::set(&error, &JsValue::from_str("statusCode"), &JsValue::from(status));
    }
    error
}

/// The JS error for an engine error.
pub fn engine_error(e: &EngineError) -> JsValue {
    let message = e.to_string();
    let error = match e {
        EngineError::Validation(_) | EngineError::Log(LogError::Invalid(_)) => make("ValidationError", &message, None),
        EngineError::Log(LogError::Conflict { next }) => {
            let error = make("ConflictError", &message, Some(409));
            let _ = Reflect::set(&error, &JsValue::from_str("nextSequenceId"), &BigInt::from(*next).into());
            error
        }
        EngineError::TargetDeleted { .. } => make("ConflictError", &message, Some(409)),
        EngineError::Log(LogError::OutOfRange { .. } | LogError::ReversedRange { .. }) => {
            make("SheetRangeError", &message, Some(416))
        }
        other => make("StorageError", &message, Some(other.status_code())),
    };
    error.into()
}

/// The JS `ValidationError` for bad input.
pub fn validation_error(e: &ValidationError) -> JsValue {
    make("ValidationError", &e.to_string(), None).into()
}

/// A `ValidationError` with a message of our own (for malformed JS values).
pub fn bad_input(message: &str) -> JsValue {
    make("ValidationError", message, None).into()
}
