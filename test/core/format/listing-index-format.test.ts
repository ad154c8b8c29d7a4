/**
 * The listing index body (docs/STORAGE_FORMAT.md "Addendum: listing index (version 1)"),
 * read and written without a store: the optional sixth element round-trips, an entry
 * without it still reads (written before it existed), and a malformed one counts as absent.
 */
import t from 'tap';
import { parseListingIndex, serializeListingIndex, type ListingIndexEntries } from '../../../src/core/format/listing-index.js';

const base = { backendEtag: 'be', backendSize: 10, size: 100, etag: 'e', storageType: 'delta' as const };

t.test('an entry with details round-trips; one without has none', async (t) => {
  const entries: ListingIndexEntries = new Map([
    ['a.zip.delta', { ...base, details: { compact: true, referenceKey: 'p/reference.bin', gzip: true } }],
    ['b.zip.delta', { ...base, details: {} }],
    ['c.zip.delta', { ...base }],
  ]);
  const back = parseListingIndex(serializeListingIndex(entries));
  t.same(back, entries);
  t.equal(back?.get('c.zip.delta')?.details, undefined);
});

t.test('a malformed sixth element leaves the entry usable for listings, without details', async (t) => {
  for (const bad of ['x', 7, [], { compact: 'yes' }, { referenceKey: 3 }, { gzip: false }, null]) {
    const body = JSON.stringify({ format: 'deltaglider-index', version: 1, entries: { 'a.zip.delta': ['be', 10, 100, 'e', 'delta', bad] } });
    const entry = parseListingIndex(body)?.get('a.zip.delta');
    t.same(entry, base, `details ${JSON.stringify(bad)} ignored`);
  }
});
