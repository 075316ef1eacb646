//! [`SheetDatabase`]: one IndexedDB database per sheet, `sheetlog:<name>`, with a schema version
//! and an upgrade path (DESIGN.md section 6).
//!
//! Stores: `log` (key: sequence id as a number; value `{e: Uint8Array, s?: number, p?: string}`
//! where `e` is the encoded entry and `s`, present only when the entry holds a snapshot, equals
//! the key and feeds the `snapshot` index; `p` is then the snapshot's path, a copy of what `e`
//! holds, so the latest snapshot is found without decoding its entry (which can be a large one);
//! records written before `p` existed have only `s`), `blobs` (key: full blob path; value: `Uint8Array`) and
//! `meta` (key `"start"`: first retained sequence id).
//!
//! Opening is **single-flight** and never abandoned: one open request at a time per handle, run
//! to its end in a task of its own, which callers join and wait for under their timeout. A caller
//! that times out (status 504) or hears `blocked` (503, retryable) leaves the request running:
//! the upgrade that creates the stores always completes (an abandoned request used to create a
//! version-1 database without stores, which bricked the sheet), and the connection it opens late
//! is kept for the next call, or closed if the handle was closed meanwhile (never orphaned).
//!
//! The connection reopens by itself: when another tab upgrades the schema (`versionchange`) this
//! connection closes at once and the next call opens a new one; a newer schema then fails with
//! [`StorageErrorKind::NewerVersion`] (426). When the database is deleted under the handle (a
//! `versionchange` to no version, or a reopen that finds no database), the handle stops with
//! [`StorageErrorKind::Deleted`] (410) and never re-creates it. Every operation runs under the
//! timeout of [`IdbOptions`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use indexed_db_futures::database::Database;
use indexed_db_futures::internals::SystemRepr as _;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionDurability, TransactionMode, TransactionOptions};
use indexed_db_futures::KeyPath;
use wasm_bindgen::prelude::*;

use super::idb_error::{from_idb, from_open, timed_out};
use super::timer::with_timeout;
use super::web_locks::{write_turn, WriteTurn};
use crate::error::{StorageError, StorageErrorKind};

/// The schema version this build creates and reads. Version 2 has the stores of version 1; its
/// upgrade creates whichever of them are missing, which completes a version-1 database that an
/// abandoned open left without stores.
pub const SCHEMA_VERSION: u32 = 2;
/// Object store of log entries.
pub const LOG_STORE: &str = "log";
/// Index of the `log` store over entries holding a snapshot.
pub const SNAPSHOT_INDEX: &str = "snapshot";
/// Object store of blobs.
pub const BLOB_STORE: &str = "blobs";
/// Object store of small log-wide values.
pub const META_STORE: &str = "meta";

/// How hard IndexedDB works to make a committed transaction survive a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Commit reports success only once the data is flushed to disk (the default: an
    /// acknowledged edit is never lost).
    #[default]
    Strict,
    /// Commit may report success before the flush; faster, may lose the last writes on a power
    /// cut (not on a tab crash).
    Relaxed,
}

/// Options for opening a sheet's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdbOptions {
    /// Durability of every write transaction.
    pub durability: Durability,
    /// Most milliseconds one operation (open, a transaction) may take before it fails with
    /// status 504.
    pub timeout_ms: u32,
    /// Most entries one log query returns.
    pub log_page_size: usize,
    /// Most stored bytes of entries one log query returns (it returns at least one entry, and
    /// stops after the entry that reaches this), so a page of import-sized entries stays small.
    pub log_page_bytes: usize,
    /// Most children one blob dir listing returns.
    pub list_page_size: usize,
    /// Fail with [`StorageErrorKind::Deleted`] (410) instead of creating the database when it
    /// does not exist (the worker sets it: the main thread created the database, so a missing
    /// one was deleted, and must not come back empty).
    pub must_exist: bool,
}

impl Default for IdbOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Strict,
            timeout_ms: 10_000,
            log_page_size: 10_000,
            log_page_bytes: 4 << 20,
            list_page_size: 1000,
            must_exist: false,
        }
    }
}

