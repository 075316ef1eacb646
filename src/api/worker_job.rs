//! The worker's long jobs (DESIGN.md section 7): a CSV import as a snapshot layer
//! (`super::worker_import`, issue 9, item 1) and a streamed CSV export (`super::worker_export`,
//! item 4), both posted by [`crate::browser::WorkerHost`] as
//! `{ id, sheet, durability, timeoutMs?, import | export }`, reporting `{ id, progress }` and
//! stopping on `{ type: "cancel", id }`. One entry point for both, and one reply shape:
//! `{ id, ok: true, ...fields }` or `{ id, ok: false, error, name, line? }`.

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{get, set};
use crate::browser::worker_entry::{reply_id, string};
use crate::browser::Durability;

/// The worker side of a job: runs the import or export of request `message` (the member it
/// has), posting `{ id, progress }` with `post` and polling `cancelled` (a function returning
/// whether the page cancelled); resolves (never rejects) to the reply. Called by
/// `js/sheetlog-worker.js`; not public API.
#[doc(hidden)]
#[wasm_bindgen(
    js_name = __sheetlogWorkerJob,
    unchecked_return_type = "Promise<{ id: number | null; ok: boolean; error?: string }>"
)]
pub fn worker_job(
    #[wasm_bindgen(unchecked_param_type = "unknown")] message: JsValue,
    #[wasm_bindgen(unchecked_param_type = "(message: unknown) => void")] post: Function,
    #[wasm_bindgen(unchecked_param_type = "() => boolean")] cancelled: Function,
) -> Promise {
    future_to_promise(async move {
        let id = reply_id(&message);
        let (result, failed) = if get(&message, "export").is_object() {
            (super::worker_export::run_in_worker(&message, &id, &post, &cancelled).await, "the export failed")
        } else {
            (super::worker_import::run_in_worker(&message, &id, &post, &cancelled).await, "the import failed")
        };
        Ok(job_reply(&id, result, failed))
    })
}

/// The reply to a job's request `id`: `{ id, ok: true, ...fields }`, or `{ id, ok: false, error,
/// name, line }` from the error (its `message`, else `failed`).
fn job_reply(id: &JsValue, result: Result<Object, JsValue>, failed: &str) -> JsValue {
    let reply = Object::new();
    set(&reply, "id", id);
    match result {
        Ok(fields) => {
            let _ = Object::assign(&reply, &fields);
            set(&reply, "ok", &JsValue::TRUE);
        }
        Err(error) => {
            set(&reply, "ok", &JsValue::FALSE);
            let message = get(&error, "message").as_string().or_else(|| error.as_string());
            set(&reply, "error", &JsValue::from_str(&message.unwrap_or_else(|| failed.to_owned())));
            set(&reply, "name", &get(&error, "name"));
            set(&reply, "line", &get(&error, "line"));
        }
    }
    reply.into()
}

/// The sheet, durability and storage timeout of a job's request (`sheet`, `durability`,
/// `timeoutMs`).
///
/// # Errors
/// A JS `Error` naming a missing or wrong `sheet` or `durability`.
pub(super) fn job_settings(message: &JsValue) -> Result<(String, Durability, Option<u32>), JsValue> {
    let text = |e: String| JsValue::from(js_sys::Error::new(&e));
    let sheet = string(message, "sheet").map_err(text)?;
    let durability = match string(message, "durability").map_err(text)?.as_str() {
        "relaxed" => Durability::Relaxed,
        _ => Durability::Strict,
    };
    let timeout_ms = match get(message, "timeoutMs").as_f64() {
        Some(n) if n.fract() == 0.0 && (1.0..=3_600_000.0).contains(&n) => Some(n as u32),
        _ => None,
    };
    Ok((sheet, durability, timeout_ms))
}
