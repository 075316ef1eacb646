//! Publishing (DESIGN.md sections 3 and 5b): a new content version is made, and subscribers
//! told, only when something a reader can observe changed: values, counts, the viewport, the
//! load status or the log info. A sync that finds nothing, or a tile arriving outside the
//! viewport, publishes nothing, so `getSnapshot()` keeps its identity while the sheet is idle.

use std::rc::Rc;

use super::state::Core;
use super::version::{ContentVersion, LoadStatus, LogInfo};
use crate::snapshot::SheetSizes;

impl Core {
    /// The load status now: the newest error standing, else loading while the log is being
    /// loaded or a tile under the viewport is not shown, else ready.
    pub(crate) fn load_status(&self) -> LoadStatus {
        if let Some(error) = self.errors.newest() {
            LoadStatus::Error(error.clone())
        } else if self.loading || self.tiles.missing > 0 {
            LoadStatus::Loading
        } else {
            LoadStatus::Ready
        }
    }

    /// Where the engine stands in the log.
    pub(crate) fn log_info(&self) -> LogInfo {
        LogInfo {
            sequence_id: self.next_seq,
            snapshot_sequence_id: self.snapshot_seq,
            workflow: self.running.map(|r| r.workflow),
        }
    }

    /// The row heights and column widths now: the committed ones with the pending edits'.
    pub(crate) fn current_sizes(&self) -> Rc<SheetSizes> {
        self.pending.sizes_after(self.edits.borrow().sizes(self.next_seq))
    }

    /// Makes a new current version when something observable changed; true when it did.
    pub(crate) fn publish_if_changed(&mut self) -> bool {
        let load_status = self.load_status();
        let log_info = self.log_info();
        let sizes = self.current_sizes();
        let current = &self.current;
        let same = !self.dirty
            && (Rc::ptr_eq(&current.sizes, &sizes) || current.sizes == sizes)
            && current.load_status == load_status
            && current.log_info == log_info
            && current.viewport == self.viewport
            && current.extent == self.extent
            && current.undo == self.stacks.can();
        if same {
            return false;
        }
        self.dirty = false;
        self.current = Rc::new(ContentVersion {
            seq: self.next_seq,
            snapshot: self.base.index.clone(),
            plan: self.base.plan.clone(),
            tiles: self.tiles.map.clone(),
            edits: self.edits.clone(),
            pending: self.pending.view(self.next_edit),
            extent: self.extent,
            viewport: self.viewport,
            load_status,
            log_info,
            undo: self.stacks.can(),
            sizes,
            retired: self.retired.clone(),
        });
        true
    }
}