struct Connection {
    db: Database,
    // Kept alive as long as the connection: close it when another tab upgrades the schema or
    // deletes the database, or when the browser closes it.
    _on_version_change: Closure<dyn FnMut(web_sys::IdbVersionChangeEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

/// The open request in flight, which callers join.
#[derive(Default)]
struct Opening {
    /// The request is blocked by another connection at an older version.
    blocked: Cell<bool>,
    /// Callers waiting for it (each under its own timeout; a dropped receiver is fine).
    waiters: RefCell<Vec<oneshot::Sender<Result<Database, StorageError>>>>,
}

struct Inner {
    name: String,
    options: IdbOptions,
    connection: RefCell<Option<Rc<Connection>>>,
    opening: RefCell<Option<Rc<Opening>>>,
    closed: Cell<bool>,
    /// The database was deleted under this handle: every call fails with status 410.
    deleted: Cell<bool>,
    /// A connection was installed once: a later open that finds no database means it was deleted.
    ever_opened: Cell<bool>,
    /// The first open created the database (it did not exist before).
    created: Cell<bool>,
    /// Open requests this handle started (single flight: concurrent callers share one).
    opens: Cell<u64>,
    on_deleted: RefCell<Option<Rc<dyn Fn()>>>,
    /// Test hook: milliseconds to wait after a write transaction's requests finished before
    /// waiting for its outcome, as if the browser were late to report the commit.
    late_commit_ms: Cell<u32>,
    /// Writes waiting for the origin's write turn ([`SheetDatabase::begin_write`]) whose
    /// transaction is not created yet. A close lets them begin first, as IndexedDB lets the
    /// transactions created before a close finish.
    waiting_writes: Cell<u32>,
    /// The connection a close left open for those writes: closed once the last has begun.
    closing: RefCell<Option<Rc<Connection>>>,
}

/// One write waiting for its turn (counted in `Inner::waiting_writes`); when the last waiting
/// write has begun (or was dropped) after a close, the connection closes.
struct WaitingWrite<'a>(&'a Inner);

impl<'a> WaitingWrite<'a> {
    fn new(inner: &'a Inner) -> Self {
        inner.waiting_writes.set(inner.waiting_writes.get() + 1);
        Self(inner)
    }
}

impl Drop for WaitingWrite<'_> {
    fn drop(&mut self) {
        let left = self.0.waiting_writes.get().saturating_sub(1);
        self.0.waiting_writes.set(left);
        if left == 0 {
            if let Some(connection) = self.0.closing.borrow_mut().take() {
                connection.db.as_sys().close();
            }
        }
    }
}

impl Inner {
    /// The database was deleted under this handle: close the connection, fail every later call
    /// with status 410, and tell the owner once.
    fn mark_deleted(&self) {
        for connection in [self.connection.borrow_mut().take(), self.closing.borrow_mut().take()].into_iter().flatten()
        {
            connection.db.as_sys().close();
        }
        if self.deleted.replace(true) {
            return;
        }
        let callback = self.on_deleted.borrow().clone();
        if let Some(callback) = callback {
            callback();
        }
    }
}

/// A handle on one sheet's IndexedDB database; cheap to clone, clones share the connection.
#[derive(Clone)]
pub struct SheetDatabase {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for SheetDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetDatabase").field("name", &self.inner.name).finish_non_exhaustive()
    }
}

fn deleted_error() -> StorageError {
    StorageError::new(StorageErrorKind::Deleted, "the sheet's database no longer exists")
}

fn closed_error() -> StorageError {
    StorageError::new(StorageErrorKind::Closed, "this sheet was closed")
}

impl SheetDatabase {
    /// The IndexedDB database name of sheet `sheet`: `sheetlog:<sheet>`.
    pub fn database_name(sheet: &str) -> String {
        format!("sheetlog:{sheet}")
    }

    /// Opens (creating or upgrading as needed) the database of sheet `sheet`.
    ///
    /// # Errors
    /// [`StorageError`]: `Blocked` (503, retryable) when another tab holds an older version
    /// open, `Timeout` (504: while waiting for the origin's write turn, which every open that
    /// may create or upgrade the database takes, see `web_locks`; or while opening, when the
    /// open goes on and the next call joins it),
    /// `NewerVersion` (426)
    /// when a newer build upgraded the database, `Deleted` (410) with
    /// [`IdbOptions::must_exist`] and no database, `Unsupported` (501) without IndexedDB, others
    /// as reported.
    pub async fn open(sheet: &str, options: IdbOptions) -> Result<Self, StorageError> {
        let this = Self {
            inner: Rc::new(Inner {
                name: Self::database_name(sheet),
                options,
                connection: RefCell::new(None),
                opening: RefCell::new(None),
                closed: Cell::new(false),
                deleted: Cell::new(false),
                ever_opened: Cell::new(false),
                created: Cell::new(false),
                opens: Cell::new(0),
                on_deleted: RefCell::new(None),
                late_commit_ms: Cell::new(0),
                waiting_writes: Cell::new(0),
                closing: RefCell::new(None),
            }),
        };
        if let Err(error) = this.connection().await {
            // A handle nobody gets must not keep (or later install) a connection.
            this.close();
            return Err(error);
        }
        Ok(this)
    }

