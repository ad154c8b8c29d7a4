/** S3 conformance cases against: s3rver (see test/conformance/lib/targets.ts). */
import t from 'tap';
import { runTarget } from './lib/run.js';

await runTarget(t, 's3rver');
