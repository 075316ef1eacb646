//! The worker workflow in a real dedicated module Worker (DESIGN.md sections 7 and 8): the
//! snapshot workflow run by the worker and seen from the main thread, failures reported as
//! `EngineError::Worker` without killing the worker, two workers on one sheet serialised by the
//! Web Lock, malformed messages, termination.
//!
//! The test runner serves its own glue (`wasm-bindgen-test`), not `pkg/` (TOOLCHAIN.md trap 7),
//! so these tests start the package's worker entry (`js/sheetlog-worker.js`) from a `blob:` URL,
//! with its import of `./sheetlog.js` pointed at the test glue.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::{dispose, unique_sheet};
use futures_util::future::join;
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use sheetlog::api::SpreadsheetData;
use sheetlog::browser::{
    handle_worker_message, Durability, IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase, WorkerHost, WorkerRequest,
    WORKER_NAME,
};
use sheetlog::engine::workflow::{index_path, read_index};
use sheetlog::engine::{EngineError, WorkflowHost};
use sheetlog::log::{CellWrite, Entry, EventLog, MetadataUpdate, Operation, QueryFrom, QueryTo, Workflow};
use sheetlog::model::CellValue;
use sheetlog::snapshot::TileSize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    /// `import.meta.url` read in the test glue: the URL of the glue the runner serves.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

fn tile_size() -> TileSize {
    TileSize::new(4, 3).unwrap()
}

/// The package's worker entry, as shipped.
const WORKER_ENTRY: &str = include_str!("../js/sheetlog-worker.js");

/// The worker entry's source with its glue import pointed at the test glue.
fn worker_source() -> String {
    let glue = format!("{:?}", glue_url());
    assert!(WORKER_ENTRY.contains("from \"./sheetlog.js\";"), "the worker entry imports ./sheetlog.js");
    WORKER_ENTRY.replace("\"./sheetlog.js\"", &glue)
}

/// A module worker running the JS `source`, named [`WORKER_NAME`], and the `blob:` URL it runs
/// from (revoke it once done).
fn module_worker(source: &str) -> (web_sys::Worker, String) {
    let code = js_sys::Array::of1(&source.into());
    let properties = web_sys::BlobPropertyBag::new();
    properties.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&code, &properties).unwrap();
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap();
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    options.set_name(WORKER_NAME);
    (web_sys::Worker::new_with_options(&url, &options).expect("start the worker"), url)
}

/// A worker running `js/sheetlog-worker.js` (over the test glue), as `WorkerHost::start` starts it.
fn test_worker() -> web_sys::Worker {
    module_worker(&worker_source()).0
}

fn glue_url() -> String {
    GLUE_URL.with(String::clone)
}

fn test_host(sheet: &str) -> WorkerHost {
    WorkerHost::new(test_worker(), sheet, tile_size(), Durability::Strict)
}

/// Appends `count` `SetCell` entries; entry `i` writes `i` to cell `(i, i % 5)`.
async fn append_cells(log: &IdbEventLog, count: u64) {
    for i in 0..count {
        let entry = Entry::new(Operation::SetCell(CellWrite {
            row: i,
            col: i % 5,
            value: Some(CellValue::Number(i as f64)),
            format: None,
        }));
        log.add_entry(entry, i, None).await.unwrap();
    }
}

async fn entry_metadata(log: &IdbEventLog, seq: u64) -> sheetlog::log::Metadata {
    let page = log.query(QueryFrom::Seq(seq), QueryTo::Seq(seq + 1), None).await.unwrap();
    page.entries[0].metadata.clone()
}

#[wasm_bindgen_test]
async fn the_glue_url_is_known() {
    let url = glue_url();
    assert!(url.starts_with("http"), "glue URL {url}");
    let source = worker_source();
    assert!(source.contains(&format!("from {url:?};")), "the worker imports the test glue");
}