    /// The sheet's name (its database is `sheetlog:<sheet>`).
    pub fn sheet(&self) -> &str {
        self.inner.name.strip_prefix("sheetlog:").unwrap_or(&self.inner.name)
    }

    /// The options this database was opened with.
    pub fn options(&self) -> &IdbOptions {
        &self.inner.options
    }

    /// True when [`Self::open`] created the database (no database of this name existed).
    pub fn created(&self) -> bool {
        self.inner.created.get()
    }

    /// How many open requests this handle started (concurrent callers share one).
    pub fn opens(&self) -> u64 {
        self.inner.opens.get()
    }

    /// True once the database was deleted under this handle (every call then fails with 410).
    pub fn is_deleted(&self) -> bool {
        self.inner.deleted.get()
    }

    /// Calls `callback` once when the database is found deleted under this handle (another tab
    /// deleted it, or site data was cleared); later calls fail with status 410.
    pub fn set_on_deleted(&self, callback: impl Fn() + 'static) {
        *self.inner.on_deleted.borrow_mut() = Some(Rc::new(callback));
    }

    /// Test hook: after a write transaction's requests finished, wait `milliseconds` before
    /// waiting for its outcome, as a browser slow to report the commit would (so that the
    /// operation timeout can fire after the commit). 0 (the default) turns it off.
    #[doc(hidden)]
    pub fn set_late_commit_ms(&self, milliseconds: u32) {
        self.inner.late_commit_ms.set(milliseconds);
    }

    /// Test hook: drops the connection as the browser does when it closes one by force (site data
    /// cleared, a storage failure); the next call opens a new one.
    #[doc(hidden)]
    pub fn simulate_forced_close(&self) {
        if let Some(connection) = self.inner.connection.borrow_mut().take() {
            connection.db.as_sys().close();
        }
    }

    pub(crate) fn late_commit_ms(&self) -> u32 {
        self.inner.late_commit_ms.get()
    }

    /// Closes the connection; every later call fails with `Closed` (status 503). An open still
    /// in flight closes its connection when it arrives. Writes already issued still finish:
    /// those waiting for the write turn begin their transaction first.
    pub fn close(&self) {
        self.inner.closed.set(true);
        if let Some(connection) = self.inner.connection.borrow_mut().take() {
            if self.inner.waiting_writes.get() == 0 {
                connection.db.as_sys().close();
            } else {
                *self.inner.closing.borrow_mut() = Some(connection);
            }
        }
    }

    /// Deletes the database of sheet `sheet` with everything in it.
    ///
    /// # Errors
    /// [`StorageError`] when the browser refuses, or `Timeout` (504) when another context held
    /// the origin's write turn for the whole default operation timeout (nothing is deleted).
    pub async fn delete(sheet: &str) -> Result<(), StorageError> {
        // A delete writes like a readwrite transaction: it takes the write turn (see
        // `web_locks`), for at most the default operation timeout; a delete still blocked by
        // another tab's connection after that goes on without it.
        let timeout = IdbOptions::default().timeout_ms;
        let turn = write_turn(timeout).await?;
        let request = Database::delete_by_name(&Self::database_name(sheet)).map_err(from_open)?;
        let mut request = pin!(request);
        let result = match with_timeout(timeout, request.as_mut()).await {
            Some(result) => result,
            None => {
                drop(turn);
                request.await
            }
        };
        // The shared listing, taken before, may still show it.
        forget_database_listing();
        result.map_err(from_idb)
    }

    /// The open connection, opening it first if needed (or joining the open in flight).
    pub(crate) async fn connection(&self) -> Result<Database, StorageError> {
        if self.inner.deleted.get() {
            return Err(deleted_error());
        }
        if self.inner.closed.get() {
            return Err(closed_error());
        }
        if let Some(connection) = self.inner.connection.borrow().as_ref() {
            return Ok(connection.db.clone());
        }
        let opening = self.inner.opening.borrow().clone();
        let opening = match opening {
            Some(opening) if opening.blocked.get() => return Err(blocked_error()),
            Some(opening) => opening,
            None => {
                let opening = Rc::new(Opening::default());
                *self.inner.opening.borrow_mut() = Some(opening.clone());
                self.inner.opens.set(self.inner.opens.get() + 1);
                wasm_bindgen_futures::spawn_local(run_open(Rc::downgrade(&self.inner), opening.clone()));
                opening
            }
        };
        let (sender, receiver) = oneshot::channel();
        opening.waiters.borrow_mut().push(sender);
        let timeout = self.inner.options.timeout_ms;
        match with_timeout(timeout, receiver).await {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(closed_error()),
            None => Err(timed_out("opening the database", timeout)),
        }
    }

