// Child process: one codec measurement, so the parent can read this process's peak RSS.
//   node codec-child.mjs <xdelta3|xdelta3-9|typescript> <encode|decode> <reference> <input> <output>
// Prints {"ms", "size", "selfHwm"} (selfHwm: this node process's VmHWM in bytes; the
// parent also samples the whole process tree, which includes a spawned xdelta3).
import { readFileSync } from 'node:fs';
import { Xdelta3Codec } from '../../dist/index.js';
const [name, op, ref, input, out] = process.argv.slice(2);
let codec;
if (name === 'xdelta3') codec = new Xdelta3Codec();
else if (name === 'xdelta3-9') codec = new Xdelta3Codec({ level: 9 });
else {
  const { TypeScriptCodec } = await import('../../dist/core/codec/vcdiff/index.js');
  codec = new TypeScriptCodec();
}
const t0 = performance.now();
const r = op === 'encode' ? await codec.encode(ref, input, out) : await codec.decode(ref, input, out);
const ms = performance.now() - t0;
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
process.stdout.write(JSON.stringify({ ms, size: r.size, selfHwm: hwm, maxRSS: process.resourceUsage().maxRSS * 1024 }) + '\n');
