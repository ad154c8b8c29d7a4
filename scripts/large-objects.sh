#!/usr/bin/env bash
# Large objects through real clients at their default settings (issue 25): for each size,
# surface and client, upload a random file (the first of its deltaspace: the reference),
# then a near-copy (stored as a delta), download the near-copy and compare bytes. Prints
# one line per run: time of each step, the server's peak RSS (VmHWM of the node process,
# codec worker threads included) and the peak RSS of its child processes (xdelta3).
#
#   scripts/large-objects.sh                         # 1 GiB, every surface and client
#   SIZES_MIB="1024 5120" scripts/large-objects.sh    # add 5 GiB (needs ~8x the size of free disk)
#   SURFACES="proxy-fs" CLIENTS="aws boto3" CODEC=xdelta3 scripts/large-objects.sh
#   ENCODE=inline scripts/large-objects.sh            # encode inside the PUT (default: deferred)
#
# Surfaces: proxy-fs proxy-s3rver middleware-fs middleware-s3rver plugin (the SDK plugin in
# the client process, over s3rver, uploading with lib-storage; its RSS is the client's).
# Clients: aws (aws CLI), rclone, s3cmd, boto3 (upload_file/download_file: the transfer
# manager), lib-storage (@aws-sdk/lib-storage Upload). Needs `npm run build` first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZES_MIB=${SIZES_MIB:-1024}
SURFACES=${SURFACES:-"proxy-fs proxy-s3rver middleware-fs middleware-s3rver plugin"}
CLIENTS=${CLIENTS:-"aws rclone s3cmd boto3 lib-storage"}
CODEC=${CODEC:-auto}
# The proxy's default; the middleware's own default is inline (set ENCODE=inline to compare).
ENCODE=${ENCODE:-deferred}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dg-large-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Peak summed RSS of a process's children, sampled every 200 ms into $WORK/child-peak.
sample_children() {
  local pid=$1 peak=0
  while kill -0 "$pid" 2>/dev/null; do
    local sum=0
    for c in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do sum=$((sum + $(awk '/VmRSS/ {print $2}' "/proc/$c/status" 2>/dev/null || echo 0))); done
    [ "$sum" -gt "$peak" ] && peak=$sum && echo "$peak" > "$WORK/child-peak"
    sleep 0.2
  done
}

# Starts s3rver; sets S3_URL. (Not a $(...): the server would hold the substitution's pipe open.)
start_s3rver() {
  local port; port=$(free_port)
  mkdir -p "$WORK/s3rver"
  (cd "$ROOT" && exec node -e "
    const S3rver = require('s3rver');
    new S3rver({ port: $port, address: '127.0.0.1', silent: true, directory: '$WORK/s3rver' }).run();
  ") >/dev/null &
  PIDS+=($!)
  wait_port "$port"
  S3_URL="http://127.0.0.1:$port"
}

# Starts a surface; sets URL and SERVER_PID.
start_surface() {
  local surface=$1 port
  rm -rf "$WORK/data" "$WORK/s3rver"; mkdir -p "$WORK/data"
  case $surface in
    proxy-fs|proxy-s3rver)
      port=$(free_port)
      local backend=(DGP_DATA_DIR="$WORK/data")
      [ "$surface" = proxy-s3rver ] && start_s3rver && backend=(DGP_S3_ENDPOINT="$S3_URL" DGP_BE_AWS_ACCESS_KEY_ID=S3RVER DGP_BE_AWS_SECRET_ACCESS_KEY=S3RVER)
      env "${backend[@]}" DGP_LISTEN_ADDR="127.0.0.1:$port" DGP_UI_ADDR=off DGP_LOG_LEVEL=warn DGP_CODEC="$CODEC" DGP_ENCODE="$ENCODE" TMPDIR="$WORK" node "$ROOT/dist/reverse-proxy/cli.js" &
      SERVER_PID=$!; PIDS+=($SERVER_PID)
      wait_port "$port"; URL="http://127.0.0.1:$port" ;;
    middleware-fs|middleware-s3rver)
      local where="$WORK/data" kind=fs
      [ "$surface" = middleware-s3rver ] && start_s3rver && where=$S3_URL && kind=s3
      DG_TEMP_DIR="$WORK/mw-tmp" DG_CODEC="$CODEC" DG_ENCODE="$ENCODE" node "$ROOT/bench/lib/middleware-child.mjs" "$kind" "$where" > "$WORK/mw.json" &
      SERVER_PID=$!; PIDS+=($SERVER_PID)
      for _ in $(seq 1 100); do [ -s "$WORK/mw.json" ] && break; sleep 0.1; done
      URL=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$WORK/mw.json','utf8')).url)") ;;
    plugin)
      start_s3rver; URL=$S3_URL; SERVER_PID="" ;;
  esac
  rm -f "$WORK/child-peak"
  [ -n "$SERVER_PID" ] && { sample_children "$SERVER_PID" & PIDS+=($!); }
  return 0
}

