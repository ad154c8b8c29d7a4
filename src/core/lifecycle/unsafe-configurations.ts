/**
 * The bucket and object configurations deltaglider refuses, and why: each would let the
 * backend delete, hide or move a reference.bin that live deltas need, or promise a
 * protection deltaglider cannot give. One table for every surface (S3 handler, SDK plugin).
 */

/** Why bucket versioning is refused (also the root reason behind object lock and replication). */
export const VERSIONING_REASON =
  'deltaglider does not support bucket versioning: a delete of reference.bin would leave a delete marker that hides the baseline of every live delta of its deltaspace, and old versions of deltas would need references that were collected';

/** Why Object Lock (bucket configuration, retention, legal hold, lock headers) is refused. */
export const OBJECT_LOCK_REASON = `deltaglider does not support S3 Object Lock: it requires bucket versioning (${VERSIONING_REASON}), and a lock on a delta-stored object would lock a backend object, not yours`;

/** S3 operation -> why deltaglider refuses it (PutBucketVersioning: only Status Enabled). */
export const UNSAFE_CONFIGURATION_REASONS: Readonly<Record<string, string>> = {
  PutBucketVersioning: VERSIONING_REASON,
  PutObjectLockConfiguration: OBJECT_LOCK_REASON,
  PutObjectRetention: OBJECT_LOCK_REASON,
  PutObjectLegalHold: OBJECT_LOCK_REASON,
  PutBucketReplication: `deltaglider does not support bucket replication: S3 replication requires versioning (${VERSIONING_REASON}), and it copies backend objects one by one, so a replica can hold deltas without the reference.bin they need`,
  PutBucketIntelligentTieringConfiguration:
    'deltaglider refuses S3 Intelligent-Tiering archive configurations: a reference.bin moved to an archive tier makes every delta of its deltaspace unreadable until it is restored',
};
