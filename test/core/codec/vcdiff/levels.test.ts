import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODEC_LEVELS, codecLevelFromNumber, parseCodecLevel } from '../../../../src/core/codec/codec-level.js';
import { TypeScriptCodec, typescriptCodecCommand } from '../../../../src/core/codec/vcdiff/index.js';
import { codecOptionsFromConfig } from '../../../../src/reverse-proxy/engine-from-config.js';
import { mutate, NO_XDELTA3, randomBytes, rng, structured, tempDir, XDELTA3 } from './helpers.js';

/** A binary-like and a text-like pair, each a reference and an edited version of it. */
function pairs(dir: string): { name: string; ref: string; tgt: string; target: Buffer }[] {
  const r = rng(41);
  const bin = Buffer.concat([randomBytes(r, 1 << 20), structured(r, 1 << 20)]);
  const words = Array.from({ length: 400 }, () => Buffer.from(randomBytes(r, 3 + Math.floor(r() * 8), 26).map((b) => 97 + b)).toString('latin1'));
  const text = Buffer.from(Array.from({ length: 200_000 }, () => words[Math.floor(r() * words.length)]).join(' '));
  return [
    ['binary', bin],
    ['text', text],
  ].map(([name, ref]) => {
    const target = mutate(r, ref as Buffer, 300);
    writeFileSync(join(dir, `${name}.ref`), ref as Buffer);
    writeFileSync(join(dir, `${name}.tgt`), target);
    return { name: name as string, ref: join(dir, `${name}.ref`), tgt: join(dir, `${name}.tgt`), target };
  });
}

t.test('every level round-trips and records itself in dg-delta-cmd', async (t) => {
  const dir = tempDir(t);
  const codec = new TypeScriptCodec({ workers: false });
  for (const p of pairs(dir)) {
    const sizes: Record<string, number> = {};
    for (const level of CODEC_LEVELS) {
      const delta = join(dir, `${p.name}.${level}.delta`);
      const enc = await codec.encode(p.ref, p.tgt, delta, { level });
      t.equal(enc.command, typescriptCodecCommand(level), `${p.name} ${level}: the command names the level`);
      await codec.decode(p.ref, delta, join(dir, 'out'));
      t.ok(readFileSync(join(dir, 'out')).equals(p.target), `${p.name} ${level}: byte-exact`);
      sizes[level] = enc.size;
    }
    // Heuristic search: more effort may lose a few bytes here and there, never much.
    t.ok(sizes.best! <= sizes.fast! * 1.01 && sizes.default! <= sizes.fast! * 1.02, `${p.name}: more effort gives no larger delta, within 1-2% (${JSON.stringify(sizes)})`);
    t.ok(sizes.fast! < p.target.length / 5, `${p.name}: even fast finds the copies`);
  }
});

t.test('xdelta3 -d decodes the deltas of every level', { skip: XDELTA3 ? false : NO_XDELTA3 }, async (t) => {
  const dir = tempDir(t);
  const codec = new TypeScriptCodec({ workers: false });
  for (const p of pairs(dir)) {
    for (const level of CODEC_LEVELS) {
      const delta = join(dir, `${p.name}.${level}.delta`);
      await codec.encode(p.ref, p.tgt, delta, { level });
      const out = join(dir, `${p.name}.${level}.xd3`);
      execFileSync(XDELTA3!, ['-d', '-D', '-f', '-s', p.ref, delta, out]);
      t.ok(readFileSync(out).equals(p.target), `${p.name} ${level}: xdelta3 -d gives the target`);
    }
  }
});

t.test('levels are validated and DGP_CODEC_LEVEL numbers map onto them', async (t) => {
  t.throws(() => new TypeScriptCodec({ workers: false, level: 'turbo' as never }), { message: /codecLevel must be one of fast, default, best/ });
  t.equal(parseCodecLevel('best'), 'best');
  t.same([0, 3, 4, 6, 7, 9].map(codecLevelFromNumber), ['fast', 'fast', 'default', 'default', 'best', 'best']);
  t.same(codecOptionsFromConfig({ codec: 'auto', codecLevel: 'fast' }), { codec: 'auto', level: 'fast', xdelta3: { level: 3 } });
  t.same(codecOptionsFromConfig({ codec: 'xdelta3', codecLevel: 9 }), { codec: 'xdelta3', level: 'best', xdelta3: { level: 9 } });
  t.equal(new TypeScriptCodec({ workers: false }).level, 'default', 'default is the default');
});
