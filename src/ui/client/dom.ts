/** A tiny DOM builder: text always goes in as text nodes, never as HTML. */

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
}

function applyAttrs(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

/** `h('a', { href: '#/' }, 'Buckets')` */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** SVG element builder. */
export function s(tag: string, attrs?: Attrs, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Replaces a container's content. */
export function mount(container: Element, ...children: Child[]): void {
  container.replaceChildren();
  append(container, children);
}

/** Small inline icons (folder, file, database). */
export function icon(name: 'folder' | 'file' | 'bucket' | 'layers'): SVGElement {
  const paths: Record<string, Child> = {
    folder: s('path', { d: 'M1.5 3.5h5l1.5 2h6.5v8h-13z', fill: '#fbbf24', stroke: '#d97706', 'stroke-width': '1', 'stroke-linejoin': 'round' }),
    file: [
      s('path', { d: 'M3.5 1.5h6l3 3v10h-9z', fill: '#fff', stroke: '#94a3b8', 'stroke-width': '1', 'stroke-linejoin': 'round' }),
      s('path', { d: 'M9.5 1.5v3h3', fill: 'none', stroke: '#94a3b8', 'stroke-width': '1' }),
    ],
    bucket: [
      s('ellipse', { cx: '8', cy: '4', rx: '6', ry: '2.2', fill: '#e0e7ff', stroke: '#4f46e5', 'stroke-width': '1' }),
      s('path', { d: 'M2 4v8c0 1.2 2.7 2.2 6 2.2s6-1 6-2.2V4', fill: 'none', stroke: '#4f46e5', 'stroke-width': '1' }),
    ],
    layers: [
      s('path', { d: 'M8 2 14.5 5.5 8 9 1.5 5.5z', fill: '#e0e7ff', stroke: '#4f46e5', 'stroke-width': '1', 'stroke-linejoin': 'round' }),
      s('path', { d: 'M1.5 8.5 8 12l6.5-3.5', fill: 'none', stroke: '#4f46e5', 'stroke-width': '1', 'stroke-linejoin': 'round' }),
    ],
  };
  return s('svg', { class: 'icon', viewBox: '0 0 16 16', 'aria-hidden': 'true' }, paths[name]);
}
