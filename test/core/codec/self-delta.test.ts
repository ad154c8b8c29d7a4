/**
 * The self-delta (the first upload of a deltaspace against itself) is written without an
 * encoder run; it must decode to the file with our decoder and with the real xdelta3.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TypeScriptCodec } from '../../../src/core/codec/vcdiff/index.js';
import { SELF_DELTA_WINDOW, writeSelfDelta } from '../../../src/core/codec/vcdiff/self-delta.js';
import { randomBytesSeeded } from '../../helpers/data.js';

const run = promisify(execFile);
const XDELTA3 = '/usr/bin/xdelta3';
const dir = mkdtempSync(join(tmpdir(), 'dg-self-delta-'));
const codec = new TypeScriptCodec();

for (const size of [0, 1, 3, 4, 18, 19, 100_000, SELF_DELTA_WINDOW, 2 * SELF_DELTA_WINDOW + 5]) {
  t.test(`a self-delta of ${size} bytes decodes to the file`, async (t) => {
    const file = join(dir, `f${size}`);
    const delta = join(dir, `f${size}.delta`);
    const data = randomBytesSeeded(size, size + 1);
    writeFileSync(file, data);
    const r = await writeSelfDelta(size, delta);
    t.equal(r.size, statSync(delta).size, 'reported size is the file size');
    t.ok(r.size < 64 + Math.ceil(size / SELF_DELTA_WINDOW) * 24, `tiny (${r.size} bytes)`);
    const ours = join(dir, `f${size}.ours`);
    await codec.decode(file, delta, ours);
    t.ok(readFileSync(ours).equals(data), 'our decoder rebuilds the file');
    await t.test('xdelta3 -d rebuilds the file', { skip: existsSync(XDELTA3) ? false : `${XDELTA3} missing (apt-get install xdelta3)` }, async (t) => {
      const theirs = join(dir, `f${size}.xd3`);
      await run(XDELTA3, ['-d', '-f', '-s', file, delta, theirs]);
      t.ok(readFileSync(theirs).equals(data));
    });
  });
}
