//! Web Locks (<https://w3c.github.io/web-locks/>): the workflow lock of a sheet, and the write
//! turn that keeps IndexedDB writes of an origin one at a time.
//!
//! **Why writes take turns** (issue 12, BENCHMARKS.md "Kill campaign, stop 20"). Chromium keeps
//! all of an origin's IndexedDB databases in one LevelDB, and writes each readwrite transaction
//! into it as it runs, with an undo log (its "LevelDB scopes"), before it commits. When the
//! browser is killed while two such transactions are both unfinished, the next launch finds two
//! undo logs to revert, reports "Unknown corruption" and deletes the origin's whole IndexedDB:
//! every sheet, and the registry with them. The kill campaign's kept files show it every time
//! (16 of 16 wiped stores held exactly two unfinished transactions), and replaying prefixes of
//! one kept log reproduces it: 0 of 15 prefixes with at most one unfinished transaction were
//! called corrupt, 11 of 13 with two or three were. With the turn held from before a readwrite
//! transaction starts until it has finished, an origin has at most one unfinished readwrite
//! transaction at any moment, across the page, its worker and every other tab. Opens and deletes
//! of a database take the turn as well: an open that creates or upgrades the stores runs a
//! `versionchange` transaction, and a delete removes every record, both writes of the same kind.
//! An open blocked by another tab's older connection gives the turn back while it waits, so that
//! tab cannot stall the origin's writes. An open of a database that `indexedDB.databases()` lists
//! at the schema version runs no `versionchange` transaction and goes without the turn (a Web
//! Lock costs 10-24 ms while a page loads, BENCHMARKS.md stop 31); should the database be missing
//! or older after all, its upgrade is refused and aborted at once and the open runs again under
//! the turn (`database::run_open`; the registry's `openRegistry` likewise).

use std::future::Future;

use futures_channel::oneshot;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::idb_error::timed_out;
use super::timer::with_timeout;
use crate::error::StorageError;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`. web-sys has `LockManager` only behind `web_sys_unstable_apis`.
    type LockManager;

    #[wasm_bindgen(method, catch)]
    fn request(this: &LockManager, name: &str, callback: &Function) -> Result<Promise, JsValue>;
}

/// `navigator.locks`, when this context has the Web Locks API (every current browser, in secure
/// contexts).
fn lock_manager() -> Option<LockManager> {
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok()?;
    if !navigator.is_object() {
        return None;
    }
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    locks.is_object().then(|| locks.unchecked_into())
}

/// The name of the Web Lock held while a workflow of `sheet` runs.
pub fn workflow_lock_name(sheet: &str) -> String {
    format!("sheetlog:{sheet}:workflow")
}

/// The name of the Web Lock held for each readwrite IndexedDB transaction of the origin (see the
/// module doc). `js/registry.js` takes it too, under the same name.
pub const WRITE_LOCK_NAME: &str = "sheetlog:idb-write";

fn describe(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

/// Runs `work` while holding the exclusive Web Lock of `sheet`'s workflows (across tabs and
/// workers); without the Web Locks API, runs it at once (workflows are idempotent).
///
/// # Errors
/// When the lock request fails.
pub async fn with_workflow_lock<F>(sheet: &str, work: F) -> Result<F::Output, String>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let Some(locks) = lock_manager() else {
        return Ok(work.await);
    };
    let (done_tx, done_rx) = oneshot::channel();
    // Called once the lock is granted; the lock is held until the promise it returns settles.
    let callback = Closure::once(move |_lock: JsValue| -> Promise {
        future_to_promise(async move {
            let _ = done_tx.send(work.await);
            Ok(JsValue::UNDEFINED)
        })
    });
    let granted = locks
        .request(&workflow_lock_name(sheet), callback.as_ref().unchecked_ref())
        .map_err(|e| format!("could not request the workflow lock: {}", describe(&e)))?;
    let released = JsFuture::from(granted).await;
    drop(callback);
    released.map_err(|e| format!("the workflow lock failed: {}", describe(&e)))?;
    done_rx.await.map_err(|_| "the workflow lock was released before the workflow ran".to_owned())
}

/// The origin's write turn, held: the exclusive Web Lock [`WRITE_LOCK_NAME`], released when this
/// value is dropped. Keep it until the readwrite transaction it guards has finished (committed,
/// aborted, or given up on after a timeout).
#[must_use = "the turn is released when dropped: hold it until the transaction has finished"]
pub struct WriteTurn {
    /// Settles the promise the lock callback returned, which releases the lock; `None` where
    /// there is no Web Locks API (then writes are not kept apart).
    release: Option<Function>,
}

impl Drop for WriteTurn {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Waits for the origin's write turn (see the module doc), for at most `timeout_ms`
/// milliseconds. Without the Web Locks API (an insecure context), or when the request is refused,
/// the turn is granted at once and keeps nothing apart: writes then run as IndexedDB schedules
/// them, as before this turn existed.
///
/// # Errors
/// A [`StorageError`] of kind `Timeout` (status 504, retryable) when another context held the
/// turn for the whole `timeout_ms`.
pub async fn write_turn(timeout_ms: u32) -> Result<WriteTurn, StorageError> {
    let Some(locks) = lock_manager() else {
        return Ok(WriteTurn { release: None });
    };
    let (granted_tx, granted_rx) = oneshot::channel::<Function>();
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        let mut granted_tx = Some(granted_tx);
        Promise::new(&mut |resolve: Function, _reject: Function| {
            if let Some(sender) = granted_tx.take() {
                // Nobody waits any more (the wait timed out or was dropped): release at once.
                if let Err(release) = sender.send(resolve) {
                    let _ = release.call0(&JsValue::UNDEFINED);
                }
            }
        })
    });
    if locks.request(WRITE_LOCK_NAME, callback.unchecked_ref()).is_err() {
        return Ok(WriteTurn { release: None });
    }
    match with_timeout(timeout_ms, granted_rx).await {
        Some(Ok(release)) => Ok(WriteTurn { release: Some(release) }),
        // The callback was dropped without running: the lock manager went away with its context.
        Some(Err(_)) => Ok(WriteTurn { release: None }),
        None => Err(timed_out("waiting for this site's other IndexedDB writes", timeout_ms)),
    }
}
