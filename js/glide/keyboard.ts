// Keyboard workarounds for Glide Data Grid 6's cell editor (see useGlideKeyboardFixes).
import { useEffect, useRef, type RefObject } from "react";

const MOTION_KEYS = new Set(["Enter", "Escape", "Tab"]);

function redispatch(event: KeyboardEvent, target: HTMLElement): void {
  target.dispatchEvent(
    new KeyboardEvent("keydown", {
      key: event.key,
      code: event.code,
      shiftKey: event.shiftKey,
      bubbles: true,
      cancelable: true,
    }),
  );
}

/** How long a closing editor may stay in the page before it is taken as still open (ms). */
const CLOSING_LIMIT = 250;
/** How long after a press on the grid its late focus may come (Glide: a frame; ms). */
const LATE_FOCUS_LIMIT = 1000;
/** How long a key typed on the grid may take to open the editor (ms). */
const OPENING_LIMIT = 250;

interface QueuedKey {
  key: string;
  code: string;
  shiftKey: boolean;
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/**
 * Works around four ways Glide Data Grid 6 loses fast typing (Playwright types a key every few
 * milliseconds; quick typists come close). Call it in the component that renders `<DataEditor>`,
 * with a ref to an element around the grid and whether the grid has a selection; `portalId` is the
 * id of the element Glide renders its overlay editor into (Glide's default, `portal`). It listens
 * on `window` (keydown, pointerdown and focusin, in the capture phase) while mounted. The fifth way,
 * the editor loaded lazily (the first keys of the first edit are lost), needs a build-time edit of
 * Glide's `data-editor.js` (the demo's `eagerGlideOverlayEditor` in `www/vite.config.ts`).
 *
 * - Glide focuses its canvas one animation frame after a click, so keys typed at once reach the
 *   page, not the grid: they are handed to the canvas.
 * - That delayed focus can land after a key (F2, or a typed key) opened the cell editor, moving
 *   the focus out of it: a focus of the grid within a second of the last press on it goes back to
 *   the editor when that press came before the editor took the focus (a press on the grid while
 *   editing ends the edit, and keeps its focus), and keys reaching the grid while the editor is
 *   open are handed back to the editor.
 * - The editor schedules a commit check after every key, and a check scheduled by an ordinary
 *   key that runs after Enter discards the edit (glide-data-grid pull request 1201): keys other
 *   than Enter, Escape and Tab, with or without Ctrl, Alt or Meta (Control's own keydown comes
 *   right before the Enter of a Ctrl+Enter), never reach its handler (text still goes in:
 *   stopping propagation keeps the default action).
 * - After Enter, Tab or Escape the editor stays in the page (focused) until React removes it:
 *   keys typed meanwhile went into the closing editor and were lost, or only the last of them
 *   started the next edit ("abc" typed right after Enter gave "c" or nothing). They are queued
 *   and replayed, in order, once the editor is gone: the first printable key to the grid (it
 *   opens the editor of the newly selected cell with that key), the next ones into that editor.
 */
export function useGlideKeyboardFixes(
  container: RefObject<HTMLElement | null>,
  hasSelection: boolean,
  portalId = "portal",
): void {
  const selected = useRef(hasSelection);
  selected.current = hasSelection;
  useEffect(() => {
    /** The editor that Enter, Tab or Escape closes, while it is still in the page. */
    let closing: { editor: HTMLTextAreaElement; since: number } | undefined;
    const queue: QueuedKey[] = [];
    let replaying = false;
    let disposed = false;

    const portalEditor = () => document.getElementById(portalId)?.querySelector<HTMLTextAreaElement>("textarea") ?? null;
    const canvasOf = (grid: HTMLElement) => grid.querySelector<HTMLCanvasElement>('canvas[data-testid="data-grid-canvas"]');
    /** The open editor, not the closing one. */
    const liveEditor = () => {
      const editor = portalEditor();
      if (editor === null) return null;
      if (closing !== undefined && closing.editor === editor && editor.isConnected) {
        if (performance.now() - closing.since < CLOSING_LIMIT) return "closing" as const;
        closing = undefined; // still open after all (an edit refused): it is live
      }
      return editor;
    };

    const replay = async () => {
      if (replaying) return;
      replaying = true;
      try {
        while (queue.length > 0 && !disposed) {
          const grid = container.current;
          const canvas = grid === null ? null : canvasOf(grid);
          if (canvas === null) {
            queue.length = 0;
            return;
          }
          let editor = liveEditor();
          if (editor === "closing") {
            await nextFrame();
            continue;
          }
          const key = queue.shift()!;
          const event = { ...key } as KeyboardEvent;
          if (editor !== null) {
            editor.focus();
            if (key.key.length === 1) document.execCommand("insertText", false, key.key);
            else if (key.key === "Backspace") document.execCommand("delete");
            else {
              if (MOTION_KEYS.has(key.key)) closing = { editor, since: performance.now() };
              redispatch(event, editor);
            }
            continue;
          }
          canvas.focus({ preventScroll: true });
          redispatch(event, canvas);
          if (key.key.length === 1 || key.key === "Enter" || key.key === "F2") {
            // The key opens the editor (with it, for a printable key): wait for it.
            const started = performance.now();
            do {
              await nextFrame();
              editor = liveEditor();
            } while (editor === null && performance.now() - started < OPENING_LIMIT);
          } else {
            await nextFrame();
          }
        }
      } finally {
        replaying = false;
      }
    };

    const enqueue = (event: KeyboardEvent) => {
      event.preventDefault();
      event.stopPropagation();
      queue.push({ key: event.key, code: event.code, shiftKey: event.shiftKey });
      void replay();
    };

    const onKeyDown = (event: KeyboardEvent) => {
      const grid = container.current;
      const portal = document.getElementById(portalId);
      const target = event.target instanceof Node ? event.target : null;
      if (grid === null || portal === null || target === null || !event.isTrusted) return;
      if (event.ctrlKey || event.metaKey || event.altKey) {
        const editor = portalEditor();
        if (editor !== null && target === editor) {
          // Ctrl+Enter and the like end an edit too: the grid's focus that follows is not late.
          if (MOTION_KEYS.has(event.key)) closing = { editor, since: performance.now() };
          // Control's own keydown as well scheduled a check that discarded the edit of a
          // Ctrl+Enter that followed it at once.
          else event.stopPropagation();
        }
        return;
      }
      const inPortal = portal.contains(target);
      if (!inPortal && !grid.contains(target) && target !== document.body && target !== document.documentElement) return;
      // Keys typed while the editor closes, or before the ones queued are replayed, wait their turn.
      if (queue.length > 0 || liveEditor() === "closing") {
        enqueue(event);
        return;
      }
      const editor = portalEditor();
      if (inPortal) {
        if (!MOTION_KEYS.has(event.key)) event.stopPropagation();
        else if (editor !== null && target === editor) closing = { editor, since: performance.now() };
        return;
      }
      if (editor !== null && grid.contains(target)) {
        event.preventDefault();
        event.stopPropagation();
        editor.focus();
        if (event.key.length === 1) document.execCommand("insertText", false, event.key);
        else if (MOTION_KEYS.has(event.key)) {
          closing = { editor, since: performance.now() };
          redispatch(event, editor);
        }
        return;
      }
      const canvas = canvasOf(grid);
      if ((target === document.body || target === document.documentElement) && selected.current && canvas !== null) {
        event.preventDefault();
        event.stopPropagation();
        canvas.focus({ preventScroll: true });
        redispatch(event, canvas);
      }
    };
    // The editor's latest focus, and the grid's latest pointer press (performance.now(), ms).
    let editorFocusedAt = -Infinity;
    let pressedAt = -Infinity;
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && container.current?.contains(event.target)) pressedAt = performance.now();
    };
    const onFocusIn = (event: FocusEvent) => {
      const grid = container.current;
      const target = event.target instanceof Node ? event.target : null;
      if (grid === null || target === null) return;
      const editor = liveEditor();
      if (editor === null || editor === "closing") return;
      if (target === editor) editorFocusedAt = performance.now();
      else if (grid.contains(target) && pressedAt < editorFocusedAt && performance.now() - pressedAt < LATE_FOCUS_LIMIT) {
        editor.focus({ preventScroll: true });
      }
    };
    window.addEventListener("keydown", onKeyDown, { capture: true });
    window.addEventListener("pointerdown", onPointerDown, { capture: true });
    window.addEventListener("focusin", onFocusIn, { capture: true });
    return () => {
      disposed = true;
      window.removeEventListener("keydown", onKeyDown, { capture: true });
      window.removeEventListener("pointerdown", onPointerDown, { capture: true });
      window.removeEventListener("focusin", onFocusIn, { capture: true });
    };
  }, [container, portalId]);
}
