// Keyboard workarounds for Glide Data Grid's cell editor (see useGlideKeyboardFixes).
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

/**
 * Works around three ways Glide Data Grid loses fast typing (Playwright types a key every few
 * milliseconds; quick typists come close):
 *
 * - Glide focuses its canvas one animation frame after a click, so keys typed at once reach the
 *   page, not the grid: they are handed to the canvas.
 * - That delayed focus can land after a typed key opened the cell editor, moving the focus out of
 *   it: keys reaching the grid while the editor is open are handed back to the editor.
 * - The editor schedules a commit check after every key, and a check scheduled by an ordinary
 *   key that runs after Enter discards the edit (glide-data-grid pull request 1201): keys other
 *   than Enter, Escape and Tab never reach its handler (text still goes in: stopping
 *   propagation keeps the default action).
 */
export function useGlideKeyboardFixes(container: RefObject<HTMLDivElement | null>, hasSelection: boolean): void {
  const selected = useRef(hasSelection);
  selected.current = hasSelection;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const grid = container.current;
      const portal = document.getElementById("portal");
      const target = event.target instanceof Node ? event.target : null;
      if (grid === null || portal === null || target === null || !event.isTrusted) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const editor = portal.querySelector<HTMLTextAreaElement>("textarea");
      if (portal.contains(target)) {
        if (!MOTION_KEYS.has(event.key)) event.stopPropagation();
        return;
      }
      if (editor !== null && grid.contains(target)) {
        event.preventDefault();
        event.stopPropagation();
        editor.focus();
        if (event.key.length === 1) document.execCommand("insertText", false, event.key);
        else if (MOTION_KEYS.has(event.key)) redispatch(event, editor);
        return;
      }
      const canvas = grid.querySelector<HTMLCanvasElement>('canvas[data-testid="data-grid-canvas"]');
      if ((target === document.body || target === document.documentElement) && selected.current && canvas !== null) {
        event.preventDefault();
        event.stopPropagation();
        canvas.focus({ preventScroll: true });
        redispatch(event, canvas);
      }
    };
    window.addEventListener("keydown", onKeyDown, { capture: true });
    return () => window.removeEventListener("keydown", onKeyDown, { capture: true });
  }, [container]);
}
