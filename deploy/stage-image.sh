#!/usr/bin/env bash
# Lays out the runtime image's file tree under OUT, exactly as deploy/Dockerfile copies it into the image:
#   OUT/opt/java                    a JDK 25 runtime made by jlink (the modules comq and the service use)
#   OUT/app/comq.jar                the shaded jar (CLI and service)
#   OUT/opt/comq/javacpp-cache      the native libraries of ND4J and OpenBLAS, unpacked once here (about 400 MB) by
#                                   running a tiny ND4J op and a GPTQ layer with the staged runtime and jar, so that
#                                   the first job in a container unpacks nothing (the cache is read-only there)
# Usage: JAVA_HOME=<JDK 25> deploy/stage-image.sh service/target/comq.jar OUT
set -euo pipefail
jar=${1:?usage: stage-image.sh JAR OUT}
out=${2:?usage: stage-image.sh JAR OUT}
here=$(cd "$(dirname "$0")" && pwd)
java_home=${JAVA_HOME:?set JAVA_HOME to a JDK 25}
if ! "$java_home/bin/java" -version 2>&1 | grep -q 'version "25'; then
    echo "stage-image: JAVA_HOME=$java_home is not a JDK 25" >&2
    exit 2
fi
# java.se plus what ND4J (jdk.unsupported), the Vector API kernels, JMX health (jdk.management), TLS to S3 and
# PostgreSQL (jdk.crypto.ec), zip file systems and DNS need
modules=java.se,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.naming.dns,jdk.jfr
rm -rf "$out"
mkdir -p "$out/opt" "$out/app" "$out/opt/comq"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
    --output "$out/opt/java"
cp "$jar" "$out/app/comq.jar"
java=("$out/opt/java/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      --sun-misc-unsafe-memory-access=allow -Xss4m "-Dorg.bytedeco.javacpp.cachedir=$out/opt/comq/javacpp-cache"
      -jar "$out/app/comq.jar")
warm=$(mktemp -d)
trap 'rm -rf "$warm"' EXIT
# OpenBLAS through JavaCPP (GPTQ's Cholesky) and ND4J (the sgemm reference of comq bench)
"${java[@]}" layer --weights "$here/../examples/layer/W.npy" --inputs "$here/../examples/layer/X.npy" --method gptq \
    --out "$warm/layer" --no-progress
"${java[@]}" bench --layers 64x64 --methods rtn --sgemm-size 64 --repeats 1 > "$warm/bench.txt"
chmod -R a+rX,go-w "$out"
echo "stage-image: $(du -sh "$out/opt/java" | cut -f1) runtime, $(du -sh "$out/opt/comq/javacpp-cache" | cut -f1) native cache in $out"
