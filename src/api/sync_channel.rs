//! Cross-tab sync (DESIGN.md section 5, "Sync"): appends are announced on a
//! `BroadcastChannel` named after the sheet; other engines on the sheet sync at once. A slow
//! poll catches anything a channel missed (a tab asleep, a browser without the channel).
//!
//! Messages: a number (the log's new end) after appends; `{type: "deleted"}` when
//! `SpreadsheetData.delete` deletes the sheet, after which every open engine on it stops.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, MessageEvent};

use crate::blob::BlobStore;
use crate::browser::timer::sleep;
use crate::engine::Engine;
use crate::log::{EventLog, SequenceId};

/// Milliseconds between fallback polls of the log.
pub const POLL_INTERVAL_MS: u32 = 5_000;

/// The channel of one sheet, and its poll.
pub struct SyncChannel {
    channel: BroadcastChannel,
    closed: Rc<Cell<bool>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl SyncChannel {
    /// Listens for announcements on `sheetlog:<sheet>` and polls; `None` when the browser has
    /// no `BroadcastChannel` (the poll alone is then too slow to be worth running either).
    pub fn start<L: EventLog + 'static, B: BlobStore + 'static>(
        sheet: &str,
        engine: &Engine<L, B>,
        on_deleted: impl Fn() + 'static,
    ) -> Option<Self> {
        let channel = BroadcastChannel::new(&channel_name(sheet)).ok()?;
        let for_messages = engine.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if is_deleted_message(&event.data()) {
                on_deleted();
                return;
            }
            let engine = for_messages.clone();
            // Errors show in the load status; nothing else to do with them here.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = engine.sync().await;
            });
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let closed = Rc::new(Cell::new(false));
        let (poller, poll_closed) = (engine.clone(), closed.clone());
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                sleep(POLL_INTERVAL_MS).await;
                if poll_closed.get() || poller.is_closed() {
                    return;
                }
                let _ = poller.sync().await;
            }
        });
        Some(Self { channel, closed, _on_message: on_message })
    }

    /// Tells every engine open on `sheet`, in this tab and others, that it was deleted.
    pub fn announce_deleted(sheet: &str) {
        if let Ok(channel) = BroadcastChannel::new(&channel_name(sheet)) {
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &JsValue::from_str("type"), &JsValue::from_str("deleted"));
            let _ = channel.post_message(&message);
            channel.close();
        }
    }

    /// Tells the other tabs that the log grew to `end` entries.
    pub fn announce(&self, end: SequenceId) {
        // A closed channel throws; the other tabs' poll covers that case.
        let _ = self.channel.post_message(&JsValue::from_f64(end as f64));
    }

    /// Stops listening and polling.
    pub fn close(&self) {
        self.closed.set(true);
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

fn channel_name(sheet: &str) -> String {
    format!("sheetlog:{sheet}")
}

fn is_deleted_message(data: &JsValue) -> bool {
    data.is_object()
        && js_sys::Reflect::get(data, &JsValue::from_str("type")).ok().and_then(|t| t.as_string()).as_deref()
            == Some("deleted")
}
