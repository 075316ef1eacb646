//! Timers for the browser layer: a `setTimeout` future and a timeout around any future. Works
//! in a window and in a worker (both have a global `setTimeout`).

use std::future::Future;
use std::pin::pin;

use futures_util::future::{select, Either};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, milliseconds: f64) -> JsValue;
}

/// Resolves after `milliseconds`.
pub async fn sleep(milliseconds: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, f64::from(milliseconds));
    });
    // A timer promise only resolves; there is no error to report.
    let _ = JsFuture::from(promise).await;
}

/// Lets the event loop run the tasks already queued (IndexedDB events, a lock granted) and
/// resumes right after them: a message through a fresh `MessageChannel`, which no timer
/// clamping delays; `sleep(0)` where there is none.
pub async fn yield_task() {
    let Ok(channel) = web_sys::MessageChannel::new() else { return sleep(0).await };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        channel.port1().set_onmessage(Some(&resolve));
        if channel.port2().post_message(&JsValue::NULL).is_err() {
            set_timeout(&resolve, 0.0);
        }
    });
    // It only resolves; there is no error to report.
    let _ = JsFuture::from(promise).await;
    channel.port1().close();
}

/// Runs `future` for at most `milliseconds`; `None` when the time ran out first (the future is
/// then dropped, which for an IndexedDB transaction means it rolls back).
pub async fn with_timeout<F: Future>(milliseconds: u32, future: F) -> Option<F::Output> {
    match select(pin!(future), pin!(sleep(milliseconds))).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(((), _)) => None,
    }
}

/// Milliseconds since the page or worker started (`performance.now()`), for benchmarks.
pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |p| p.now())
}
