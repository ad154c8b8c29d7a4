// Child process: one codec measurement (after an untimed warm-up), so the parent can read
// this process's peak RSS.
//   node codec-child.mjs <xdelta3|xdelta3-9|typescript> <encode|decode> <reference> <input> <output>
// Prints {"ms", "size", "selfHwm"} (selfHwm: this node process's VmHWM in bytes; the
// parent also samples the whole process tree, which includes a spawned xdelta3).
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Xdelta3Codec } from '../../dist/index.js';
const [name, op, ref, input, out] = process.argv.slice(2);
let codec;
if (name === 'xdelta3') codec = new Xdelta3Codec();
else if (name === 'xdelta3-9') codec = new Xdelta3Codec({ level: 9 });
else {
  const { TypeScriptCodec } = await import('../../dist/core/codec/vcdiff/index.js');
  codec = new TypeScriptCodec();
}
// Warm-up, untimed: the same operation on the first MiB of the same files. A running
// proxy's codec is warm (worker thread started, code compiled by the JIT); without
// this the TypeScript figures would time a cold start that happens once per process.
// The warm-up target mixes the reference's bytes with the input's (compressed delta or
// target bytes): a copy of the reference alone never reaches the decoder's literal
// paths (ADDs, LZMA literals), which then ran unoptimized in the timed decode.
const warm = mkdtempSync(join(tmpdir(), 'dg-codec-warm-'));
try {
  const head = (p, name) => {
    const fd = openSync(p, 'r');
    const buf = Buffer.alloc(Math.min(1 << 20, fstatSync(fd).size));
    readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    writeFileSync(join(warm, name), buf);
    return join(warm, name);
  };
  const wRef = head(ref, 'ref');
  const wTgt = op === 'encode' ? head(input, 'tgt') : mixed(wRef, input, join(warm, 'tgt'));
  await codec.encode(wRef, wTgt, join(warm, 'delta'));
  if (op === 'decode') await codec.decode(wRef, join(warm, 'delta'), join(warm, 'out'));
} finally {
  rmSync(warm, { recursive: true, force: true });
}
/** The reference head with every other 16 KiB block taken from `other` instead. */
function mixed(refHead, other, path) {
  const out = readFileSync(refHead);
  const fd = openSync(other, 'r');
  for (let at = 16 << 10; at < out.length; at += 32 << 10) readSync(fd, out, at, Math.min(16 << 10, out.length - at), at);
  closeSync(fd);
  writeFileSync(path, out);
  return path;
}
const t0 = performance.now();
const r = op === 'encode' ? await codec.encode(ref, input, out) : await codec.decode(ref, input, out);
const ms = performance.now() - t0;
// The next upload into the same deltaspace: the TypeScript codec's worker still holds the
// reference loaded and indexed (xdelta3 starts from scratch every time).
let msNext;
if (op === 'encode') {
  const t1 = performance.now();
  await codec.encode(ref, input, out);
  msNext = performance.now() - t1;
}
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
process.stdout.write(JSON.stringify({ ms, msNext, size: r.size, selfHwm: hwm, maxRSS: process.resourceUsage().maxRSS * 1024 }) + '\n');
