/**
 * The checks CopyObject makes before any byte moves: the metadata directive, and the
 * refusal to copy an object onto itself without changing anything. One rule for every surface.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { S3Error } from './error-table.js';

/** What CopyObject does with the source's metadata. */
export type MetadataDirective = 'COPY' | 'REPLACE';

/** A CopyObject request's source, destination and `x-amz-metadata-directive` (absent: COPY). */
export interface CopyRequest {
  sourceBucket: string;
  sourceKey: string;
  bucket: string;
  key: string;
  metadataDirective?: string;
}

/**
 * The directive in effect. An unknown directive is InvalidArgument; a COPY onto the
 * source itself is InvalidRequest, as S3 answers both.
 */
export function resolveCopyDirective(request: CopyRequest): MetadataDirective {
  const directive = (request.metadataDirective ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new InvalidArgumentError('Unknown metadata directive.');
  if (directive === 'COPY' && request.sourceBucket === request.bucket && request.sourceKey === request.key) {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  return directive;
}
