#!/usr/bin/env bash
# Publishes build artifacts through deltaglider-proxy and reports the savings.
#
#   publish.sh <endpoint> <bucket> <prefix> <file>...
#
# Uploads each file to s3://<bucket>/<prefix>/<file name> with the aws CLI, then prints
#   - what this run sent and what the proxy stored for it (from /_/metrics counters),
#   - the bucket's overall savings (from /_/stats),
# once the proxy's background compactor has encoded them (at most PUBLISH_WAIT_SECONDS, 120).
#
# Keep every version of one artifact under the same prefix with the version in the
# file name (myapp/linux/myapp-1.4.2-linux.zip): a prefix is a deltaspace, and each
# version is stored as a delta against the first one uploaded there.
#
# Environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the proxy's DGP_ACCESS_KEY_ID /
# DGP_SECRET_ACCESS_KEY when it requires SigV4), AWS_DEFAULT_REGION (default us-east-1),
# AWS_CA_BUNDLE (a PEM file to trust, e.g. the proxy's self-signed certificate),
# AWS_CLI (the aws binary, default `aws`), PUBLISH_STATS=0 to skip the bucket totals
# (they list the whole store), PUBLISH_WAIT_SECONDS (default 120). Needs bash, curl, awk
# (7.75 or later, for --aws-sigv4) and the aws CLI.
set -euo pipefail

if [ "$#" -lt 4 ]; then
  echo "usage: $0 <endpoint> <bucket> <prefix> <file>..." >&2
  echo "example: $0 https://artifacts.example.com:9000 builds myapp/linux dist/myapp-1.4.2-linux.zip" >&2
  exit 2
fi
endpoint=${1%/}
bucket=$2
prefix=${3#/}
prefix=${prefix%/}
shift 3

AWS=${AWS_CLI:-aws}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_PAGER=""
curl_opts=(-fsS)
if [ -n "${AWS_CA_BUNDLE:-}" ]; then curl_opts+=(--cacert "$AWS_CA_BUNDLE"); fi

aws_s3() { "$AWS" --endpoint-url "$endpoint" "$@"; }

# /_/stats names every bucket: with SigV4 on, the proxy wants it signed like any S3 request.
stats_opts=("${curl_opts[@]}")
if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
  stats_opts+=(--aws-sigv4 "aws:amz:$AWS_DEFAULT_REGION:s3" --user "$AWS_ACCESS_KEY_ID:${AWS_SECRET_ACCESS_KEY:-}" -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
fi

# A counter from the proxy's Prometheus metrics (0 when unavailable).
metric() {
  curl "${curl_opts[@]}" "$endpoint/_/metrics" 2>/dev/null | awk -v name="$1" '$1 == name { printf "%.0f", $2; found = 1 } END { if (!found) printf "0" }' || echo 0
}

for f in "$@"; do
  if [ ! -f "$f" ]; then echo "publish.sh: no such file: $f" >&2; exit 2; fi
done

if ! aws_s3 s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  aws_s3 s3 mb "s3://$bucket" >/dev/null
fi

sent_before=$(metric deltaglider_put_original_bytes_total)
stored_before=$(metric deltaglider_put_stored_bytes_total)
saved_before=$(metric deltaglider_compactor_saved_bytes)
for f in "$@"; do
  dest="s3://$bucket/${prefix:+$prefix/}$(basename "$f")"
  aws_s3 s3 cp --only-show-errors "$f" "$dest"
  echo "uploaded $f -> $dest"
done
sent_after=$(metric deltaglider_put_original_bytes_total)
stored_after=$(metric deltaglider_put_stored_bytes_total)

# The proxy acknowledges uploads as they arrive and delta-encodes them in the background
# (deferred encoding, its default): wait for its compactor so the figures below are final.
wait=${PUBLISH_WAIT_SECONDS:-120}
while [ "$wait" -gt 0 ] && [ "$(metric deltaglider_compactor_queue_depth)" != 0 ]; do
  sleep 1
  wait=$((wait - 1))
done
saved_after=$(metric deltaglider_compactor_saved_bytes)

awk -v n="$#" -v sent="$((sent_after - sent_before))" -v stored="$((stored_after - stored_before - (saved_after - saved_before)))" 'BEGIN {
  if (sent > 0) printf "published %d file(s): %d bytes sent, %d bytes stored, %.1f%% saved\n", n, sent, stored, 100 * (1 - stored / sent)
  else printf "published %d file(s) (no metrics from the proxy: savings unknown)\n", n
}'

[ "${PUBLISH_STATS:-1}" = 0 ] && exit 0
# Bucket totals: {"bucket":"<name>","objects":N,"originalBytes":N,"storedBytes":N,"savingsPercent":N}
stats=$(curl "${stats_opts[@]}" "$endpoint/_/stats" 2>/dev/null || true)
line=$(printf '%s' "$stats" | grep -o "\"bucket\":\"$bucket\",\"objects\":[0-9]*,\"originalBytes\":[0-9]*,\"storedBytes\":[0-9]*,\"savingsPercent\":[-0-9.]*" || true)
if [ -n "$line" ]; then
  printf '%s\n' "$line" | awk -F'[:,]' -v b="$bucket" '{ printf "bucket %s: %s objects, %s bytes original, %s bytes stored, savings %s%%\n", b, $4, $6, $8, $10 }'
fi
