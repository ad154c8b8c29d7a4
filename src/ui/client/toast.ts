/** The transient message at the bottom of the page. */

const toastEl = document.getElementById('toast') as HTMLElement;

/** How long a message stays up. */
const TOAST_MS = 4000;

let toastTimer: number | undefined;

/** Shows a message for a few seconds; `bad` styles it as an error. */
export function toast(message: string, bad = false): void {
  toastEl.textContent = message;
  toastEl.className = `toast show${bad ? ' bad' : ''}`;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    toastEl.className = 'toast';
  }, TOAST_MS);
}