    /// Starts a transaction over `stores` on connection `db`; write transactions use the
    /// configured durability. Commit it: a dropped transaction rolls back. Inside it, await
    /// nothing but its own requests.
    pub(crate) fn begin<'a>(
        &self,
        db: &'a Database,
        stores: &[&str],
        mode: TransactionMode,
    ) -> Result<Transaction<'a>, StorageError> {
        let options = TransactionOptions::new().with_durability(match self.inner.options.durability {
            Durability::Strict => TransactionDurability::Strict,
            Durability::Relaxed => TransactionDurability::Relaxed,
        });
        db.transaction(stores).with_mode(mode).with_options(options).build().map_err(from_idb)
    }

    /// Waits for the origin's write turn ([`write_turn`], at most the operation timeout), then
    /// starts a readwrite transaction over `stores` on connection `db`, as [`Self::begin`] does.
    /// Hold the turn until the transaction has finished: then no other readwrite transaction of
    /// this origin (page, worker or another tab) is unfinished at the same time, which is what
    /// keeps a killed Chromium from deleting the origin's IndexedDB (see `web_locks`).
    ///
    /// # Errors
    /// A timeout (status 504) waiting for the turn, or the transaction failing to start.
    pub(crate) async fn begin_write<'a>(
        &self,
        db: &'a Database,
        stores: &[&str],
    ) -> Result<(WriteTurn, Transaction<'a>), StorageError> {
        let waiting = WaitingWrite::new(&self.inner);
        let turn = write_turn(self.inner.options.timeout_ms).await?;
        let tx = self.begin(db, stores, TransactionMode::Readwrite)?;
        drop(waiting);
        Ok((turn, tx))
    }

    /// Runs `operation` under the operation timeout; `what` names it in the timeout error.
    pub(crate) async fn timed<T>(
        &self,
        what: &str,
        operation: impl Future<Output = Result<T, StorageError>>,
    ) -> Result<T, StorageError> {
        let timeout = self.inner.options.timeout_ms;
        with_timeout(timeout, operation).await.ok_or_else(|| timed_out(what, timeout))?
    }
}

fn blocked_error() -> StorageError {
    StorageError::new(StorageErrorKind::Blocked, "another tab keeps an older version of this sheet's database open")
}

/// Tells every waiter of `opening` the outcome.
fn answer(opening: &Opening, result: &Result<Database, StorageError>) {
    for waiter in opening.waiters.borrow_mut().drain(..) {
        let _ = waiter.send(result.clone());
    }
}

