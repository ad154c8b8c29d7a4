/** SigV4 names and limits shared by header auth, presigned URLs and the payload checks. */

/** S3's default allowed clock skew. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/** Longest lifetime of a presigned URL (7 days). */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604800;

/** The one signing algorithm accepted. */
export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** The answer to any SigV2-signed request (`Authorization: AWS ...` or `?AWSAccessKeyId=&Signature=&Expires=`). */
export const SIGV2_MESSAGE =
  'AWS Signature Version 2 is not supported: deltaglider accepts only Signature Version 4 (AWS4-HMAC-SHA256), in the Authorization header or a presigned URL with X-Amz-Algorithm=AWS4-HMAC-SHA256. Configure the client for SigV4 (s3cmd: without --signature-v2, signature_v2 = False; boto3: signature_version="s3v4").';

/** The service name in every credential scope. */
export const SERVICE = 's3';

/** The last element of every credential scope. */
export const TERMINATOR = 'aws4_request';
