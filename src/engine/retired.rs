//! [`Retired`]: edit layers no longer read, freed a slice of cells at a time. An edit layer that
//! a large paste filled holds hundreds of thousands of cells; freeing it in one piece takes
//! 47-57 ms natively for 500,000 cells, half of them text (BENCHMARKS.md, stop 31; in slices of
//! 16,384 cells the longest slice takes 6.5-7.6 ms), a main-thread task of that length
//! whenever the last version holding it went: at the swap that adopts a snapshot, or later, when
//! the page's garbage collector frees the last `ContentVersion` wrapper. A layer handed here by
//! its last holder is instead freed `EngineOptions::free_slice_cells` cells per task (16,384 by
//! default), the runtime's `pause` between two slices (DESIGN.md section 5b: cost follows the
//! viewport, not the history).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use super::edit_layer::EditLayer;
use super::runtime::Runtime;

/// The engine's queue of layers to free (cheap to clone: clones share it). The default queue
/// has no runtime and frees what it is given at once, as a plain drop would.
#[derive(Clone, Default)]
pub(crate) struct Retired {
    inner: Option<Rc<Inner>>,
}

struct Inner {
    /// The layers taken apart: each step drops one cell's changes.
    layers: RefCell<VecDeque<Box<dyn Iterator<Item = ()>>>>,
    /// Cells freed per task, at least 1.
    slice: usize,
    /// Whether a task is freeing the queue.
    draining: Cell<bool>,
    spawn: Rc<dyn Fn(LocalBoxFuture<'static, ()>)>,
    pause: Rc<dyn Fn() -> LocalBoxFuture<'static, ()>>,
}

impl std::fmt::Debug for Retired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let queued = self.inner.as_ref().map_or(0, |inner| inner.layers.borrow().len());
        write!(f, "Retired({queued} queued)")
    }
}

impl Retired {
    /// A queue that frees `slice` cells (at least 1) per task of `runtime`.
    pub(crate) fn new(runtime: &Runtime, slice: usize) -> Self {
        Self {
            inner: Some(Rc::new(Inner {
                layers: RefCell::default(),
                slice: slice.max(1),
                draining: Cell::new(false),
                spawn: runtime.spawn.clone(),
                pause: runtime.pause.clone(),
            })),
        }
    }

    /// Takes `layer` from a holder that lets go of it: when that holder was the last and the
    /// layer holds more than a slice of cells, it is queued and freed a slice per task; else it
    /// is dropped here as usual (by its last holder, whoever that is).
    pub(crate) fn retire(&self, layer: Rc<RefCell<EditLayer>>) {
        let Some(inner) = &self.inner else { return };
        // Only the last holder gets the layer: anyone else still reads it.
        let Ok(layer) = Rc::try_unwrap(layer) else { return };
        let layer = layer.into_inner();
        if layer.len() <= inner.slice {
            return;
        }
        inner.layers.borrow_mut().push_back(Box::new(layer.into_drops()));
        if !inner.draining.replace(true) {
            (inner.spawn)(drain(inner.clone()).boxed_local());
        }
    }

    /// For a holder being dropped (a version, a frame): hands `edits` over when this holder is
    /// its last, without building anything in its place otherwise.
    pub(crate) fn let_go(&self, edits: &mut Rc<RefCell<EditLayer>>) {
        if self.inner.is_some() && Rc::strong_count(edits) == 1 {
            self.retire(std::mem::take(edits));
        }
    }

    /// Number of layers waiting to be freed (tests).
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn queued(&self) -> usize {
        self.inner.as_ref().map_or(0, |inner| inner.layers.borrow().len())
    }
}

