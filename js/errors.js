// sheetlog's error classes (DESIGN.md section 3, STYLE.md habit 6). The wasm module creates every
// error it throws or rejects with through `sheetlogError` (called from src/api/js_error.rs), so
// `instanceof` works against the classes the package entry exports.
//
// wasm-bindgen copies this file into the package as a snippet; the package entry (index.js)
// re-exports the classes from there, so both see the same class objects.

/** The base class of every error sheetlog throws or rejects with. */
export class SheetlogError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "SheetlogError";
  }
}

/** Bad input: nothing was stored. */
export class ValidationError extends SheetlogError {
  constructor(message, options) {
    super(message, options);
    this.name = "ValidationError";
  }
}

/** Storage failed (IndexedDB, the worker, a closed or deleted sheet); `statusCode` says how. */
export class StorageError extends SheetlogError {
  constructor(message, statusCode = 500, options) {
    super(message, options);
    this.name = "StorageError";
    this.statusCode = statusCode;
  }
}

/** Another writer came first; `nextSequenceId` is the log's next free id when known. */
export class ConflictError extends SheetlogError {
  constructor(message, nextSequenceId, options) {
    super(message, options);
    this.name = "ConflictError";
    this.statusCode = 409;
    this.nextSequenceId = nextSequenceId;
  }
}

/** A sequence id outside the log, or a reversed range of them. */
export class SheetRangeError extends SheetlogError {
  constructor(message, options) {
    super(message, options);
    this.name = "SheetRangeError";
    this.statusCode = 416;
  }
}

/**
 * The error of `kind` (`"ValidationError"`, `"StorageError"`, `"ConflictError"` or
 * `"SheetRangeError"`; anything else falls back to a `StorageError`). Called by the wasm module.
 */
export function sheetlogError(kind, message, statusCode, nextSequenceId) {
  switch (kind) {
    case "ValidationError":
      return new ValidationError(message);
    case "ConflictError":
      return new ConflictError(message, nextSequenceId);
    case "SheetRangeError":
      return new SheetRangeError(message);
    default:
      return new StorageError(message, statusCode ?? 500);
  }
}
