/**
 * Target ids and the result file format: no runtime imports, so the report
 * script stays light (it runs without starting any server).
 */
export type TargetId =
  | 's3rver'
  | 'plugin'
  | 'middleware'
  | 'proxy-s3'
  | 'proxy-fs'
  | 'proxy-auth'
  | 'plugin-compact'
  | 'middleware-compact'
  | 'proxy-s3-compact'
  | 'proxy-fs-compact'
  | 'rgw'
  | 'plugin-rgw'
  | 'middleware-rgw'
  | 'proxy-rgw'
  | 'plugin-rgw-compact'
  | 'middleware-rgw-compact'
  | 'proxy-rgw-compact';

/** Column order in docs/CONFORMANCE.md. */
export const TARGET_IDS: TargetId[] = ['s3rver', 'plugin', 'middleware', 'proxy-s3', 'proxy-fs', 'proxy-auth', 'plugin-compact', 'middleware-compact', 'proxy-s3-compact', 'proxy-fs-compact', 'rgw', 'plugin-rgw', 'middleware-rgw', 'proxy-rgw', 'plugin-rgw-compact', 'middleware-rgw-compact', 'proxy-rgw-compact'];

export const TARGET_TITLES: Record<TargetId, string> = {
  s3rver: 'bare s3rver (reference)',
  plugin: 'S3Client + deltaGlider() plugin -> s3rver',
  middleware: 'Express + deltaGliderMiddleware at /s3 -> s3rver',
  'proxy-s3': 'reverse proxy -> s3rver',
  'proxy-fs': 'reverse proxy -> filesystem store',
  'proxy-auth': 'reverse proxy with SigV4 auth -> s3rver',
  'plugin-compact': 'plugin, compact profile -> s3rver',
  'middleware-compact': 'middleware, compact profile -> s3rver',
  'proxy-s3-compact': 'reverse proxy, compact profile -> s3rver',
  'proxy-fs-compact': 'reverse proxy, compact profile -> filesystem store',
  rgw: 'bare Ceph RGW 16.2 (reference for the RGW columns)',
  'plugin-rgw': 'S3Client + deltaGlider() plugin -> Ceph RGW',
  'middleware-rgw': 'Express + deltaGliderMiddleware with SigV4 -> Ceph RGW',
  'proxy-rgw': 'reverse proxy with SigV4 -> Ceph RGW',
  'plugin-rgw-compact': 'plugin, compact profile -> Ceph RGW',
  'middleware-rgw-compact': 'middleware with SigV4, compact profile -> Ceph RGW',
  'proxy-rgw-compact': 'reverse proxy with SigV4, compact profile -> Ceph RGW',
};

export type CaseStatus = 'pass' | 'fail' | 'xfail' | 'skip';

export interface CaseResult {
  id: string;
  title: string;
  status: CaseStatus;
  /** xfail / skip reason, or the failure message. */
  reason?: string;
  /** An expected failure that passed: the annotation is stale, so the case counts as a failure. */
  unexpectedPass?: boolean;
  ms: number;
}

export interface TargetResults {
  target: TargetId;
  title: string;
  finishedAt: string;
  unavailable?: string;
  results: CaseResult[];
}
