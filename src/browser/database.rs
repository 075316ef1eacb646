//! [`SheetDatabase`]: one IndexedDB database per sheet, `sheetlog:<name>`, with a schema version
//! and an upgrade path (DESIGN.md section 6).
//!
//! Stores: `log` (key: sequence id as a number; value `{e: Uint8Array, s?: number}` where `e`
//! is the encoded entry and `s`, present only when the entry holds a snapshot, equals the key
//! and feeds the `snapshot` index), `blobs` (key: full blob path; value: `Uint8Array`) and
//! `meta` (key `"start"`: first retained sequence id).
//!
//! The connection opens lazily and reopens by itself: when another tab upgrades the schema
//! (`versionchange`) this connection closes at once and the next call opens a new one. A
//! `blocked` open is a retryable [`StorageErrorKind::Blocked`] error. Every operation runs under
//! the timeout of [`IdbOptions`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::{select, Either};
use indexed_db_futures::database::Database;
use indexed_db_futures::internals::SystemRepr as _;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionDurability, TransactionMode, TransactionOptions};
use indexed_db_futures::KeyPath;
use wasm_bindgen::prelude::*;

use super::idb_error::{from_idb, from_open, timed_out};
use super::timer::with_timeout;
use crate::error::{StorageError, StorageErrorKind};

/// The schema version this build creates and reads.
pub const SCHEMA_VERSION: u32 = 1;
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
}

impl Default for IdbOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Strict,
            timeout_ms: 10_000,
            log_page_size: 10_000,
            log_page_bytes: 4 << 20,
            list_page_size: 1000,
        }
    }
}

struct Connection {
    db: Database,
    // Kept alive as long as the connection: closes it when another tab upgrades the schema.
    _on_version_change: Closure<dyn FnMut()>,
}

struct Inner {
    name: String,
    options: IdbOptions,
    connection: RefCell<Option<Rc<Connection>>>,
    closed: Cell<bool>,
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

impl SheetDatabase {
    /// The IndexedDB database name of sheet `sheet`: `sheetlog:<sheet>`.
    pub fn database_name(sheet: &str) -> String {
        format!("sheetlog:{sheet}")
    }

    /// Opens (creating or upgrading as needed) the database of sheet `sheet`.
    ///
    /// # Errors
    /// [`StorageError`]: `Blocked` (503, retryable) when another tab holds an older version
    /// open, `Timeout` (504), `Unsupported` (501) without IndexedDB, others as reported.
    pub async fn open(sheet: &str, options: IdbOptions) -> Result<Self, StorageError> {
        let this = Self {
            inner: Rc::new(Inner {
                name: Self::database_name(sheet),
                options,
                connection: RefCell::new(None),
                closed: Cell::new(false),
            }),
        };
        this.connection().await?;
        Ok(this)
    }

    /// The options this database was opened with.
    pub fn options(&self) -> &IdbOptions {
        &self.inner.options
    }

    /// Closes the connection; every later call fails with `Closed` (status 503).
    pub fn close(&self) {
        self.inner.closed.set(true);
        if let Some(connection) = self.inner.connection.borrow_mut().take() {
            connection.db.as_sys().close();
        }
    }

    /// Deletes the database of sheet `sheet` with everything in it.
    ///
    /// # Errors
    /// [`StorageError`] when the browser refuses.
    pub async fn delete(sheet: &str) -> Result<(), StorageError> {
        let request = Database::delete_by_name(&Self::database_name(sheet)).map_err(from_open)?;
        request.await.map_err(from_idb)
    }

    /// The open connection, opening it first if needed.
    pub(crate) async fn connection(&self) -> Result<Database, StorageError> {
        if self.inner.closed.get() {
            return Err(StorageError::new(StorageErrorKind::Closed, "this sheet was closed"));
        }
        if let Some(connection) = self.inner.connection.borrow().as_ref() {
            return Ok(connection.db.clone());
        }
        let timeout = self.inner.options.timeout_ms;
        let db = with_timeout(timeout, open_database(&self.inner.name))
            .await
            .ok_or_else(|| timed_out("opening the database", timeout))??;
        let weak = Rc::downgrade(&self.inner);
        let on_version_change = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                if let Some(connection) = inner.connection.borrow_mut().take() {
                    connection.db.as_sys().close();
                }
            }
        });
        db.as_sys().set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        let connection = Rc::new(Connection { db: db.clone(), _on_version_change: on_version_change });
        if self.inner.closed.get() {
            db.as_sys().close();
            return Err(StorageError::new(StorageErrorKind::Closed, "this sheet was closed"));
        }
        *self.inner.connection.borrow_mut() = Some(connection);
        Ok(db)
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

async fn open_database(name: &str) -> Result<Database, StorageError> {
    let (blocked_tx, blocked_rx) = oneshot::channel::<()>();
    let open = Database::open(name)
        .with_version(SCHEMA_VERSION)
        .with_on_blocked(move |_event| {
            let _ = blocked_tx.send(());
            Ok(())
        })
        .with_on_upgrade_needed(|event, db| upgrade(event.old_version() as u32, &db))
        .build()
        .map_err(from_open)?;
    let mut open = std::pin::pin!(std::future::IntoFuture::into_future(open));
    match select(open.as_mut(), blocked_rx).await {
        Either::Left((result, _)) => result.map_err(from_open),
        Either::Right((Ok(()), _)) => Err(StorageError::new(
            StorageErrorKind::Blocked,
            "another tab keeps an older version of this sheet's database open",
        )),
        // The blocked handler was dropped without firing: the open finished or failed.
        Either::Right((Err(_), open)) => open.await.map_err(from_open),
    }
}

/// Brings the schema from `old_version` up to [`SCHEMA_VERSION`], one step per version.
fn upgrade(old_version: u32, db: &Database) -> indexed_db_futures::Result<()> {
    if old_version < 1 {
        let log = db.create_object_store(LOG_STORE).build()?;
        log.create_index(SNAPSHOT_INDEX, KeyPath::One("s")).build()?;
        db.create_object_store(BLOB_STORE).build()?;
        db.create_object_store(META_STORE).build()?;
    }
    Ok(())
}