/// The open request of `inner`, run to its end whatever its callers do: installs the connection
/// (or closes it when the handle is gone or closed), and answers the waiters.
async fn run_open(inner: Weak<Inner>, opening: Rc<Opening>) {
    let (name, reopen, must_exist, timeout) = match inner.upgrade() {
        Some(inner) => {
            (inner.name.clone(), inner.ever_opened.get(), inner.options.must_exist, inner.options.timeout_ms)
        }
        None => return,
    };
    let may_create = !reopen && !must_exist;
    // A database listed at this schema version opens without a `versionchange` transaction, so
    // without the write turn: a Web Lock costs 10-24 ms while a page loads (BENCHMARKS.md, stop
    // 31). Should it need one after all (deleted or changed since it was listed), the upgrade is
    // refused, its transaction aborted at once, and the open starts again under the turn.
    let lock_free = match listed_at_schema(&name, timeout).await {
        true => {
            let opening = opening.clone();
            let on_blocked = move || {
                opening.blocked.set(true);
                answer(&opening, &Err(blocked_error()));
            };
            match open_database(&name, Upgrades::Refused, on_blocked).await {
                Ok(Opened::NeedsUpgrade) => None,
                other => Some(other),
            }
        }
        false => None,
    };
    let result = match lock_free {
        Some(result) => result,
        None => {
            // An open that may run a `versionchange` transaction (creating or upgrading the
            // stores), which writes like a readwrite one, takes the write turn too (`web_locks`).
            let turn = match write_turn(timeout).await {
                Ok(turn) => Rc::new(RefCell::new(Some(turn))),
                Err(error) => {
                    if let Some(handle) = inner.upgrade() {
                        *handle.opening.borrow_mut() = None;
                    }
                    answer(&opening, &Err(error));
                    return;
                }
            };
            let on_blocked = {
                let (opening, turn) = (opening.clone(), turn.clone());
                move || {
                    // Blocked until another tab closes an older version: the rest of the origin's
                    // writes must not wait for that tab, so the turn is given back.
                    drop(turn.borrow_mut().take());
                    opening.blocked.set(true);
                    answer(&opening, &Err(blocked_error()));
                }
            };
            let upgrades = if may_create { Upgrades::Create } else { Upgrades::ExistingOnly };
            let result = open_database(&name, upgrades, on_blocked).await;
            drop(turn.borrow_mut().take());
            result
        }
    };
    let result = result.and_then(|opened| match opened {
        Opened::Open(db, created) => {
            if created {
                // The shared listing, taken before, does not show it.
                forget_database_listing();
            }
            Ok((db, created))
        }
        // Only `Upgrades::Refused` asks for this, and that result was handled above.
        Opened::NeedsUpgrade => {
            Err(StorageError::new(StorageErrorKind::Other, "the database needs an upgrade".to_owned()))
        }
    });
    let handle = inner.upgrade();
    if let Some(handle) = &handle {
        *handle.opening.borrow_mut() = None;
    }
    let result = match (handle, result) {
        (Some(handle), Ok((db, created))) => {
            if handle.closed.get() || handle.deleted.get() {
                db.as_sys().close();
                Err(if handle.deleted.get() { deleted_error() } else { closed_error() })
            } else {
                install(&handle, db.clone());
                if !handle.ever_opened.replace(true) {
                    handle.created.set(created);
                }
                Ok(db)
            }
        }
        (None, Ok((db, _))) => {
            db.as_sys().close();
            Err(closed_error())
        }
        (Some(handle), Err(error)) if error.kind == StorageErrorKind::Deleted => {
            handle.mark_deleted();
            Err(error)
        }
        (_, Err(error)) => Err(error),
    };
    answer(&opening, &result);
}

/// Makes `db` the connection of `inner`, closing it when another tab upgrades or deletes the
/// database, or when the browser closes it.
fn install(inner: &Rc<Inner>, db: Database) {
    let weak = Rc::downgrade(inner);
    let on_version_change =
        Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(move |event: web_sys::IdbVersionChangeEvent| {
            let Some(inner) = weak.upgrade() else { return };
            if event.new_version().is_none() {
                inner.mark_deleted();
            } else if let Some(connection) = inner.connection.borrow_mut().take() {
                connection.db.as_sys().close();
            }
        });
    let weak = Rc::downgrade(inner);
    // The browser closed the connection (site data cleared, a storage failure): the next call
    // reopens it, and finds out whether the database still exists.
    let on_close = Closure::<dyn FnMut()>::new(move || {
        if let Some(inner) = weak.upgrade() {
            inner.connection.borrow_mut().take();
        }
    });
    db.as_sys().set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    db.as_sys().set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.connection.borrow_mut() =
        Some(Rc::new(Connection { db, _on_version_change: on_version_change, _on_close: on_close }));
}

/// Which `versionchange` transactions an open may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upgrades {
    /// Create the database when missing and upgrade an older one (under the write turn).
    Create,
    /// Upgrade an older database, but fail with `Deleted` (410) when it is missing.
    ExistingOnly,
    /// None at all (an open without the write turn): answer [`Opened::NeedsUpgrade`] instead.
    Refused,
}

/// What [`open_database`] opened.
enum Opened {
    /// The connection, and whether this open created the database.
    Open(Database, bool),
    /// The database is missing or older, and the open was told not to upgrade it
    /// ([`Upgrades::Refused`]): nothing was written.
    NeedsUpgrade,
}

#[wasm_bindgen(module = "/js/registry.js")]
extern "C" {
    /// `indexedDB.databases()`, shared by the opens of a page's start (`js/registry.js`).
    #[wasm_bindgen(js_name = databaseListing)]
    fn database_listing() -> js_sys::Promise;
    #[wasm_bindgen(js_name = forgetDatabaseListing)]
    fn forget_database_listing_js();
}

