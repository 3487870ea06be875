#!/usr/bin/env bash
# Builds the cpp-host embedder as a Node addon: target/cpphost/jwtgate_cpphost.node, linking
# Envoy's proxy-wasm host library and the WAMR interpreter built from ../shared/third_party by
# ../shared/tools/cpphost/build.sh (never copied into this repository). No node-gyp: the Node-API
# headers come from the installed Node (Debian's nodejs ships them) or, failing that, from npm's
# node-api-headers. Idempotent; exits 3 when ../shared/third_party is not there.
# Usage: bash tests/envoy/cpphost/build.sh   (prints the addon's path on its last line)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/tests/envoy/cpphost"
out="${CPPHOST_OUT:-$root/target/cpphost}"
shared=""
for d in "$root/../shared" "$root/../../shared"; do
  if [ -f "$d/tools/cpphost/build.sh" ] && [ -d "$d/third_party/proxy-wasm-cpp-host" ]; then shared="$(cd "$d" && pwd)"; break; fi
done
if [ -z "$shared" ]; then
  echo "cpphost: ../shared/third_party (proxy-wasm-cpp-host, WAMR) not found" >&2
  exit 3
fi
mkdir -p "$out"
nice bash "$shared/tools/cpphost/build.sh" "$out" >&2

inc=""
node_bin="$(readlink -f "$(command -v node)")"
for d in "$(dirname "$node_bin")/../include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then inc="$d"; break; fi
done
if [ -z "$inc" ]; then
  if [ ! -f "$out/node-api-headers/node_modules/node-api-headers/include/node_api.h" ]; then
    mkdir -p "$out/node-api-headers"
    (cd "$out/node-api-headers" && npm install --no-audit --no-fund --loglevel=error --no-save node-api-headers@1 >&2)
  fi
  inc="$out/node-api-headers/node_modules/node-api-headers/include"
fi

addon="$out/jwtgate_cpphost.node"
srcs=("$here/addon.cc" "$here/embedder.cc")
stale=0
[ -f "$addon" ] || stale=1
for f in "${srcs[@]}" "$here/embedder.h" "$out/libproxy_wasm_host.a" "$out/libiwasm.a"; do
  if [ "$f" -nt "$addon" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  # shellcheck disable=SC2046
  nice g++ $(cat "$out/flags") -I"$inc" -DNODE_GYP_MODULE_NAME=jwtgate_cpphost -DNAPI_VERSION=8 \
    -O2 -g0 -Wall -Wno-unused-parameter -shared -o "$addon.tmp" "${srcs[@]}" \
    "$out/libproxy_wasm_host.a" "$out/libiwasm.a" -lcrypto -lpthread -ldl -lm -Wl,-z,noexecstack
  mv "$addon.tmp" "$addon"
fi
echo "$addon"
