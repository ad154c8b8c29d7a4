/** The delta core: engine, stores, codecs, format. No HTTP framework imports. */
export * from './errors.js';
export * from './codec/codec.js';
export * from './codec/xdelta3-codec.js';
export * from './codec/create-codec.js';
export * from './store/object-store.js';
export * from './store/fs-store.js';
export * from './store/s3-store.js';
export * from './format/keys.js';
export * from './format/metadata.js';
export * from './engine/types.js';
export * from './engine/options.js';
export * from './engine/engine.js';
export { resolveRange } from './engine/range.js';
export { evaluateConditions } from './engine/conditions.js';
export { ReferenceCache, DEFAULT_REFERENCE_CACHE_BYTES } from './cache/reference-cache.js';
export { TempDir, spoolToFile, type Spool } from './spool.js';
export * from './engine/stats.js';
