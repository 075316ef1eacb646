// One message at a time: the result of an import, a refused or failed edit.
export interface NoticeMessage {
  kind: "info" | "error";
  text: string;
}

interface Props {
  notice: NoticeMessage | undefined;
  onDismiss(): void;
}

export function Notice({ notice, onDismiss }: Props) {
  if (notice === undefined) return null;
  return (
    <div className={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"} data-testid="notice">
      <span>{notice.text}</span>
      <button type="button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
