/** Hash routes: building a route link and reading the current route. */

/** The link to a route, e.g. `href('browse', { bucket })` is `#/browse?bucket=...`. */
export function href(route: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params).toString();
  return `#/${route}${q ? `?${q}` : ''}`;
}

/** The route and parameters of the current location hash. */
export function parseRoute(): { route: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const i = raw.indexOf('?');
  return { route: i < 0 ? raw : raw.slice(0, i), params: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}
