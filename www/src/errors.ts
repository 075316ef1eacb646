// Errors in words for the status bar and the messages.
import { StorageError, type AnySheetlogError } from "sheetlog";

/**
 * The message of anything thrown, in words (no class name in front; a storage error as
 * {@link storageErrorInWords} says it), with the line of a malformed CSV.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof StorageError) return storageErrorInWords(error);
  if (error instanceof Error) {
    const line: unknown = (error as Error & { line?: unknown }).line;
    const where = typeof line === "number" && !/\bline\b/i.test(error.message) ? ` (line ${line})` : "";
    return `${error.message}${where}`;
  }
  return String(error);
}

/** A storage error as a person would say it. */
export function storageErrorInWords(error: AnySheetlogError): string {
  if (!(error instanceof StorageError)) return error.message;
  switch (error.statusCode) {
    case 410:
      // Deleted in another tab, or its data dropped by the browser: the message says which.
      return `This sheet is gone: ${error.message}`;
    case 507:
      return `Browser storage is full; new edits cannot be saved (${error.message})`;
    case 503:
      return `Storage is closed or blocked by another tab (${error.message})`;
    case 504:
      return `Storage did not answer in time (${error.message})`;
    case 404:
      return `Stored data is missing (${error.message})`;
    default:
      return `Storage failed: ${error.message}`;
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}
