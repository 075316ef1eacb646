//! The TypeScript types of the public API, in one custom section, and the typed extern
//! newtypes that make the generated `.d.ts` precise (no `any`; STYLE.md habit 8).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r##"
/** One of the spreadsheet error values a cell can hold. */
export type CellErrorCode = "#NULL!" | "#DIV/0!" | "#VALUE!" | "#REF!" | "#NAME?" | "#NUM!" | "#N/A"
  | "#GETTING_DATA" | "#SPILL!" | "#UNKNOWN!" | "#FIELD!" | "#CALC!";
/** A cell holding an error value. */
export interface CellError { type: "CellError"; value: CellErrorCode }
/**
 * What a cell holds: text, a finite number, a boolean, an error, `null` for an explicitly empty
 * cell, or `undefined` for no value.
 */
export type CellValue = string | number | boolean | null | undefined | CellError;
/** The part of the sheet the UI shows, in pixels; a hint for what to load. */
export interface Viewport { rowMinOffset: number; columnMinOffset: number; width: number; height: number }
/** The name of a background workflow. */
export type WorkflowName = "snapshot" | "compact" | "history" | "gc";
/** Whether a content version shows everything under its viewport. */
export type LoadStatus = { state: "loading" } | { state: "ready" } | { state: "error"; error: AnySheetlogError };
/** Where a content version stands in the event log. */
export interface LogInfo {
  /** The version reflects every entry before this sequence id. */
  sequenceId: bigint;
  /** The snapshot it was loaded from or last saw completed. */
  snapshotSequenceId: bigint | undefined;
  /** The workflow running for this sheet. */
  workflow: WorkflowName | undefined;
}
/** Options of `SpreadsheetData.open`. */
export interface OpenOptions {
  /** The sheet's name; its IndexedDB database is `sheetlog:<name>`. 1 to 200 characters. */
  name: string;
  /** Request a snapshot when this many entries followed the last one (default 1000). */
  snapshotInterval?: number;
  /**
   * Request a snapshot when this many cells changed since the last one (default 100,000), however
   * few entries changed them: one large paste or import cannot make the next snapshot, or the
   * memory holding changes since the last one, unbounded.
   */
  snapshotCells?: number;
  /**
   * Where workflows (snapshots, compaction) run: `true` (default) in the package's Web Worker,
   * `false` in this thread, or a function returning a `Worker` that runs the package's worker
   * entry (`sheetlog/worker`), for hosts that build or serve the worker themselves. The worker
   * (and so this function) is started at the first workflow, layer import or export, or about a
   * second after the first viewport is shown, never during `open()`; one that cannot load turns
   * the load status to `error`, naming its script.
   */
  worker?: boolean | (() => Worker);
  /**
   * The URL of the package's worker entry (`sheetlog-worker.js`) when it is not beside the
   * package's JS, e.g. served from another origin (a CDN): such a URL is loaded through a
   * same-origin `blob:` module, so CORS must allow it. Default: resolved by the bundler from
   * `new URL("./sheetlog-worker.js", import.meta.url)`.
   */
  workerUrl?: string | URL;
  /** IndexedDB durability of writes (default `"strict"`). */
  durability?: "strict" | "relaxed";
  /** Tile size of the sheet's first snapshot, in rows and columns (defaults 256 x 32). */
  tileRows?: number;
  tileColumns?: number;
  /** The viewport to load at open (default: the whole sheet). */
  viewport?: Viewport;
  /** Milliseconds before a storage operation fails with status 504 (default 10000). */
  timeoutMs?: number;
  /** A snapshot with more layers than this is compacted into one by a workflow (default 8). */
  maxLayers?: number;
  /**
   * Bytes of loaded tiles kept outside the viewport (default 67108864, 64 MiB); beyond it the
   * least recently shown are dropped and read again when scrolled back to. Tiles under the
   * viewport are always kept.
   */
  tileCacheBytes?: number;
  /** Snapshots kept whole by garbage collection besides power-of-two checkpoints (default 4). */
  keepSnapshots?: number;
  /**
   * How long this tab counts as open without renewing its lease, in milliseconds (default
   * 300000). The log is never truncated past an open tab; a tab asleep longer catches up from
   * history or reloads from the latest snapshot when it wakes.
   */
  leaseMs?: number;
  /** Steps kept on this tab's undo stack (default 100). */
  undoLimit?: number;
  /**
   * Where this instance's undo and redo stacks are kept so they survive a reload: 1 to 64
   * characters. Default: an id of this browser tab kept in `sessionStorage`, so each tab (and
   * each instance of the sheet in it, in order of opening) has its own stacks; without
   * `sessionStorage` the stacks live in memory only.
   */
  undoKey?: string;
}
/** What a sheet holds in storage (`getStorageInfo`). */
export interface StorageInfo {
  /** Entries the event log keeps (older ones are in history blobs). */
  logEntries: number;
  /** Blobs: snapshot tiles and indexes, history, records. */
  blobs: number;
  /** Estimated bytes of the log and the blobs. */
  bytes: number;
}
/** Options of `SpreadsheetData.inMemory`. */
export interface InMemoryOptions {
  /** As in `OpenOptions`. */
  maxLayers?: number;
  snapshotInterval?: number;
  snapshotCells?: number;
  tileRows?: number;
  tileColumns?: number;
  viewport?: Viewport;
  tileCacheBytes?: number;
  keepSnapshots?: number;
  undoLimit?: number;
}
"##;

#[wasm_bindgen]
extern "C" {
    /// A JS `CellValue`.
    #[wasm_bindgen(typescript_type = "CellValue")]
    pub type JsCellValue;
    /// A JS `Viewport` or `undefined`.
    #[wasm_bindgen(typescript_type = "Viewport | undefined")]
    pub type JsViewport;
    /// A JS `LoadStatus`.
    #[wasm_bindgen(typescript_type = "LoadStatus")]
    pub type JsLoadStatus;
    /// A JS `LogInfo`.
    #[wasm_bindgen(typescript_type = "LogInfo")]
    pub type JsLogInfo;
    /// A JS `OpenOptions`.
    #[wasm_bindgen(typescript_type = "OpenOptions")]
    pub type JsOpenOptions;
    /// A JS `InMemoryOptions`.
    #[wasm_bindgen(typescript_type = "InMemoryOptions")]
    pub type JsInMemoryOptions;
    /// A number format, in an optional parameter.
    #[wasm_bindgen(typescript_type = "string")]
    pub type JsFormat;
    /// A `Viewport`, in an optional parameter.
    #[wasm_bindgen(typescript_type = "Viewport")]
    pub type JsViewportInput;
    /// The formats of a batch write, in an optional parameter.
    #[wasm_bindgen(typescript_type = "CellFormats")]
    pub type JsCellFormats;
    /// A sheet's name.
    #[wasm_bindgen(typescript_type = "string")]
    pub type JsSheetName;
    /// A `ValidationError` or `undefined`.
    #[wasm_bindgen(typescript_type = "ValidationError | undefined")]
    pub type JsMaybeError;
}
