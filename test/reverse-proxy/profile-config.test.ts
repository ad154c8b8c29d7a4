/** The proxy's profile settings: environment, TOML overrides, eager errors. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/reverse-proxy/config.js';
import { parseProfileRules, profileByPrefix } from '../../src/index.js';

t.test('the default profile is compatible, compression 7, gzip-aware on', async (t) => {
  const c = loadConfig({});
  t.equal(c.profile, 'compatible');
  t.same(c.profileOverrides, []);
  t.equal(c.compressionLevel, 7);
  t.equal(c.gzipAware, true);
});

t.test('DGP_PROFILE and DGP_PROFILE_OVERRIDES select per bucket and prefix, longest prefix first', async (t) => {
  const c = loadConfig({ DGP_PROFILE: 'compact', DGP_PROFILE_OVERRIDES: 'legacy=compatible, builds/nightly/=compatible,builds/nightly/keep/=compact' });
  const select = profileByPrefix(c.profile, parseProfileRules(c.profileOverrides));
  t.equal(select('other', 'x.zip'), 'compact');
  t.equal(select('legacy', 'a/b.zip'), 'compatible');
  t.equal(select('builds', 'release/a.zip'), 'compact');
  t.equal(select('builds', 'nightly/a.zip'), 'compatible');
  t.equal(select('builds', 'nightly/keep/a.zip'), 'compact');
});

t.test('TOML: profile and profile_overrides as an array', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-toml-'));
  const file = join(dir, 'p.toml');
  writeFileSync(file, 'profile = "compatible"\nprofile_overrides = ["releases/app/=compact"]\ncompression_level = 9\ngzip_aware = false\n');
  const c = loadConfig({}, file);
  t.same(c.profileOverrides, ['releases/app/=compact']);
  t.equal(c.compressionLevel, 9);
  t.equal(c.gzipAware, false);
  t.equal(profileByPrefix(c.profile, parseProfileRules(c.profileOverrides))('releases', 'app/v1.zip'), 'compact');
});

t.test('bad values stop start-up with a message naming the setting', async (t) => {
  t.throws(() => loadConfig({ DGP_PROFILE: 'small' }), new ConfigError('invalid DGP_PROFILE="small": expected compatible or compact'));
  t.throws(() => loadConfig({ DGP_PROFILE_OVERRIDES: 'builds:compact' }), /invalid DGP_PROFILE_OVERRIDES="builds:compact": expected a comma-separated list of bucket\[\/prefix\]=compatible\|compact/);
  t.throws(() => loadConfig({ DGP_COMPRESSION_LEVEL: '12' }), /invalid DGP_COMPRESSION_LEVEL="12": expected an integer 0..11/);
});
