//! [`LazyHost`], the workflow host started on first need (src/engine/lazy_host.rs; the browser's
//! worker is one), against a naive model of its lifecycle after every step: random runs of
//! workflows, starts ahead of need and closes, with a start that succeeds or fails, with a host
//! that succeeds or fails its workflows. The start runs at most once, never after a close; every
//! run goes to the one host started, or fails with the start's message; a failed start is
//! reported once. The model tests of the engine (`engine_model` and the others) run every client's
//! workflows through a `LazyHost` too (`engine_common::Harness::open_layered`).
#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell;
use std::rc::Rc;

use futures::executor::block_on;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use proptest::prelude::*;
use sheetlog::engine::{EngineError, LazyHost, WorkflowHost, LAZY_HOST_CLOSED, LAZY_HOST_STARTING};
use sheetlog::log::{SequenceId, Workflow};

/// A host that counts its runs and fails them all when told to.
struct CountingHost {
    runs: Cell<u32>,
    fails: bool,
}

impl WorkflowHost for CountingHost {
    fn run(&self, _seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.runs.set(self.runs.get() + 1);
        let result = if self.fails {
            Err(EngineError::Worker { workflow: workflow.as_str(), message: "the workflow failed".into() })
        } else {
            Ok(())
        };
        async move { result }.boxed_local()
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// The engine runs a workflow through the host.
    Run(Workflow),
    /// Something needs the host itself (an import, an export, a start ahead of need).
    Get,
    /// The sheet closes.
    Close,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop_oneof![Just(Workflow::Snapshot), Just(Workflow::Compact), Just(Workflow::History), Just(Workflow::Gc)]
            .prop_map(Step::Run),
        2 => Just(Step::Get),
        1 => Just(Step::Close),
    ]
}

/// The naive model: what has happened so far.
#[derive(Debug, Default)]
struct Model {
    starts: u32,
    started: bool,
    refused: bool,
    closed: bool,
    runs: u32,
    reports: u32,
}

/// What a step gives: `Ok` (a run that succeeded, or the host) or the message of the failure.
fn expected(model: &mut Model, step: &Step, refuse: bool, fails: bool) -> Result<(), String> {
    if model.closed {
        return Err(LAZY_HOST_CLOSED.to_owned());
    }
    if !model.started && !model.refused {
        model.starts += 1;
        if refuse {
            model.refused = true;
            model.reports += 1;
        } else {
            model.started = true;
        }
    }
    if model.refused {
        return Err("no worker here".to_owned());
    }
    match step {
        Step::Run(_) => {
            model.runs += 1;
            if fails {
                Err("the workflow failed".to_owned())
            } else {
                Ok(())
            }
        }
        Step::Get => Ok(()),
        Step::Close => unreachable!("handled by the caller"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_lazy_host_starts_at_most_once_on_first_need_and_never_after_close(
        steps in prop::collection::vec(step(), 0..24),
        refuse in any::<bool>(),
        fails in any::<bool>(),
    ) {
        let host = Rc::new(CountingHost { runs: Cell::new(0), fails });
        let (starts, reports) = (Rc::new(Cell::new(0u32)), Rc::new(Cell::new(0u32)));
        let (counted, started) = (starts.clone(), host.clone());
        let reported = reports.clone();
        let lazy = LazyHost::new(move || {
            counted.set(counted.get() + 1);
            if refuse { Err("no worker here".to_owned()) } else { Ok(started.clone()) }
        })
        .with_on_refused(move |message| {
            assert_eq!(message, "no worker here");
            reported.set(reported.get() + 1);
        });
        let mut model = Model::default();
        for (i, step) in steps.iter().enumerate() {
            let got = match step {
                Step::Close => {
                    let stopped = lazy.close();
                    prop_assert_eq!(stopped.is_some(), model.started && !model.closed, "step {}: close returns the started host", i);
                    model.closed = true;
                    Ok(())
                }
                Step::Run(workflow) => {
                    let want = expected(&mut model, step, refuse, fails);
                    let got = block_on(lazy.run(i as u64, *workflow)).map_err(|e| match e {
                        EngineError::Worker { workflow: name, message } => {
                            assert_eq!(name, workflow.as_str());
                            message
                        }
                        other => panic!("step {i}: not a worker error: {other}"),
                    });
                    prop_assert_eq!(&got, &want, "step {}: {:?}", i, step);
                    got
                }
                Step::Get => {
                    let want = expected(&mut model, step, refuse, fails);
                    let got = lazy.get().map(|h| assert!(Rc::ptr_eq(&h, &host), "the one host started"));
                    prop_assert_eq!(&got, &want, "step {}: get", i);
                    got
                }
            };
            let _ = got;
            prop_assert_eq!(starts.get(), model.starts, "step {}: starts", i);
            prop_assert!(starts.get() <= 1, "started at most once");
            prop_assert_eq!(host.runs.get(), model.runs, "step {}: runs reach the host", i);
            prop_assert_eq!(reports.get(), model.reports, "step {}: a refusal is reported once", i);
            prop_assert_eq!(lazy.started().is_some(), model.started && !model.closed, "step {}: started()", i);
        }
    }
}

/// A start function that needs the host itself (a `worker` factory calling back into the sheet)
/// gets an error, not a second start or a panic; closing from within the start keeps nothing.
#[test]
fn a_start_that_calls_back_gets_an_error_and_a_close_within_it_wins() {
    let host = Rc::new(CountingHost { runs: Cell::new(0), fails: false });
    let cell: Rc<std::cell::RefCell<Option<std::rc::Weak<LazyHost<CountingHost>>>>> = Rc::default();
    let (inner, started, seen) = (cell.clone(), host.clone(), Rc::new(std::cell::RefCell::new(None)));
    let saw = seen.clone();
    let lazy = Rc::new(LazyHost::new(move || {
        let again = inner.borrow().as_ref().and_then(std::rc::Weak::upgrade).map(|lazy| lazy.get().map(drop));
        *saw.borrow_mut() = again;
        Ok(started.clone())
    }));
    *cell.borrow_mut() = Some(Rc::downgrade(&lazy));
    assert!(lazy.get().is_ok());
    assert_eq!(*seen.borrow(), Some(Err(LAZY_HOST_STARTING.to_owned())));

    let closing: Rc<std::cell::RefCell<Option<std::rc::Weak<LazyHost<CountingHost>>>>> = Rc::default();
    let inner = closing.clone();
    let lazy = Rc::new(LazyHost::new(move || {
        if let Some(lazy) = inner.borrow().as_ref().and_then(std::rc::Weak::upgrade) {
            assert!(lazy.close().is_none(), "nothing started yet");
        }
        Ok(host.clone())
    }));
    *closing.borrow_mut() = Some(Rc::downgrade(&lazy));
    assert_eq!(lazy.get().map(drop), Err(LAZY_HOST_CLOSED.to_owned()));
    assert!(lazy.started().is_none());
    assert_eq!(lazy.get().map(drop), Err(LAZY_HOST_CLOSED.to_owned()), "and stays closed");
}
