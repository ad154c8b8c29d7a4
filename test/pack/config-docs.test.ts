/**
 * docs/OPERATIONS.md's configuration reference is generated from SETTINGS: this fails
 * when the committed text differs from what scripts/gen-config-docs.mjs would write
 * (fix: npm run docs:config).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/reverse-proxy/config.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { renderConfigReference, replaceGeneratedSection, BEGIN, END } from '../../scripts/gen-config-docs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readFileSync(join(root, 'docs', 'OPERATIONS.md'), 'utf8');

t.test('docs/OPERATIONS.md holds the configuration reference generated from SETTINGS', async (t) => {
  t.ok(doc.includes(BEGIN) && doc.includes(END), 'the generated-section markers are present');
  const expected = replaceGeneratedSection(doc, renderConfigReference(SETTINGS));
  t.equal(doc, expected, 'committed docs match the generated text (run npm run docs:config)');
});

t.test('every setting appears in the reference with its env name and TOML key', async (t) => {
  const table = renderConfigReference(SETTINGS) as string;
  for (const s of SETTINGS) {
    t.match(table, `\`${s.env}\``);
    t.match(table, `\`${s.toml}\``);
  }
});