/// Frees the queued layers a slice per task until the queue is empty.
async fn drain(inner: Rc<Inner>) {
    loop {
        let front = inner.layers.borrow_mut().pop_front();
        let Some(mut layer) = front else {
            inner.draining.set(false);
            return;
        };
        // A slice of cells, outside the queue's borrow: a drop never reaches the queue, but the
        // queue is free for a retire meanwhile all the same.
        if layer.by_ref().take(inner.slice).count() == inner.slice {
            inner.layers.borrow_mut().push_front(layer);
        }
        (inner.pause)().await;
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::engine::version::ContentVersion;
    use crate::log::{CellWrite, Operation};
    use crate::model::CellValue;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt as _;

    const FREE_SLICE_CELLS: usize = crate::engine::DEFAULT_FREE_SLICE_CELLS;

    /// A layer of `cells` text cells (10 columns wide).
    fn layer(cells: u64) -> Rc<RefCell<EditLayer>> {
        let mut layer = EditLayer::over(0, (0, 0));
        let writes = (0..cells)
            .map(|i| CellWrite {
                row: i / 10,
                col: i % 10,
                value: Some(CellValue::Text(format!("cell {i}").into())),
                format: None,
            })
            .collect();
        layer.apply_operation(0, &Operation::SetCells(writes));
        Rc::new(RefCell::new(layer))
    }

    /// A queue on `pool` whose `pause` counts itself in `pauses` and yields once.
    fn retired(pool: &LocalPool, pauses: Rc<Cell<usize>>) -> Retired {
        let spawner = pool.spawner();
        let runtime = Runtime {
            spawn: Rc::new(move |future| spawner.spawn_local(future).expect("the pool is alive")),
            sleep: Rc::new(|_| async {}.boxed_local()),
            pause: Rc::new(move || {
                pauses.set(pauses.get() + 1);
                let mut yielded = false;
                futures::future::poll_fn(move |cx| {
                    if yielded {
                        return std::task::Poll::Ready(());
                    }
                    yielded = true;
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                })
                .boxed_local()
            }),
            now_ms: Rc::new(|| 0),
        };
        Retired::new(&runtime, FREE_SLICE_CELLS)
    }

    #[test]
    fn a_large_layer_let_go_is_freed_a_slice_per_task() {
        let mut pool = LocalPool::new();
        let pauses = Rc::new(Cell::new(0));
        let queue = retired(&pool, pauses.clone());
        let cells = 3 * FREE_SLICE_CELLS as u64 + 100;
        queue.retire(layer(cells));
        assert_eq!(queue.queued(), 1);
        pool.run_until_stalled();
        assert_eq!(queue.queued(), 0, "freed in the end");
        // Three full slices, then the last 100 cells.
        assert_eq!(pauses.get(), 4, "one task per slice of {FREE_SLICE_CELLS} cells");
    }

    #[test]
    fn a_layer_still_held_or_small_is_left_to_its_holders() {
        let pool = LocalPool::new();
        let queue = retired(&pool, Rc::new(Cell::new(0)));
        let held = layer(2 * FREE_SLICE_CELLS as u64);
        queue.retire(held.clone());
        queue.retire(layer(FREE_SLICE_CELLS as u64));
        assert_eq!(queue.queued(), 0);
        assert_eq!(held.borrow().len(), 2 * FREE_SLICE_CELLS, "a layer someone holds keeps its cells");
        Retired::default().retire(layer(2 * FREE_SLICE_CELLS as u64));
    }

    #[test]
    fn the_last_version_holding_a_layer_hands_it_over() {
        let mut pool = LocalPool::new();
        let queue = retired(&pool, Rc::new(Cell::new(0)));
        let edits = layer(2 * FREE_SLICE_CELLS as u64);
        let mut version = ContentVersion::empty(None);
        version.edits = edits.clone();
        version.retired = queue.clone();
        let copy = version.clone();
        drop(version);
        drop(edits);
        assert_eq!(queue.queued(), 0, "a copy of the version still holds the layer");
        drop(copy);
        assert_eq!(queue.queued(), 1, "the last version's drop queued the layer");
        pool.run_until_stalled();
        assert_eq!(queue.queued(), 0);
    }
}
