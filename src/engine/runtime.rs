//! What the engine needs from its runtime: spawning local futures, sleeping and pausing. Natively
//! (tests) a `futures` `LocalPool` provides them; in the browser, `spawn_local`, `setTimeout` and
//! a `MessageChannel` message.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;

/// Spawning and timers for the engine, injected so the engine stays pure.
#[derive(Clone)]
pub struct Runtime {
    /// Runs a future to completion in the background on this thread.
    pub spawn: Rc<dyn Fn(LocalBoxFuture<'static, ()>)>,
    /// A future that resolves after the given milliseconds.
    pub sleep: Rc<dyn Fn(u32) -> LocalBoxFuture<'static, ()>>,
    /// A future that lets the host's event loop run the tasks already queued (storage events)
    /// and resolves right after them, without a timer's delay: long work with a storage write
    /// in flight pauses on it so that the write advances (a layer import). Natively it may
    /// resolve at once.
    pub pause: Rc<dyn Fn() -> LocalBoxFuture<'static, ()>>,
    /// The wall clock: milliseconds since the Unix epoch (JS `Date.now()`), stamped on every
    /// entry this engine writes.
    pub now_ms: Rc<dyn Fn() -> u64>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runtime")
    }
}
