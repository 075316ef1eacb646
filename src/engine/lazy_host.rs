//! [`LazyHost`]: a [`WorkflowHost`] started when it is first needed (DESIGN.md section 7).
//!
//! A sheet's workflows run on a host that may be costly to start: the browser's is a Web Worker,
//! whose start (its script, a second wasm instance, its own database connection) competes with
//! everything a page needs to show the sheet (BENCHMARKS.md, stop 33). Nothing of it is needed to
//! read the sheet. A `LazyHost` holds the function that starts the host and calls it at most
//! once: at the first workflow the engine runs through it, or at the first [`LazyHost::get`]
//! (an import or an export that needs the host, or a start ahead of need). After
//! [`LazyHost::close`] it never starts.
//!
//! A start that fails is not retried: every workflow then fails with [`EngineError::Worker`]
//! carrying the start's message (the engine shows it in the load status and retries with
//! backoff), and the `on_refused` callback hears of it once, after the host's state is settled,
//! so it may call back into the engine.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use super::error::EngineError;
use super::host::WorkflowHost;
use crate::log::{SequenceId, Workflow};

/// The message of [`LazyHost::get`] once [`LazyHost::close`] ran.
pub const LAZY_HOST_CLOSED: &str = "the sheet was closed";

/// The message of [`LazyHost::get`] called again while the start function runs.
pub const LAZY_HOST_STARTING: &str = "the workflow host is being started";

/// Starts the host, or says why it cannot be started.
type Start<H> = Box<dyn Fn() -> Result<Rc<H>, String>>;

/// Hears why the start failed.
type OnRefused = Rc<dyn Fn(&str)>;

/// Where a [`LazyHost`] stands.
enum State<H> {
    /// Not needed yet.
    NotYet,
    /// The start function runs.
    Starting,
    /// Started.
    Started(Rc<H>),
    /// The start failed, for this reason; not retried.
    Refused(String),
    /// Closed: never starts.
    Closed,
}

/// A workflow host started on first need, at most once (module docs).
pub struct LazyHost<H> {
    start: Start<H>,
    state: RefCell<State<H>>,
    on_refused: Option<OnRefused>,
}

impl<H> LazyHost<H> {
    /// A host that `start` starts when first needed; `start` runs at most once.
    pub fn new(start: impl Fn() -> Result<Rc<H>, String> + 'static) -> LazyHost<H> {
        LazyHost { start: Box::new(start), state: RefCell::new(State::NotYet), on_refused: None }
    }

    /// Has `on_refused` called, once, with the message of a failed start.
    #[must_use]
    pub fn with_on_refused(mut self, on_refused: impl Fn(&str) + 'static) -> LazyHost<H> {
        self.on_refused = Some(Rc::new(on_refused));
        self
    }

    /// The host, started now if it was not.
    ///
    /// # Errors
    /// The start's message when it failed (now or before); [`LAZY_HOST_CLOSED`] after
    /// [`Self::close`]; [`LAZY_HOST_STARTING`] when called from within the start function.
    pub fn get(&self) -> Result<Rc<H>, String> {
        match &*self.state.borrow() {
            State::NotYet => {}
            State::Starting => return Err(LAZY_HOST_STARTING.to_owned()),
            State::Started(host) => return Ok(host.clone()),
            State::Refused(message) => return Err(message.clone()),
            State::Closed => return Err(LAZY_HOST_CLOSED.to_owned()),
        }
        *self.state.borrow_mut() = State::Starting;
        let started = (self.start)();
        let mut state = self.state.borrow_mut();
        if matches!(*state, State::Closed) {
            // Closed from within the start function: the host started is not kept.
            return Err(LAZY_HOST_CLOSED.to_owned());
        }
        match started {
            Ok(host) => {
                *state = State::Started(host.clone());
                Ok(host)
            }
            Err(message) => {
                *state = State::Refused(message.clone());
                drop(state);
                if let Some(on_refused) = &self.on_refused {
                    on_refused(&message);
                }
                Err(message)
            }
        }
    }

    /// The host if it was started.
    pub fn started(&self) -> Option<Rc<H>> {
        match &*self.state.borrow() {
            State::Started(host) => Some(host.clone()),
            _ => None,
        }
    }

    /// Keeps the host from starting from now on; returns it if it was started (for the caller
    /// to stop it).
    pub fn close(&self) -> Option<Rc<H>> {
        match self.state.replace(State::Closed) {
            State::Started(host) => Some(host),
            _ => None,
        }
    }
}

impl<H: WorkflowHost> WorkflowHost for LazyHost<H> {
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        match self.get() {
            Ok(host) => host.run(seq, workflow),
            Err(message) => {
                async move { Err(EngineError::Worker { workflow: workflow.as_str(), message }) }.boxed_local()
            }
        }
    }
}
