//! Cross-tab sync (DESIGN.md section 5, "Sync"): appends are announced on a
//! `BroadcastChannel` named after the sheet; other engines on the sheet sync at once. A slow
//! poll catches anything a channel missed (a tab asleep, a browser without the channel).

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
    pub fn start<L: EventLog + 'static, B: BlobStore + 'static>(sheet: &str, engine: &Engine<L, B>) -> Option<Self> {
        let channel = BroadcastChannel::new(&format!("sheetlog:{sheet}")).ok()?;
        let for_messages = engine.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_event: MessageEvent| {
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
