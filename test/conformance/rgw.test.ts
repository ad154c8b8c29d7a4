/** S3 conformance cases against: rgw (see test/conformance/lib/targets.ts). */
import t from 'tap';
import { runTarget } from './lib/run.js';

await runTarget(t, 'rgw');
