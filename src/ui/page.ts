/**
 * The app shell. It holds no data: the client asks /api/session first and shows
 * the login form or the app.
 */

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f46e5"/><path d="M16 6 26 25H6Z" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/></svg>`;

export function renderIndexHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DeltaGlider</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/client/app.js"></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="#/">
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#4f46e5"/><path d="M16 6 26 25H6Z" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/></svg>
    <span>DeltaGlider</span>
  </a>
  <nav class="topnav" id="topnav"></nav>
  <div class="topright" id="topright"></div>
</header>
<main id="app" class="container"><div class="loading">Loading…</div></main>
<div id="toast" class="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
}
