//! What the engine needs from its runtime: spawning local futures and sleeping. Natively
//! (tests) a `futures` `LocalPool` provides both; in the browser, `spawn_local` and `setTimeout`.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;

/// Spawning and timers for the engine, injected so the engine stays pure.
#[derive(Clone)]
pub struct Runtime {
    /// Runs a future to completion in the background on this thread.
    pub spawn: Rc<dyn Fn(LocalBoxFuture<'static, ()>)>,
    /// A future that resolves after the given milliseconds.
    pub sleep: Rc<dyn Fn(u32) -> LocalBoxFuture<'static, ()>>,
    /// The wall clock: milliseconds since the Unix epoch (JS `Date.now()`), stamped on every
    /// entry this engine writes.
    pub now_ms: Rc<dyn Fn() -> u64>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runtime")
    }
}
