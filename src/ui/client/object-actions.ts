/** Actions on objects from the browser: upload (file picker or drop) and delete. */
import { api } from './api.js';
import { h } from './dom.js';
import { formatBytes, formatPercent, savingsOf } from './format.js';
import { toast } from './toast.js';

/** The contents panel doubles as the drop zone; the header holds the file control. */
export function uploadControls(bucket: string, prefix: string, done: () => void): { zone: (panel: HTMLElement) => HTMLElement; head: HTMLElement } {
  const input = h('input', { type: 'file', id: 'upload-input', multiple: true, hidden: true, 'aria-label': 'Choose files to upload' });
  const status = h('span', { class: 'progress', id: 'upload-status' });
  const pick = h('button', { type: 'button', class: 'primary', id: 'upload-button', onclick: () => input.click() }, 'Upload files…');
  const head = h('div', { class: 'upload-head' }, status, h('span', { class: 'muted drop-hint' }, 'Drop files anywhere on this list, or'), pick, input);
  const upload = async (files: File[]): Promise<void> => {
    if (files.length === 0) return;
    pick.disabled = true;
    try {
      for (const [i, file] of files.entries()) {
        status.textContent = `Uploading ${file.name}${files.length > 1 ? ` (${i + 1}/${files.length})` : ''}…`;
        const r = await api.upload(bucket, prefix + file.name, file);
        toast(`Uploaded ${file.name}: ${formatBytes(r.size)} stored as ${r.storageType} (${formatBytes(r.storedSize)}, ${formatPercent(savingsOf(r.size, r.storedSize))} saved)`);
      }
      status.textContent = '';
    } catch (err) {
      status.textContent = '';
      toast(`Upload failed: ${(err as Error).message}`, true);
    } finally {
      pick.disabled = false;
      input.value = '';
      done();
    }
  };
  input.addEventListener('change', () => void upload(Array.from(input.files ?? [])));
  const zone = (panelEl: HTMLElement): HTMLElement => {
    panelEl.id = 'dropzone';
    panelEl.classList.add('dropzone');
    panelEl.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      panelEl.classList.add('over');
    });
    panelEl.addEventListener('dragleave', (ev) => {
      if (!panelEl.contains(ev.relatedTarget as Node | null)) panelEl.classList.remove('over');
    });
    panelEl.addEventListener('drop', (ev) => {
      ev.preventDefault();
      panelEl.classList.remove('over');
      void upload(Array.from(ev.dataTransfer?.files ?? []));
    });
    return panelEl;
  };
  return { zone, head };
}

/** Deletes an object after the user confirms, then runs `after`. */
export async function deleteObject(bucket: string, key: string, after: () => void): Promise<void> {
  if (!confirm(`Delete ${key}?\nThis cannot be undone.`)) return;
  try {
    await api.remove(bucket, key);
    toast(`Deleted ${key}`);
    after();
  } catch (err) {
    toast(`Delete failed: ${(err as Error).message}`, true);
  }
}
