import init, { version } from "sheetlog";

const status = document.querySelector<HTMLParagraphElement>('[data-testid="status"]');

function show(text: string): void {
  if (status) status.textContent = text;
}

async function main(): Promise<void> {
  try {
    await init();
    show(`sheetlog ${version()} loaded`);
  } catch (e) {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    show(`error: ${msg}`);
    console.error(e);
  }
}

void main();
