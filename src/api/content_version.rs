//! The JS `ContentVersion` class: an immutable content version (`getSnapshot()`), and how a read
//! method finds the version behind the value it is given.
//!
//! A read method takes its `snapshot` argument as a plain `JsValue` and finds the version by the
//! object's identity ([`version_arg`]): `js/boundary.js` keeps a `WeakMap` from each
//! `ContentVersion` object this module made to its id, and [`LIVE`] maps live ids to versions.
//! (The package's `getCellValue` finds the id in JS and passes it to `__cellValueAt`, which
//! looks it up with [`live_version`]; see `installFastReads` in `js/boundary.js`.)
//! So anything else (a number, a plain object, a Proxy of a real version, a freed version) is a
//! `ValidationError` naming the argument, never wasm-bindgen's untyped "expected instance of
//! ContentVersion", a "null pointer passed to rust", or a pointer a Proxy made up.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use rustc_hash::FxHashMap;
use wasm_bindgen::prelude::*;

use super::convert::kind;
use super::js_error::bad_input;
use crate::engine::ContentVersion;

#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = tagVersion)]
    fn tag_version(object: &JsValue, id: u32);
    #[wasm_bindgen(js_name = versionIdOf)]
    fn version_id_of(value: &JsValue) -> i32;
}

/// The version with id `id` when it is live (the id `js/boundary.js` tagged a `ContentVersion`
/// object with), for reads that found the id in JS already (`getCellValue`'s fast path).
pub fn live_version(id: u32) -> Option<Rc<ContentVersion>> {
    LIVE.with(|live| live.borrow().get(&id).map(|v| v.version.clone()))
}

/// A version as a read method sees it.
#[derive(Clone)]
pub struct VersionRef {
    /// The engine's version.
    pub version: Rc<ContentVersion>,
    /// Published after the sheet was deleted: its load status is the 410 error.
    pub deleted: bool,
}

thread_local! {
    /// The versions of the `ContentVersion` objects alive in JS, by id.
    static LIVE: RefCell<FxHashMap<u32, VersionRef>> = RefCell::default();
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

/// One immutable content version, as returned by `getSnapshot()`. Pass it to the read methods;
/// what it reads never changes while it is held.
#[wasm_bindgen(js_name = ContentVersion)]
pub struct JsContentVersion {
    id: u32,
}

impl Drop for JsContentVersion {
    fn drop(&mut self) {
        // Freed (garbage collected, or `free()` of the raw glue): reads through it now fail.
        let _ = LIVE.try_with(|live| live.borrow_mut().remove(&self.id));
    }
}

impl JsContentVersion {
    /// A new JS `ContentVersion` object for `version`.
    pub fn wrap(version: Rc<ContentVersion>, deleted: bool) -> JsValue {
        let id = NEXT_ID.with(|next| {
            let id = next.get();
            next.set(id.wrapping_add(1));
            id
        });
        LIVE.with(|live| live.borrow_mut().insert(id, VersionRef { version, deleted }));
        let object: JsValue = JsContentVersion { id }.into();
        tag_version(&object, id);
        object
    }
}

/// The version behind argument `value` (`what` names it in errors).
///
/// # Errors
/// A `ValidationError` naming the argument when `value` is not a live `ContentVersion` made by
/// this module.
pub fn version_arg(value: &JsValue, what: &str) -> Result<VersionRef, JsValue> {
    let id = version_id_of(value);
    let found = u32::try_from(id).ok().and_then(|id| LIVE.with(|live| live.borrow().get(&id).cloned()));
    found.ok_or_else(|| {
        let detail =
            if id >= 0 { "a ContentVersion that was freed".to_owned() } else { kind(value).describe().to_owned() };
        bad_input(&format!("argument {what} must be a ContentVersion (from getSnapshot()), got {detail}"))
    })
}
