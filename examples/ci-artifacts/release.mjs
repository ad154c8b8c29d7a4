/**
 * Builds a deterministic "release zip" for a version: the same bytes on every run,
 * and consecutive versions differ the way real builds do (a version file, a few
 * changed lines, one rebuilt library), so their deltas are small.
 * The zip is written with the "stored" method (no compression), like many jar/zip
 * build outputs of already-compressed content.
 */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Deterministic pseudo-random bytes (xorshift32) from a text seed. */
function randomBytes(seed, length) {
  let x = 2166136261;
  for (const ch of seed) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A zip archive (stored entries, fixed timestamps) of [name, Buffer] pairs. */
export function zip(entries) {
  const DOS_TIME = 0, DOS_DATE = (2024 - 1980) << 9 | 1 << 5 | 1;
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0, 6); local.writeUInt16LE(0, 8);
    local.writeUInt16LE(DOS_TIME, 10); local.writeUInt16LE(DOS_DATE, 12); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBuf.length, 26); local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0, 8); central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12); central.writeUInt16LE(DOS_DATE, 14); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The release zip of `version` (about 600 KiB). */
export function makeRelease(version, name = 'app') {
  const [major, minor, patch] = version.split('.').map(Number);
  const entries = [['VERSION', Buffer.from(`${name} ${version}\n`)]];
  const lines = [];
  for (let i = 0; i < 2000; i++) lines.push(`export const feature${i} = ${i % 97 === patch ? `'v${version}'` : i};`);
  entries.push([`${name}/main.js`, Buffer.from(lines.join('\n') + '\n')]);
  for (let lib = 0; lib < 8; lib++) {
    // Each release rebuilds one library, which changes a few KiB of it; the rest are byte-identical.
    const data = randomBytes(`${name}-lib${lib}`, 64 * 1024);
    if (lib === (major + minor + patch) % 8) randomBytes(`${name}-lib${lib}-${version}`, 2048).copy(data, 4096 * ((minor + patch) % 15));
    entries.push([`${name}/lib/lib${lib}.so`, data]);
  }
  return zip(entries);
}
