#!/usr/bin/env bash
# Proves the image without a container engine: stages the image's file tree (deploy/stage-image.sh), then runs the
# Dockerfile's exact ENTRYPOINT (paths under the staged tree) as the image's non-root user 10001 with the native cache
# read-only, and checks that the first job unpacks nothing. Runs a layer and a whole-model sharded round trip through
# the CLI, and, when this build has 'comq serve', starts the service and waits for /health/readiness.
# Usage: JAVA_HOME=<JDK 25> deploy/smoke.sh [service/target/comq.jar]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:-$root/service/target/comq.jar}
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
img="$work/image"
"$root/deploy/stage-image.sh" "$jar" "$img"

# the ENTRYPOINT and the default CMD, word by word, from the Dockerfile
mapfile -t entry < <(grep '^ENTRYPOINT' "$root/deploy/Dockerfile" | grep -o '"[^"]*"' | tr -d '"')
mapfile -t cmd < <(grep '^CMD' "$root/deploy/Dockerfile" | grep -o '"[^"]*"' | tr -d '"')
for k in "${!entry[@]}"; do
    entry[$k]=$(printf '%s' "${entry[$k]}" | sed -e "s#^/opt/#$img/opt/#" -e "s#^/app/#$img/app/#" \
        -e "s#=/opt/#=$img/opt/#")
done
echo "smoke: entrypoint ${entry[*]}"
as_user=()
if [ "$(id -u)" = 0 ]; then
    as_user=(setpriv --reuid=10001 --regid=10001 --clear-groups)
fi
chmod -R a-w "$img"
before=$(find "$img/opt/comq/javacpp-cache" -type f | wc -l)
mkdir -p "$work/run" && chmod 777 "$work/run"
run() {
    (cd "$work/run" && env HOME="$work/run" "${as_user[@]}" "${entry[@]}" "$@")
}

run layer --weights "$root/examples/layer/W.npy" --inputs "$root/examples/layer/X.npy" --method gptq \
    --out "$work/run/layer" --no-progress
run quantize --help | grep -q -- '--shard ' || { echo "smoke: comq quantize has no --shard" >&2; exit 1; }
run assemble --help > /dev/null
after=$(find "$img/opt/comq/javacpp-cache" -type f | wc -l)
if [ "$before" != "$after" ]; then
    echo "smoke: the native cache changed at run time ($before -> $after files)" >&2
    exit 1
fi
echo "smoke: CLI ran as uid 10001 from the staged image; native cache untouched ($after files)"

if run --help 2>/dev/null | grep -q "^  serve "; then
    port=18080
    mkdir -p "$work/run/data" && chmod 777 "$work/run/data"
    printf 'smoke-token-0123456789 smoke\n' > "$work/run/tokens" && chmod 644 "$work/run/tokens"
    (cd "$work/run" && exec env HOME="$work/run" COMQ_DATA_DIR="$work/run/data" COMQ_AUTH_TOKEN_FILE="$work/run/tokens" \
        MICRONAUT_SERVER_PORT=$port "${as_user[@]}" "${entry[@]}" "${cmd[@]}") > "$work/serve.log" 2>&1 &
    server=$!
    # the paths the Kubernetes probes use
    mapfile -t probes < <(grep -E '^ +path: /' "$root/k8s/base/deployment.yaml" | awk '{print $2}' | sort -u)
    [ "${#probes[@]}" -ge 2 ] || { echo "smoke: no probe paths in k8s/base/deployment.yaml" >&2; exit 1; }
    for _ in $(seq 1 120); do
        if curl -fsS "http://127.0.0.1:$port${probes[0]}" > /dev/null 2>&1; then
            for p in "${probes[@]}"; do
                curl -fsS "http://127.0.0.1:$port$p" > /dev/null
            done
            echo "smoke: 'comq ${cmd[*]}' is up on :$port; the probes' paths answer 200: ${probes[*]}"
            exit 0
        fi
        if ! kill -0 "$server" 2>/dev/null; then break; fi
        sleep 1
    done
    echo "smoke: the service did not become ready" >&2
    cat "$work/serve.log" >&2
    exit 1
else
    echo "smoke: this build has no 'comq serve' yet: the service's health is not checked"
fi
