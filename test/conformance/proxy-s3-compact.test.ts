/** S3 conformance cases against: proxy-s3-compact (see test/conformance/lib/targets.ts). */
import t from 'tap';
import { runTarget } from './lib/run.js';

await runTarget(t, 'proxy-s3-compact');