#[wasm_bindgen_test]
async fn worker_writes_the_snapshot() {
    let sheet = unique_sheet("worker-snapshot");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_cells(&log, 30).await;
    log.set_metadata(29, MetadataUpdate::default().with_pending(Some(Workflow::Snapshot))).await.unwrap();

    let host = test_host(&sheet);
    host.run(29, Workflow::Snapshot).await.expect("the worker runs the snapshot workflow");
    assert!(host.is_ready());
    assert_eq!(host.outstanding(), 0);

    let metadata = entry_metadata(&log, 29).await;
    assert_eq!(metadata.snapshot.as_deref(), Some("snapshots/29/index"));
    assert_eq!(metadata.pending, Some(Workflow::History), "its history follows");
    let index = read_index(&IdbBlobStore::new(db.clone()), &index_path(29)).await.unwrap();
    assert_eq!(index.seq, 29);
    assert_eq!((index.row_count, index.col_count), (29, 5));
    assert_eq!(index.tile_size, tile_size());
    assert_eq!(index.layers.len(), 1);
    // Rows 0..29 over tiles of 4 rows: 8 tile rows; columns 0..5 over tiles of 3: 2 tile columns;
    // cell (i, i % 5) puts values in every tile row and both tile columns.
    let mut expected = std::collections::BTreeSet::new();
    for i in 0..29u64 {
        expected.insert(tile_size().tile_of(i, i % 5));
    }
    assert_eq!(index.layers[0].tiles.keys().copied().collect::<std::collections::BTreeSet<_>>(), expected);

    // The same request again is idempotent.
    host.run(29, Workflow::Snapshot).await.expect("a second run succeeds");
    assert_eq!(entry_metadata(&log, 29).await.snapshot.as_deref(), Some("snapshots/29/index"));
    host.terminate();
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn a_failing_workflow_reports_and_the_worker_keeps_serving() {
    let sheet = unique_sheet("worker-failure");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_cells(&log, 5).await;

    let host = test_host(&sheet);
    match host.run(40, Workflow::Snapshot).await {
        Err(EngineError::Worker { workflow: "snapshot", message }) => {
            assert!(message.contains("40"), "the message names the entry: {message}");
        }
        other => panic!("a snapshot beyond the log end: {other:?}"),
    }
    assert!(host.failure().is_none());
    // The worker keeps serving.
    host.run(4, Workflow::Snapshot).await.expect("the next request succeeds");
    assert_eq!(entry_metadata(&log, 4).await.snapshot.as_deref(), Some("snapshots/4/index"));
    host.run(4, Workflow::Compact).await.expect("compact is a no-op for now");
    drop(host);
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn two_workers_on_one_sheet_both_succeed() {
    let sheet = unique_sheet("worker-race");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_cells(&log, 30).await;

    let (a, b) = (test_host(&sheet), test_host(&sheet));
    for seq in [10, 25] {
        let (ra, rb) = join(a.run(seq, Workflow::Snapshot), b.run(seq, Workflow::Snapshot)).await;
        ra.expect("worker a");
        rb.expect("worker b");
        let metadata = entry_metadata(&log, seq).await;
        assert_eq!(metadata.snapshot, Some(index_path(seq)));
        assert_eq!(metadata.pending, Some(Workflow::History), "the second run leaves the follow-up");
        let index = read_index(&IdbBlobStore::new(db.clone()), &index_path(seq)).await.unwrap();
        assert_eq!((index.seq, index.row_count, index.col_count), (seq, seq, seq.min(5)));
    }
    // Only the two snapshots exist; the head of the log is the latest.
    let head = log.query(QueryFrom::Snapshot, QueryTo::End, None).await.unwrap();
    assert_eq!(head.first, 25);
    a.terminate();
    b.terminate();
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn the_lock_serialises_workflows_of_one_sheet() {
    // Held in this thread, the sheet's workflow lock keeps the worker waiting.
    let sheet = unique_sheet("worker-lock");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_cells(&log, 3).await;
    let host = test_host(&sheet);

    let (release_tx, release_rx) = futures_channel::oneshot::channel::<()>();
    let (held_tx, held_rx) = futures_channel::oneshot::channel::<()>();
    let lock_sheet = sheet.clone();
    let holder = wasm_bindgen_futures::future_to_promise(async move {
        let work = async move {
            let _ = held_tx.send(());
            let _ = release_rx.await;
        };
        sheetlog::browser::web_locks::with_workflow_lock(&lock_sheet, work).await.map_err(|e| JsValue::from_str(&e))?;
        Ok(JsValue::UNDEFINED)
    });
    held_rx.await.unwrap();

    let run = wasm_bindgen_futures::future_to_promise({
        let future = host.run(2, Workflow::Snapshot);
        async move {
            future.await.map_err(|e| JsValue::from_str(&e.to_string()))?;
            Ok(JsValue::UNDEFINED)
        }
    });
    sheetlog::browser::timer::sleep(300).await;
    assert_eq!(entry_metadata(&log, 2).await.snapshot, None, "the worker waits for the lock");
    assert_eq!(host.outstanding(), 1);
    release_tx.send(()).unwrap();
    JsFuture::from(holder).await.unwrap();
    JsFuture::from(run).await.expect("the workflow runs once the lock is free");
    assert_eq!(entry_metadata(&log, 2).await.snapshot.as_deref(), Some("snapshots/2/index"));
    host.terminate();
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn terminate_fails_outstanding_and_later_requests() {
    let sheet = unique_sheet("worker-terminate");
    let host = test_host(&sheet);
    let outstanding = host.run(0, Workflow::Snapshot);
    host.terminate();
    match outstanding.await {
        Err(EngineError::Worker { message, .. }) => assert!(message.contains("terminated"), "{message}"),
        other => panic!("outstanding request after terminate: {other:?}"),
    }
    match host.run(0, Workflow::Snapshot).await {
        Err(EngineError::Worker { message, .. }) => assert!(message.contains("terminated"), "{message}"),
        other => panic!("request after terminate: {other:?}"),
    }
    assert_eq!(host.outstanding(), 0);
    SheetDatabase::delete(&sheet).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_load_fails_requests() {
    // A worker whose script does not exist: the error event fails the request at once.
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("/no-such-worker-script.js", &options).unwrap();
    let host = WorkerHost::new(worker, "never-opened", tile_size(), Durability::Strict);
    host.set_reply_timeout_ms(10_000);
    match host.run(0, Workflow::Snapshot).await {
        Err(EngineError::Worker { .. }) => {}
        other => panic!("request to a worker that failed to load: {other:?}"),
    }
    assert!(host.failure().is_some());
    match host.run(0, Workflow::Snapshot).await {
        Err(EngineError::Worker { .. }) => {}
        other => panic!("later request: {other:?}"),
    }
}

/// The host posts the init message at once (the worker loads the wasm without a round trip
/// through the busy main thread, BENCHMARKS.md stop 31) and again on `listening`: a worker that
/// installs its handler in its top-level code is ready before it says `listening` (here it never
/// does), and one that installs it only later, losing the first, is ready once it says
/// `listening`.
#[wasm_bindgen_test]
async fn the_init_reaches_a_worker_at_once_and_again_once_it_listens() {
    let answer = "if (e.data && e.data.type === 'init') self.postMessage({ type: 'ready' });";
    let (early, early_url) = module_worker(&format!("self.onmessage = (e) => {{ {answer} }};"));
    let host = WorkerHost::new(early, "early-init", tile_size(), Durability::Relaxed);
    assert_eq!(host.wait_ready(10_000).await, Ok(()), "a worker that never says listening");
    let (late, late_url) = module_worker(&format!(
        "setTimeout(() => {{ self.onmessage = (e) => {{ {answer} }}; self.postMessage({{ type: 'listening' }}); }}, 300);"
    ));
    let host = WorkerHost::new(late, "late-init", tile_size(), Durability::Relaxed);
    assert_eq!(host.wait_ready(10_000).await, Ok(()), "a worker that listens late");
    for url in [early_url, late_url] {
        web_sys::Url::revoke_object_url(&url).unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_reply_that_never_comes_times_out() {
    // A module worker that reads messages and never answers.
    let (worker, url) = module_worker("self.onmessage = () => {};");
    let host = WorkerHost::new(worker, "silent", tile_size(), Durability::Relaxed);
    host.set_reply_timeout_ms(200);
    match host.run(3, Workflow::Snapshot).await {
        Err(EngineError::Worker { message, .. }) => assert!(message.contains("did not reply"), "{message}"),
        other => panic!("silent worker: {other:?}"),
    }
    assert_eq!(host.outstanding(), 0);
    web_sys::Url::revoke_object_url(&url).unwrap();
}

/// The reply timeout measures silence: a worker that takes longer than the timeout but keeps
/// saying it is alive is waited for, and its reply arrives.
#[wasm_bindgen_test]
async fn a_slow_worker_that_keeps_saying_alive_is_waited_for() {
    // A module worker that says "alive" every 50 ms and replies after 2,500 ms: over twice the
    // 1,000 ms timeout, and with 20 beats a timeout (a loaded machine can delay a few).
    let (worker, url) = module_worker(
        "self.onmessage = (e) => { const id = e.data && e.data.id; if (typeof id !== 'number') return; \
         const beat = setInterval(() => self.postMessage({ type: 'alive' }), 50); \
         setTimeout(() => { clearInterval(beat); self.postMessage({ id, ok: true }); }, 2500); }; \
         self.postMessage({ type: 'listening' });",
    );
    let host = WorkerHost::new(worker, "slow", tile_size(), Durability::Relaxed);
    host.set_reply_timeout_ms(1000);
    let result = host.run(4, Workflow::Snapshot).await;
    assert!(result.is_ok(), "a worker silent for at most 50 ms at a time: {result:?}");
    assert_eq!(host.outstanding(), 0);
    web_sys::Url::revoke_object_url(&url).unwrap();
}

async fn handle(message: JsValue) -> (JsValue, Option<bool>, Option<String>) {
    let reply = JsFuture::from(handle_worker_message(message)).await.expect("the handler never rejects");
    let get = |key: &str| Reflect::get(&reply, &key.into()).unwrap();
    (get("id"), get("ok").as_bool(), get("error").as_string())
}

fn request(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    let defaults: [(&str, JsValue); 7] = [
        ("id", 7.into()),
        ("sheet", "malformed".into()),
        ("seq", 0.into()),
        ("workflow", "compact".into()),
        ("tileRows", 4.into()),
        ("tileColumns", 3.into()),
        ("durability", "strict".into()),
    ];
    for (key, value) in defaults.iter().chain(fields) {
        Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

#[wasm_bindgen_test]
async fn malformed_messages_get_an_error_reply() {
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::NULL, "must be an object"),
        (JsValue::from_str("snapshot"), "must be an object"),
        (Object::new().into(), "`id`"),
        (request(&[("id", (-1).into())]), "`id`"),
        (request(&[("id", 1.5.into())]), "`id`"),
        (request(&[("sheet", 3.into())]), "`sheet`"),
        (request(&[("seq", (2f64.powi(53)).into())]), "`seq`"),
        (request(&[("seq", JsValue::from_f64(f64::NAN))]), "`seq`"),
        (request(&[("seq", "4".into())]), "`seq`"),
        (request(&[("workflow", "backup".into())]), "`workflow`"),
        (request(&[("tileRows", 0.into())]), "tile size"),
        (request(&[("tileColumns", 1e10.into())]), "`tileColumns`"),
        (request(&[("durability", "fast".into())]), "`durability`"),
        (request(&[("durability", JsValue::UNDEFINED)]), "`durability`"),
        (request(&[("timeoutMs", 0.into())]), "`timeoutMs`"),
        (request(&[("timeoutMs", 1.5.into())]), "`timeoutMs`"),
        (request(&[("timeoutMs", "10".into())]), "`timeoutMs`"),
    ];
    for (message, expected) in cases {
        let described = format!("{message:?}");
        let (_, ok, error) = handle(message).await;
        assert_eq!(ok, Some(false), "{described}");
        let error = error.unwrap_or_default();
        assert!(error.contains(expected), "{described}: {error}");
    }
    // The id is echoed when it is a number, `null` otherwise.
    let (id, _, _) = handle(request(&[("workflow", 1.into())])).await;
    assert_eq!(id.as_f64(), Some(7.0));
    let (id, _, _) = handle(JsValue::TRUE).await;
    assert!(id.is_null());
    // The worker never creates a sheet's database (the main thread does; a missing one was
    // deleted): a sheet without one is an error naming that.
    let sheet = unique_sheet("worker-bigint");
    let (_, ok, error) = handle(request(&[("sheet", sheet.as_str().into())])).await;
    assert_eq!(ok, Some(false));
    assert!(error.as_deref().is_some_and(|e| e.contains("no longer exists")), "{error:?}");
    // A bigint seq is accepted.
    SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap().close();
    let (id, ok, error) = handle(request(&[
        ("id", 9.into()),
        ("sheet", sheet.as_str().into()),
        ("seq", JsValue::from(5u64)),
        ("workflow", "compact".into()),
    ]))
    .await;
    assert_eq!((id.as_f64(), ok, error), (Some(9.0), Some(true), None));
    sheetlog::browser::worker_entry::close_cached_sheets();
    SheetDatabase::delete(&sheet).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_malformed_message_to_the_worker_gets_a_reply() {
    // Speaks the protocol by hand: wait for `listening`, init, then a bad request.
    let worker = test_worker();
    let (listening_tx, listening_rx) = futures_channel::oneshot::channel::<()>();
    let (tx, rx) = futures_channel::oneshot::channel::<JsValue>();
    let (listening_tx, tx) = (std::cell::RefCell::new(Some(listening_tx)), std::cell::RefCell::new(Some(tx)));
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let data = event.data();
        match Reflect::get(&data, &"type".into()).unwrap().as_string().as_deref() {
            Some("listening") => {
                if let Some(tx) = listening_tx.borrow_mut().take() {
                    let _ = tx.send(());
                }
            }
            Some(_) => {}
            None => {
                if let Some(tx) = tx.borrow_mut().take() {
                    let _ = tx.send(data);
                }
            }
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    listening_rx.await.unwrap();
    let init = Object::new();
    Reflect::set(&init, &"type".into(), &"init".into()).unwrap();
    Reflect::set(&init, &"module".into(), &wasm_bindgen::module()).unwrap();
    worker.post_message(&init).unwrap();
    worker.post_message(&request(&[("id", 11.into()), ("tileRows", "four".into())])).unwrap();
    let reply = rx.await.unwrap();
    assert_eq!(Reflect::get(&reply, &"id".into()).unwrap().as_f64(), Some(11.0));
    assert_eq!(Reflect::get(&reply, &"ok".into()).unwrap().as_bool(), Some(false));
    let error = Reflect::get(&reply, &"error".into()).unwrap().as_string().unwrap();
    assert!(error.contains("`tileRows`"), "{error}");
    worker.terminate();
}

/// A blob store that records every blob path read.
#[derive(Clone, Debug)]
struct Counting<D> {
    dir: D,
    reads: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl<D: sheetlog::blob::BlobDir> sheetlog::blob::BlobDir for Counting<D> {
    fn path(&self) -> String {
        self.dir.path()
    }
    async fn read(&self, name: &str) -> Result<Vec<u8>, sheetlog::blob::BlobError> {
        self.reads.borrow_mut().push(format!("{}/{name}", self.dir.path()));
        self.dir.read(name).await
    }
    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), sheetlog::blob::BlobError> {
        self.dir.write(name, bytes).await
    }
    async fn remove(&self, name: &str) -> Result<(), sheetlog::blob::BlobError> {
        self.dir.remove(name).await
    }
    async fn dir(&self, name: &str) -> Result<Self, sheetlog::blob::BlobError> {
        Ok(Self { dir: self.dir.dir(name).await?, reads: self.reads.clone() })
    }
    async fn list(
        &self,
        continuation: Option<&sheetlog::blob::Continuation>,
    ) -> Result<sheetlog::blob::ListPage, sheetlog::blob::BlobError> {
        self.dir.list(continuation).await
    }
    async fn remove_all(&self) -> Result<(), sheetlog::blob::BlobError> {
        self.dir.remove_all().await
    }
}

#[derive(Clone, Debug)]
struct CountingStore {
    store: IdbBlobStore,
    reads: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl sheetlog::blob::BlobStore for CountingStore {
    type Dir = Counting<sheetlog::browser::IdbBlobDir>;
    fn root(&self) -> Self::Dir {
        Counting { dir: self.store.root(), reads: self.reads.clone() }
    }
}

fn browser_runtime() -> sheetlog::engine::Runtime {
    use futures_util::FutureExt as _;
    sheetlog::engine::Runtime {
        spawn: std::rc::Rc::new(wasm_bindgen_futures::spawn_local),
        sleep: std::rc::Rc::new(|ms| sheetlog::browser::timer::sleep(ms).boxed_local()),
        pause: std::rc::Rc::new(|| sheetlog::browser::timer::yield_task().boxed_local()),
        now_ms: std::rc::Rc::new(|| js_sys::Date::now() as u64),
    }
}

#[wasm_bindgen_test]
async fn engine_snapshots_in_the_worker_and_a_second_engine_reads_only_viewport_tiles() {
    use sheetlog::engine::{Engine, EngineOptions, LoadStatus, Viewport};
    let sheet = unique_sheet("engine-worker");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));
    let options = EngineOptions { snapshot_interval: 25, tile_size: tile_size(), ..EngineOptions::default() };
    let host = std::rc::Rc::new(test_host(&sheet));
    let writer =
        Engine::open(log.clone(), blobs.clone(), host.clone(), browser_runtime(), options.clone()).await.unwrap();
    // 12 rows x 9 columns, value row * 100 + col; 108 edits. The interval counts from the last
    // completed snapshot, and a due snapshot waits while the history workflow after the last one
    // runs: about four snapshots, the last on an entry from 96 on.
    for row in 0..12u64 {
        for col in 0..9u64 {
            writer.set_cell(row, col, Some(CellValue::Number((row * 100 + col) as f64)), None).await.unwrap();
        }
    }
    let mut latest = None;
    for _ in 0..2000 {
        let info = writer.snapshot().log_info();
        if info.workflow.is_none() && info.snapshot_sequence_id.is_some_and(|s| s >= 96) {
            latest = info.snapshot_sequence_id;
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    let latest = latest.expect("the worker wrote the snapshots");
    let index_path = format!("snapshots/{latest}/index");
    assert_eq!(entry_metadata(&log, latest).await.snapshot.as_deref(), Some(index_path.as_str()));

    // A second engine on its own connection, viewport over rows 0..3 and columns 0..2: one 4 x 3 tile.
    let db2 = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let reads = std::rc::Rc::default();
    let counting = CountingStore { store: IdbBlobStore::new(db2.clone()), reads: std::rc::Rc::clone(&reads) };
    let viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 250.0, height: 100.0 };
    let reader_options = EngineOptions { viewport: Some(viewport), ..options };
    let host2 = std::rc::Rc::new(test_host(&sheet));
    let reader =
        Engine::open(IdbEventLog::new(db2.clone()), counting, host2.clone(), browser_runtime(), reader_options)
            .await
            .unwrap();
    for _ in 0..2000 {
        if *reader.snapshot().load_status() != LoadStatus::Loading {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    let v = reader.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready);
    let tiles: Vec<String> = reads.borrow().iter().filter(|p: &&String| !p.ends_with("/index")).cloned().collect();
    assert_eq!(tiles.len(), 1, "only the tile under the viewport is read: {tiles:?}");
    assert!(tiles[0].ends_with("/0-0"), "{tiles:?}");
    assert!(reads.borrow().contains(&index_path), "opened from the latest snapshot");
    for row in 0..4u64 {
        for col in 0..3u64 {
            let value = v.cell(row, col).and_then(|c| c.value);
            assert_eq!(value, Some(CellValue::Number((row * 100 + col) as f64)), "({row}, {col})");
        }
    }
    assert_eq!((v.row_count(), v.column_count()), (12, 9));
    writer.close();
    reader.close();
    host.terminate();
    host2.terminate();
    db2.close();
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn the_worked_example_through_indexeddb_and_the_worker() {
    use sheetlog::engine::{Engine, EngineOptions};
    use sheetlog::log::Operation as Op;
    let sheet = unique_sheet("worked-example");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    let host = std::rc::Rc::new(test_host(&sheet));
    let options = EngineOptions { snapshot_interval: 1_000_000, tile_size: tile_size(), ..EngineOptions::default() };
    let engine =
        Engine::open(log.clone(), IdbBlobStore::new(db.clone()), host.clone(), browser_runtime(), options.clone())
            .await
            .unwrap();
    let text = |s: &str| Some(CellValue::Text(s.into()));
    let num = |n: f64| Some(CellValue::Number(n));
    let set = |a1: &str, v: Option<CellValue>| {
        let cell: sheetlog::model::CellRef = a1.parse().unwrap();
        engine.set_cell(cell.row, cell.col, v, None)
    };
    // A snapshot on a fresh entry, written by the worker, covering everything before it.
    let snapshot = || async {
        let end = log.bounds().await.unwrap().end;
        log.add_entry(Entry::new(Op::SetCells(Vec::new())), end, None).await.unwrap();
        host.run(end, Workflow::Snapshot).await.unwrap();
        end
    };
    for (a1, v) in [
        ("A1", text("Mon")),
        ("C1", text("Wed")),
        ("B2", text("Feb")),
        ("D2", text("Apr")),
        ("A3", num(2020.0)),
        ("C3", num(2022.0)),
    ] {
        set(a1, v).await.unwrap();
    }
    let first = snapshot().await;
    engine.sync().await.unwrap();
    for (a1, v) in [("B1", text("Tue")), ("D1", text("Thu")), ("A2", text("Jan")), ("C2", text("Mar"))] {
        set(a1, v).await.unwrap();
    }
    engine.insert_rows(1, 1).await.unwrap();
    for (a1, v) in [
        ("A2", text("Red")),
        ("B2", text("Orange")),
        ("C2", text("Yellow")),
        ("D2", text("Green")),
        ("B4", num(2021.0)),
    ] {
        set(a1, v).await.unwrap();
    }
    engine.delete_columns(2, 1).await.unwrap();
    set("C4", num(2023.0)).await.unwrap();
    let second = snapshot().await;
    assert!(second > first);

    let db2 = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let host2 = std::rc::Rc::new(test_host(&sheet));
    let fresh = Engine::open(
        IdbEventLog::new(db2.clone()),
        IdbBlobStore::new(db2.clone()),
        host2.clone(),
        browser_runtime(),
        options,
    )
    .await
    .unwrap();
    for _ in 0..2000 {
        if *fresh.snapshot().load_status() == sheetlog::engine::LoadStatus::Ready {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    let v = fresh.snapshot();
    assert_eq!(v.log_info().snapshot_sequence_id, Some(second));
    let expected = [
        [text("Mon"), text("Tue"), text("Thu")],
        [text("Red"), text("Orange"), text("Green")],
        [text("Jan"), text("Feb"), text("Apr")],
        [num(2020.0), num(2021.0), num(2023.0)],
    ];
    for (r, want) in expected.iter().enumerate() {
        let got: Vec<Option<CellValue>> = (0..3).map(|c| v.cell(r as u64, c).and_then(|c| c.value)).collect();
        assert_eq!(&got, want, "row {}", r + 1);
    }
    let index = read_index(&IdbBlobStore::new(db2.clone()), &index_path(second)).await.unwrap();
    assert_eq!(index.layers.len(), 2, "the structural edits added a layer");
    engine.close();
    fresh.close();
    host.terminate();
    host2.terminate();
    db2.close();
    dispose(&sheet, db).await;
}

/// A request reads back as it was sent, with or without the sheet's storage timeout
/// (`timeoutMs`, which the worker opens the sheet with).
#[wasm_bindgen_test]
fn requests_round_trip_with_their_storage_timeout() {
    for timeout_ms in [None, Some(2_500)] {
        let request = WorkerRequest {
            id: 3,
            sheet: "round-trip".to_owned(),
            seq: 12,
            workflow: Workflow::Snapshot,
            tile_size: TileSize::new(4, 3).unwrap(),
            durability: Durability::Relaxed,
            max_layers: 5,
            keep_snapshots: 2,
            timeout_ms,
        };
        let message = request.to_js();
        assert_eq!(Reflect::get(&message, &"timeoutMs".into()).unwrap().as_f64(), timeout_ms.map(f64::from));
        assert_eq!(WorkerRequest::from_js(&message), Ok(request));
    }
}

/// A CSV of `rows` rows by 4 fields, built in JS as one `Blob`.
fn csv_blob(rows: u32) -> JsValue {
    let body = format!(
        "let s = ''; for (let r = 0; r < {rows}; r++) s += r + ',' + (r * 0.5) + ',t' + (r % 7) + ',' + (r % 2 ? 'TRUE' : 'FALSE') + '\\n'; return new Blob([s]);"
    );
    js_sys::Function::new_no_args(&body).call0(&JsValue::UNDEFINED).expect("the CSV is built")
}

/// A `SpreadsheetData` on `sheet` whose workflows (and layer imports) run in a test worker;
/// the worker, to terminate it from the test.
async fn open_with_worker(sheet: &str) -> (JsValue, Rc<RefCell<Option<web_sys::Worker>>>) {
    let started: Rc<RefCell<Option<web_sys::Worker>>> = Rc::default();
    let slot = started.clone();
    let factory = Closure::<dyn Fn() -> JsValue>::new(move || {
        let worker = test_worker();
        *slot.borrow_mut() = Some(worker.clone());
        worker.into()
    });
    let options = js_object(&[("name", JsValue::from_str(sheet)), ("worker", factory.as_ref().clone())]);
    factory.forget();
    let data: JsValue = SpreadsheetData::open(options.unchecked_into()).await.expect("open").into();
    (data, started)
}

fn js_object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &JsValue::from_str(key), value).unwrap();
    }
    object.into()
}

fn method(data: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let f: js_sys::Function = Reflect::get(data, &JsValue::from_str(name)).unwrap().unchecked_into();
    f.apply(data, &args.iter().collect()).expect(name)
}

async fn settled(promise: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(js_sys::Promise::from(promise)).await
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap()
}

/// `open()` does not start the worker (`src/api/lazy_worker.rs`): over a sheet with a
/// snapshot, the `worker` factory is not called while the first viewport's tiles load, is called
/// about a second after they are shown, and not again while snapshots follow in that worker.
#[wasm_bindgen_test]
async fn the_worker_starts_once_the_first_viewport_is_shown_and_only_once() {
    let sheet = unique_sheet("lazy-worker");
    let write = |data: &JsValue, row: u32| {
        method(data, "setCellValueAndFormat", &[row.into(), 0.into(), row.into(), JsValue::UNDEFINED])
    };
    let snapshotted = |data: &JsValue| {
        let info = method(data, "getLogInfo", &[method(data, "getSnapshot", &[])]);
        u64::try_from(field(&info, "snapshotSequenceId")).ok()
    };
    let state = |data: &JsValue| {
        let status = method(data, "getLoadStatus", &[method(data, "getSnapshot", &[])]);
        field(&status, "state").as_string().unwrap()
    };
    // A sheet with a snapshot (tiles under the first viewport), written without a worker.
    let options =
        js_object(&[("name", JsValue::from_str(&sheet)), ("worker", JsValue::FALSE), ("snapshotInterval", 2.into())]);
    let data: JsValue = SpreadsheetData::open(options.unchecked_into()).await.expect("open").into();
    for row in 0..3 {
        settled(write(&data, row)).await.unwrap();
    }
    // Every workflow done (a snapshot, and what it asked for), so that none is due at the reopen.
    let idle = |data: &JsValue| {
        let info = method(data, "getLogInfo", &[method(data, "getSnapshot", &[])]);
        snapshotted(data).is_some() && field(&info, "workflow").is_undefined()
    };
    for _ in 0..1000 {
        if idle(&data) {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    assert!(idle(&data), "a snapshot was written");
    method(&data, "close", &[]);

    let calls = Rc::new(RefCell::new(0u32));
    let counter = calls.clone();
    let factory = Closure::<dyn Fn() -> JsValue>::new(move || {
        *counter.borrow_mut() += 1;
        test_worker().into()
    });
    let options = js_object(&[
        ("name", JsValue::from_str(&sheet)),
        ("worker", factory.as_ref().clone()),
        ("snapshotInterval", 2.into()),
    ]);
    let data: JsValue = SpreadsheetData::open(options.unchecked_into()).await.expect("open").into();
    assert_eq!(state(&data), "loading", "the snapshot's tiles are loading");
    assert_eq!(*calls.borrow(), 0, "open() resolved without starting the worker");
    for _ in 0..1000 {
        if state(&data) != "loading" {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    assert_eq!(state(&data), "ready");
    assert_eq!(*calls.borrow(), 0, "not at once: the first paint goes first");
    let shown = sheetlog::browser::timer::now_ms();
    for _ in 0..500 {
        if *calls.borrow() > 0 {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    assert_eq!(*calls.borrow(), 1, "started once the first viewport was shown");
    let after = sheetlog::browser::timer::now_ms() - shown;
    assert!(after >= 900.0, "about a second later: {after} ms");

    let before = snapshotted(&data);
    for row in 3..9 {
        settled(write(&data, row)).await.unwrap();
    }
    for _ in 0..1000 {
        if snapshotted(&data) > before {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    assert!(snapshotted(&data) > before, "the worker wrote snapshots");
    assert_eq!(*calls.borrow(), 1, "and was started only once");
    method(&data, "close", &[]);
    drop(factory);
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// `mode: "layer"` with a worker (issue 9, item 1): the worker parses the file and writes the
/// tiles, the page appends one entry; progress comes from the worker; a cancel and malformed
/// input change nothing; a worker terminated mid-import leaves the sheet unchanged and readable.
#[wasm_bindgen_test]
async fn a_layer_import_runs_in_the_worker_and_a_killed_worker_changes_nothing() {
    let sheet = unique_sheet("worker-import");
    let (data, worker) = open_with_worker(&sheet).await;
    let seen = Rc::new(RefCell::new(0u32));
    let counter = seen.clone();
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |_| *counter.borrow_mut() += 1);
    let options = js_object(&[("mode", "layer".into())]);
    let import = method(&data, "importCsv", &[csv_blob(3_000), options.clone(), on_progress.as_ref().clone()]);
    let result = settled(import).await.expect("imports in the worker");
    assert_eq!(field(&result, "entries"), 1);
    assert_eq!(field(&result, "rows"), 3_000);
    assert_eq!(field(&result, "cells"), 12_000);
    assert!(*seen.borrow() > 0, "the worker's progress reached the page");
    let snapshot = method(&data, "getSnapshot", &[]);
    let text = settled(method(&data, "exportCsv", &[snapshot, "A2999:D3000".into()])).await.unwrap();
    assert_eq!(text, "2998,1499,t2,FALSE\n2999,1499.5,t3,TRUE\n");

    // Malformed input with rollback: a ValidationError naming the line, nothing changed.
    let bad = js_sys::Function::new_no_args("return new Blob(['1,2\\n\"open\\n'])").call0(&JsValue::UNDEFINED).unwrap();
    let options_at = |row: u32| js_object(&[("mode", "layer".into()), ("startRow", row.into())]);
    let error = settled(method(&data, "importCsv", &[bad, options_at(10)])).await.expect_err("malformed");
    assert_eq!(field(&error, "name"), "ValidationError");
    assert_eq!(field(&error, "line"), 2);

    // A worker terminated mid-import: the import fails, the sheet is unchanged and readable.
    let rows_before = method(&data, "getRowCount", &[method(&data, "getSnapshot", &[])]);
    let terminate = Closure::<dyn Fn(JsValue)>::new(move |_| {
        if let Some(worker) = worker.borrow().as_ref() {
            worker.terminate();
        }
    });
    let import = method(&data, "importCsv", &[csv_blob(200_000), options_at(5_000), terminate.as_ref().clone()]);
    let error = settled(import).await.expect_err("the worker was terminated");
    assert_eq!(field(&error, "name"), "StorageError", "{:?}", field(&error, "message"));
    let snapshot = method(&data, "getSnapshot", &[]);
    assert_eq!(method(&data, "getRowCount", std::slice::from_ref(&snapshot)), rows_before, "nothing was committed");
    let text = settled(method(&data, "exportCsv", &[snapshot, "A3000:D3000".into()])).await.unwrap();
    assert_eq!(text, "2999,1499.5,t3,TRUE\n", "the sheet reads as before");
    method(&data, "close", &[]);
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// The worker's memory for a large import (issue 9, "Tests: Memory"): 5,000,000 generated cells
/// imported as a layer by the worker keep the worker's wasm memory at most 128 MiB (the page's
/// is checked by `browser_import_memory`). Prints the figure.
#[wasm_bindgen_test]
async fn five_million_cells_imported_in_the_worker_stay_under_128_mib_of_its_wasm_memory() {
    let sheet = unique_sheet("worker-import-memory");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let host = test_host(&sheet);
    let body = "const parts = [];
        for (let b = 0; b < 100; b++) {
          let s = '';
          for (let r = b * 10000; r < (b + 1) * 10000; r++) s += r + ',' + (r * 0.5) + ',code' + (r % 97) + ',' + (r % 2 ? 'TRUE' : 'FALSE') + ',N' + (r % 4000) + 'X\\n';
          parts.push(s);
        }
        return new Blob(parts);";
    let source = js_sys::Function::new_no_args(body).call0(&JsValue::UNDEFINED).unwrap();
    let import = js_object(&[
        ("source", source),
        ("dir", "imports/memory-test".into()),
        // The default grid, as a sheet has it (this file's small test tiles would make 416,667).
        ("tileRows", TileSize::DEFAULT.rows().into()),
        ("tileColumns", TileSize::DEFAULT.cols().into()),
    ]);
    let started = js_sys::Date::now();
    let reply = host.import_layer(import, Rc::new(|_: &JsValue| {}), Rc::new(|| false)).await.expect("a reply");
    let seconds = (js_sys::Date::now() - started) / 1000.0;
    assert_eq!(field(&reply, "ok"), true, "{:?}", field(&reply, "error"));
    assert_eq!(field(&reply, "cells"), 5_000_000);
    let layer = field(&reply, "layer");
    assert_eq!((field(&layer, "endRow"), field(&layer, "endColumn")), (999_999.into(), 4.into()));
    let bytes = field(&reply, "workerMemoryBytes").as_f64().expect("the worker reports its memory");
    console_log!("5,000,000 cells written as a layer by the worker in {seconds:.1} s (debug build): worker wasm memory {:.1} MiB (peak)", bytes / 1_048_576.0);
    assert!(bytes <= 128.0 * 1_048_576.0, "worker wasm memory {:.1} MiB is over 128 MiB", bytes / 1_048_576.0);
    host.terminate();
    dispose(&sheet, db).await;
}

/// Counts the progress messages `worker` posts from now on (beside the host's own handler).
fn count_progress(worker: &web_sys::Worker) -> Rc<RefCell<u32>> {
    let seen: Rc<RefCell<u32>> = Rc::default();
    let counter = seen.clone();
    let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        if field(&event.data(), "progress").is_object() {
            *counter.borrow_mut() += 1;
        }
    });
    worker.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref()).unwrap();
    listener.forget();
    seen
}

/// The text of a `Blob`.
async fn blob_text(blob: &JsValue) -> JsValue {
    assert!(blob.is_instance_of::<web_sys::Blob>(), "a Blob");
    assert_eq!(field(blob, "type"), "text/csv");
    settled(method(blob, "text", &[])).await.unwrap()
}

/// `exportCsvBlob` with a worker (issue 9, item 4): a version whose content is all in the log
/// is exported by the worker (its progress messages show it), with exactly the page's
/// `exportCsv` text: the latest version over a layer import, a snapshot, later cell and
/// structural edits; a past version (`versionAt`); a range. A version with pending edits is
/// exported in the page. A cancel rejects with the signal's reason; a terminated worker makes
/// the page export it itself, with the same text.
#[wasm_bindgen_test]
async fn a_streamed_export_runs_in_the_worker_with_the_pages_text() {
    let sheet = unique_sheet("worker-export");
    let (data, worker) = open_with_worker(&sheet).await;
    let options = js_object(&[("mode", "layer".into())]);
    settled(method(&data, "importCsv", &[csv_blob(5_000), options])).await.expect("imports");
    let handle = worker.borrow().clone().expect("the import started the worker");
    let write = |row: u32, col: u32, value: JsValue| {
        method(&data, "setCellValueAndFormat", &[row.into(), col.into(), value, JsValue::UNDEFINED])
    };
    settled(write(1, 1, "a, \"quoted\"\nvalue".into())).await.unwrap();
    settled(write(4_999, 5, 7.25.into())).await.unwrap();
    settled(method(&data, "insertRows", &[3.into(), 2.into()])).await.unwrap();
    settled(method(&data, "deleteColumns", &[0.into(), 1.into()])).await.unwrap();
    settled(write(0, 0, "=SUM(A1)".into())).await.unwrap();
    let progress = count_progress(&handle);
    let seen_by_page: Rc<RefCell<u32>> = Rc::default();
    let counter = seen_by_page.clone();
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |_| *counter.borrow_mut() += 1);

    let check = |version: JsValue, range: JsValue, options: JsValue| {
        let (data, on_progress, progress) = (data.clone(), on_progress.as_ref().clone(), progress.clone());
        async move {
            *progress.borrow_mut() = 0;
            let expected = settled(method(&data, "exportCsv", &[version.clone(), range.clone(), options.clone()]))
                .await
                .expect("exportCsv");
            let blob = settled(method(&data, "exportCsvBlob", &[version, range, options, on_progress]))
                .await
                .expect("exportCsvBlob");
            assert_eq!(blob_text(&blob).await, expected);
            let posted = *progress.borrow();
            (expected, posted)
        }
    };
    let latest = method(&data, "getSnapshot", &[]);
    let guard = js_object(&[("guardFormulas", JsValue::TRUE)]);
    let (text, posted) = check(latest.clone(), JsValue::UNDEFINED, guard).await;
    assert!(posted > 0, "the worker exported the latest version");
    assert!(*seen_by_page.borrow() >= posted, "every part's progress reached onProgress");
    let text = text.as_string().unwrap();
    assert!(text.starts_with("'=SUM(A1),t0,FALSE,,\n"), "guarded, after the column deletion: {:?}", &text[..40]);
    assert_eq!(method(&data, "getRowCount", std::slice::from_ref(&latest)), 5_002, "5,000 rows and two inserted");
    let (_, posted) = check(latest.clone(), "B4000:E4100".into(), JsValue::UNDEFINED).await;
    assert!(posted > 0, "the worker exported a range");
    let past = settled(method(&data, "versionAt", &[1.into()])).await.expect("a past version");
    let (past_text, posted) = check(past, JsValue::UNDEFINED, JsValue::UNDEFINED).await;
    assert!(posted > 0, "the worker exported a past version");
    assert!(past_text.as_string().unwrap().starts_with("0,0,t0,FALSE\n1,\"a, \"\"quoted\"\"\nvalue\",t1,TRUE\n"));

    // Another tab writes after the version was taken: the worker's engine opens at the newer
    // end of the log and still exports the version's position, without the other tab's cells.
    let before = method(&data, "getSnapshot", &[]);
    let expected = settled(method(&data, "exportCsv", &[before.clone(), "A1:E3".into()])).await.unwrap();
    let options = js_object(&[("name", JsValue::from_str(&sheet)), ("worker", JsValue::FALSE)]);
    let other: JsValue = SpreadsheetData::open(options.unchecked_into()).await.expect("a second tab").into();
    let later = method(&other, "setCellValueAndFormat", &[0.into(), 1.into(), "other tab".into(), JsValue::UNDEFINED]);
    settled(later).await.unwrap();
    *progress.borrow_mut() = 0;
    let blob = settled(method(&data, "exportCsvBlob", &[before, "A1:E3".into()])).await.unwrap();
    assert!(*progress.borrow() > 0, "the worker exported it");
    assert_eq!(blob_text(&blob).await, expected, "the version's position, not the log's end");
    assert!(!expected.as_string().unwrap().contains("other tab"));
    method(&other, "close", &[]);

    // Pending edits: the page exports the version it was given.
    let pending_write = write(2, 2, "pending".into());
    let pending = method(&data, "getSnapshot", &[]);
    let (_, posted) = check(pending, "A1:D4".into(), JsValue::UNDEFINED).await;
    assert_eq!(posted, 0, "a version with pending edits is exported in the page");
    settled(pending_write).await.unwrap();

    // Cancelled at the first part: rejects with the signal's reason.
    let controller = web_sys::AbortController::new().unwrap();
    let signal = controller.signal();
    let abort = Closure::<dyn Fn(JsValue)>::new(move |_| controller.abort_with_reason(&"stop".into()));
    let options = js_object(&[("signal", signal.into())]);
    let latest = method(&data, "getSnapshot", &[]);
    let cancelled =
        method(&data, "exportCsvBlob", &[latest.clone(), JsValue::UNDEFINED, options, abort.as_ref().clone()]);
    assert_eq!(settled(cancelled).await.expect_err("cancelled"), "stop");

    // The worker terminated: the page exports, with the same text.
    handle.terminate();
    let expected = settled(method(&data, "exportCsv", std::slice::from_ref(&latest))).await.unwrap();
    let blob = settled(method(&data, "exportCsvBlob", &[latest])).await.expect("exported in the page");
    assert_eq!(blob_text(&blob).await, expected);
    method(&data, "close", &[]);
    SheetDatabase::delete(&sheet).await.unwrap();
}