# client <client> <put|get> <file> <key>
client() {
  local c=$1 op=$2 file=$3 key=$4
  case $c in
    aws)
      if [ "$op" = put ]; then /usr/bin/aws --endpoint-url "$URL" s3 cp --no-progress "$file" "s3://large/$key" >/dev/null
      else /usr/bin/aws --endpoint-url "$URL" s3 cp --no-progress "s3://large/$key" "$file" >/dev/null; fi ;;
    rclone)
      # rclone refuses AWS_CA_BUNDLE with its own HTTP transport ("unable to load custom CA
      # bundle"), and plain http needs none.
      local r=(env -u AWS_CA_BUNDLE rclone --s3-provider Other --s3-endpoint "$URL" --s3-access-key-id S3RVER --s3-secret-access-key S3RVER --s3-region us-east-1)
      if [ "$op" = put ]; then "${r[@]}" copyto "$file" ":s3:large/$key"; else "${r[@]}" copyto ":s3:large/$key" "$file"; fi ;;
    s3cmd)
      local hp=${URL#http://}
      local s=(s3cmd --no-ssl --host="$hp" --host-bucket="$hp" --access_key=S3RVER --secret_key=S3RVER --region=us-east-1 -q)
      if [ "$op" = put ]; then "${s[@]}" put "$file" "s3://large/$key"; else "${s[@]}" --force get "s3://large/$key" "$file"; fi ;;
    boto3)
      python3 - "$URL" "$op" "$file" "$key" <<'PY'
import sys, boto3
url, op, path, key = sys.argv[1:]
s3 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', aws_access_key_id='S3RVER', aws_secret_access_key='S3RVER')
(s3.upload_file(path, 'large', key) if op == 'put' else s3.download_file('large', key, path))
PY
      ;;
    lib-storage)
      (cd "$ROOT" && node --input-type=module - "$URL" "$op" "$file" "$key" "$SURFACE" <<'JS'
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
const [url, op, path, key, surface] = process.argv.slice(2);
const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
let plugin;
if (surface === 'plugin') {
  const { deltaGlider } = await import('./dist/sdk-plugin/index.js');
  plugin = deltaGlider();
  client.middlewareStack.use(plugin);
}
if (op === 'put') await new Upload({ client, params: { Bucket: 'large', Key: key, Body: createReadStream(path) } }).done();
else await pipeline((await client.send(new GetObjectCommand({ Bucket: 'large', Key: key }))).Body, createWriteStream(path));
await plugin?.close();
client.destroy();
const hwm = /VmHWM:\s+(\d+)/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1];
(await import('node:fs')).appendFileSync(process.env.CLIENT_HWM_FILE ?? '/dev/null', `${hwm}\n`);
JS
      ) ;;
  esac
}

now() { date +%s.%N; }
printf '%-18s %-12s %6s %9s %9s %9s %-6s %-9s %10s %10s %10s\n' surface client MiB 'put1 s' 'put2 s' 'get2 s' exact stored 'delta s' 'peak MiB' 'child MiB'
for size in $SIZES_MIB; do
  head -c "$((size * 1024 * 1024))" /dev/urandom > "$WORK/v1.zip"
  cp "$WORK/v1.zip" "$WORK/v2.zip"
  for at in 5000000 $((size * 1024 * 512)) $((size * 1024 * 1024 - 100)); do printf 'a small edit' | dd of="$WORK/v2.zip" bs=1 seek="$at" conv=notrunc status=none; done
  for SURFACE in $SURFACES; do
    for c in $CLIENTS; do
      [ "$SURFACE" = plugin ] && [ "$c" != lib-storage ] && continue
      start_surface "$SURFACE"
      /usr/bin/aws --endpoint-url "$URL" s3 mb s3://large >/dev/null 2>&1 || true
      export CLIENT_HWM_FILE="$WORK/client-hwm"; rm -f "$CLIENT_HWM_FILE"
      t0=$(now); status=ok
      client "$c" put "$WORK/v1.zip" "big/v1.zip" || status=put1-failed
      t1=$(now)
      client "$c" put "$WORK/v2.zip" "big/v2.zip" || status=put2-failed
      t2=$(now)
      client "$c" get "$WORK/v2.out" "big/v2.zip" || status=get-failed
      t3=$(now)
      exact=no; cmp -s "$WORK/v2.out" "$WORK/v2.zip" && exact=yes
      rm -f "$WORK/v2.out"
      # Deferred encoding (the proxy's and the middleware's default) stores the near-copy as
      # it arrives and compacts it after: wait for the delta, up to WAIT_DELTA_S.
      stored=""; waited=0
      while :; do
        if [ "$SURFACE" = plugin ]; then
          # The plugin's backend is plain s3rver: a delta is the `.delta` key next to the name.
          stored=$(curl -s -o /dev/null -w '%{http_code}' -I "$URL/large/big/v2.zip.delta" | sed 's/^200$/delta/; s/^404$/passthrough/')
          break
        fi
        stored=$(curl -sI "$URL/large/big/v2.zip" | awk -F': ' 'tolower($1)=="x-amz-storage-type" {gsub("\r","",$2); print $2}')
        [ "$stored" != passthrough ] || [ "$waited" -ge "${WAIT_DELTA_S:-900}" ] && break
        sleep 1; waited=$((waited + 1))
      done
      t4=$(now)
      if [ -n "$SERVER_PID" ]; then peak=$(( $(hwm_kib "$SERVER_PID") / 1024 )); else peak=$(( $(sort -n "$CLIENT_HWM_FILE" 2>/dev/null | tail -1 || echo 0) / 1024 ))" (client)"; fi
      child=$(( $(cat "$WORK/child-peak" 2>/dev/null || echo 0) / 1024 ))
      printf '%-18s %-12s %6s %9.1f %9.1f %9.1f %-6s %-9s %10.1f %10s %10s %s\n' "$SURFACE" "$c" "$size" "$(echo "$t1-$t0" | bc)" "$(echo "$t2-$t1" | bc)" "$(echo "$t3-$t2" | bc)" "$exact" "${stored:-?}" "$(echo "$t4-$t2" | bc)" "$peak" "$child" "$([ $status = ok ] || echo $status)"
      for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; PIDS=(); sleep 0.5
    done
  done
done
