//! The default key of a tab's undo stacks (`OpenOptions.undoKey`): a random id kept in the
//! tab's `sessionStorage` (so it survives a reload of the tab and no other tab has it), and the
//! lowest slot no other open instance of the same sheet in this tab holds. Opened again in the
//! same order after a reload, each instance finds its stacks. Without `sessionStorage` (a
//! worker, storage disabled) there is no default: the stacks live in memory only.
//!
//! A tab duplicated by the browser starts with a copy of `sessionStorage`, so its first
//! instance shares the key of the original's until one of them is reloaded with a fresh one;
//! pass `undoKey` to separate them when that matters.

use std::cell::RefCell;
use std::collections::HashSet;

/// The `sessionStorage` item holding this tab's id.
const TAB_ITEM: &str = "sheetlog-tab";

thread_local! {
    /// The keys open instances hold, with their sheet.
    static IN_USE: RefCell<HashSet<(String, String)>> = RefCell::default();
}

/// A key for a new instance of sheet `sheet` in this tab; `None` without `sessionStorage`.
pub(super) fn undo_key(sheet: &str) -> Option<String> {
    let storage = web_sys::window()?.session_storage().ok()??;
    let tab = match storage.get_item(TAB_ITEM).ok().flatten() {
        Some(tab) if !tab.is_empty() && tab.len() <= 32 => tab,
        _ => {
            let tab = format!("{:013x}", (js_sys::Math::random() * 4_503_599_627_370_496.0) as u64);
            storage.set_item(TAB_ITEM, &tab).ok()?;
            tab
        }
    };
    IN_USE.with(|in_use| {
        let mut in_use = in_use.borrow_mut();
        let key =
            (0u32..).map(|slot| format!("{tab}-{slot}")).find(|k| !in_use.contains(&(sheet.to_owned(), k.clone())))?;
        in_use.insert((sheet.to_owned(), key.clone()));
        Some(key)
    })
}

/// The instance holding `key` for `sheet` closed: the slot is free again.
pub(super) fn release(sheet: &str, key: &str) {
    IN_USE.with(|in_use| in_use.borrow_mut().remove(&(sheet.to_owned(), key.to_owned())));
}
