//! The engine runtime in the browser: `spawn_local` and `setTimeout`.

use std::rc::Rc;

use futures_util::FutureExt as _;

use crate::browser::timer::sleep;
use crate::engine::Runtime;

/// Spawning on the browser's microtask queue, sleeping with `setTimeout`, `Date.now()`.
pub fn browser_runtime() -> Runtime {
    Runtime {
        spawn: Rc::new(wasm_bindgen_futures::spawn_local),
        sleep: Rc::new(|ms| sleep(ms).boxed_local()),
        pause: Rc::new(|| crate::browser::timer::yield_task().boxed_local()),
        now_ms: Rc::new(|| js_sys::Date::now().max(0.0) as u64),
    }
}
