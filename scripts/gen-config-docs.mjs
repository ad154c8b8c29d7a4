#!/usr/bin/env node
/**
 * Regenerates the configuration reference in docs/OPERATIONS.md from SETTINGS in
 * src/reverse-proxy/config.ts (read from the build: run `npm run build` first).
 *
 *   node scripts/gen-config-docs.mjs          rewrite the section between the markers
 *   node scripts/gen-config-docs.mjs --check  exit 1 if the committed docs are stale
 *
 * test/pack/config-docs.test.ts runs the same rendering against the sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BEGIN = '<!-- BEGIN GENERATED CONFIG: edit src/reverse-proxy/config.ts, then run npm run docs:config -->';
export const END = '<!-- END GENERATED CONFIG -->';

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultText(value) {
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : `\`${value.join(',')}\``;
  return `\`${String(value)}\``;
}

/** The generated Markdown: one table row per setting, in SETTINGS order. */
export function renderConfigReference(settings) {
  const lines = [
    '| Environment variable | TOML key | Default | Allowed values | Meaning |',
    '|---|---|---|---|---|',
  ];
  for (const s of settings) {
    const secret = s.secret ? ' Secret: shown as `(hidden)` in error messages.' : '';
    lines.push(`| \`${s.env}\` | \`${s.toml}\` | ${cell(defaultText(s.default))} | ${cell(s.allowed)} | ${cell(s.doc)}${secret} |`);
  }
  return lines.join('\n');
}

/** `doc` with the text between the markers replaced by `generated`. */
export function replaceGeneratedSection(doc, generated) {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`markers not found: the document needs a line "${BEGIN}" followed later by "${END}"`);
  return `${doc.slice(0, start + BEGIN.length)}\n${generated}\n${doc.slice(end)}`;
}

async function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const docPath = join(root, 'docs', 'OPERATIONS.md');
  let SETTINGS;
  try {
    ({ SETTINGS } = await import(pathToFileURL(join(root, 'dist', 'reverse-proxy', 'config.js')).href));
  } catch (err) {
    throw new Error(`cannot load dist/reverse-proxy/config.js (run npm run build first): ${err.message}`);
  }
  const current = readFileSync(docPath, 'utf8');
  const next = replaceGeneratedSection(current, renderConfigReference(SETTINGS));
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('docs/OPERATIONS.md: the configuration reference is stale; run npm run docs:config');
      process.exitCode = 1;
    } else console.log('docs/OPERATIONS.md: configuration reference up to date');
    return;
  }
  if (next !== current) writeFileSync(docPath, next);
  console.log(`docs/OPERATIONS.md: configuration reference ${next !== current ? 'rewritten' : 'already up to date'} (${SETTINGS.length} settings)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`gen-config-docs: ${err.message}`);
    process.exit(1);
  });
}