/// Drops the listing of the origin's databases that the opens of this thread share (see
/// `listed_at_schema`): the next open lists them again. Called when this thread creates or
/// deletes a sheet's database, which that listing would not show; another tab's do not reach it,
/// and cost an open time, not data.
pub fn forget_database_listing() {
    forget_database_listing_js();
}

/// Whether the origin's listing of databases (`indexedDB.databases()`, shared with the other
/// opens of the last moments: `databaseListing` in `js/registry.js`) has database `name` at
/// [`SCHEMA_VERSION`], within `timeout_ms`: opening it then runs no `versionchange` transaction.
/// False when unsure (no `databases()` in this browser, an error, a timeout). A listing that is
/// no longer true costs nothing but time: the open that trusts it refuses any upgrade.
async fn listed_at_schema(name: &str, timeout_ms: u32) -> bool {
    let listed = wasm_bindgen_futures::JsFuture::from(database_listing());
    let Some(Ok(listed)) = with_timeout(timeout_ms, listed).await else {
        return false;
    };
    let Ok(listed) = listed.dyn_into::<js_sys::Array>() else { return false };
    listed.iter().any(|info| {
        let field = |key: &str| js_sys::Reflect::get(&info, &JsValue::from_str(key)).ok();
        field("name").and_then(|n| n.as_string()).as_deref() == Some(name)
            && field("version").and_then(|v| v.as_f64()) == Some(f64::from(SCHEMA_VERSION))
    })
}

/// Opens database `name` at [`SCHEMA_VERSION`], running only the `versionchange` transactions
/// `upgrades` allows. `on_blocked` runs if the request is blocked; the request goes on until the
/// other connections close.
async fn open_database(
    name: &str,
    upgrades: Upgrades,
    on_blocked: impl Fn() + 'static,
) -> Result<Opened, StorageError> {
    let created = Rc::new(Cell::new(false));
    let refused = Rc::new(Cell::new(false));
    let needs_upgrade = Rc::new(Cell::new(false));
    let (created_in, refused_in, needs_upgrade_in) = (created.clone(), refused.clone(), needs_upgrade.clone());
    let open = Database::open(name)
        .with_version(SCHEMA_VERSION)
        .with_on_blocked(move |_event| {
            on_blocked();
            Ok(())
        })
        .with_on_upgrade_needed(move |event, db| {
            let old_version = event.old_version() as u32;
            if upgrades == Upgrades::Refused {
                // Returning an error aborts the versionchange transaction before it creates anything.
                needs_upgrade_in.set(true);
                return Err(JsValue::from(js_sys::Error::new("this open runs no upgrade")).into());
            }
            if old_version == 0 {
                if upgrades == Upgrades::ExistingOnly {
                    refused_in.set(true);
                    return Err(JsValue::from(js_sys::Error::new("the database no longer exists")).into());
                }
                created_in.set(true);
            }
            upgrade(old_version, &db)
        })
        .build()
        .map_err(from_open)?;
    match open.await {
        Ok(db) => {
            check_stores(&db)?;
            Ok(Opened::Open(db, created.get()))
        }
        Err(_) if needs_upgrade.get() => Ok(Opened::NeedsUpgrade),
        Err(_) if refused.get() => Err(deleted_error()),
        Err(error) => Err(from_open(error)),
    }
}

/// Fails with a `Corrupt` error naming the first store `db` lacks.
fn check_stores(db: &Database) -> Result<(), StorageError> {
    let names = db.as_sys().object_store_names();
    for store in [LOG_STORE, BLOB_STORE, META_STORE] {
        if !names.contains(store) {
            db.as_sys().close();
            return Err(StorageError::new(
                StorageErrorKind::Corrupt,
                format!("the sheet's database has no '{store}' store"),
            ));
        }
    }
    Ok(())
}

/// Brings the schema from `old_version` up to [`SCHEMA_VERSION`]. Creates whichever store (and
/// index) is missing, so it completes a database an abandoned open of an older build left
/// without stores, as well as creating a new one; version 2 added nothing else.
fn upgrade(_old_version: u32, db: &Database) -> indexed_db_futures::Result<()> {
    let names = db.as_sys().object_store_names();
    if !names.contains(LOG_STORE) {
        let log = db.create_object_store(LOG_STORE).build()?;
        log.create_index(SNAPSHOT_INDEX, KeyPath::One("s")).build()?;
    }
    if !names.contains(BLOB_STORE) {
        db.create_object_store(BLOB_STORE).build()?;
    }
    if !names.contains(META_STORE) {
        db.create_object_store(META_STORE).build()?;
    }
    Ok(())
}
