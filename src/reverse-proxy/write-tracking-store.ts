/**
 * An ObjectStore that reports every completed write (put, delete, bucket create/delete)
 * of this process, so cached summaries such as /_/stats are dropped the moment they
 * stop being true: a client that reads stats right after its upload sees it.
 */
import type { BucketInfo, ByteRange, GetResult, ListOptions, ListPage, ObjectStore, PutOptions, PutSource, StoredObjectInfo } from '../core/store/object-store.js';

/** Wraps `inner`; `onWrite` runs after each write settles (failed writes may have changed something too). */
export class WriteTrackingStore implements ObjectStore {
  constructor(
    readonly inner: ObjectStore,
    private readonly onWrite: () => void,
  ) {}

  get description(): string {
    return this.inner.description;
  }

  private async tracked<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.onWrite();
    }
  }

  headObject(bucket: string, key: string): Promise<StoredObjectInfo | undefined> {
    return this.inner.headObject(bucket, key);
  }
  getObject(bucket: string, key: string, range?: ByteRange): Promise<GetResult> {
    return this.inner.getObject(bucket, key, range);
  }
  putObject(bucket: string, key: string, source: PutSource, options: PutOptions): Promise<{ etag: string }> {
    return this.tracked(this.inner.putObject(bucket, key, source, options));
  }
  deleteObject(bucket: string, key: string): Promise<void> {
    return this.tracked(this.inner.deleteObject(bucket, key));
  }
  deleteObjects(bucket: string, keys: string[]): Promise<{ errors: { key: string; error: Error }[] }> {
    return this.tracked(this.inner.deleteObjects(bucket, keys));
  }
  listObjects(bucket: string, options: ListOptions): Promise<ListPage> {
    return this.inner.listObjects(bucket, options);
  }
  createBucket(bucket: string): Promise<void> {
    return this.tracked(this.inner.createBucket(bucket));
  }
  headBucket(bucket: string): Promise<boolean> {
    return this.inner.headBucket(bucket);
  }
  deleteBucket(bucket: string): Promise<void> {
    return this.tracked(this.inner.deleteBucket(bucket));
  }
  listBuckets(): Promise<BucketInfo[]> {
    return this.inner.listBuckets();
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
}
