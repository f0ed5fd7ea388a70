#!/usr/bin/env bash
# The numeric tests once more per OpenBLAS core (kernel family) this CPU can execute, forced with OPENBLAS_CORETYPE,
# so that a defect of one core's kernels (as OpenBLAS 0.3.19's SkylakeX LAPACK was) fails CI on any machine, not only
# on the CPU that auto-selects that core. Run after the main test run (it reuses the compiled classes).
# Usage: .ci/openblas-cores.sh [CORE ...]   (default: Haswell SkylakeX Cooperlake SapphireRapids Zen)
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests whose results rest on the native math: the self-test and guards, the reference vectors, GPTQ, the joint
# statistics of the corrected target, a large layer in both precisions, an external-data model and MiniLM end to end.
TESTS="${COMQ_CORE_TESTS:-LinalgTest,ReferenceVectorsTest,GptqTest,GramAccumulatorTest,LargeLayerTest,ExternalDataModelTest,Nd4jProductTest,MiniLmAccuracyTest}"
CORES=("$@")
if [ ${#CORES[@]} -eq 0 ]; then
    CORES=(Haswell SkylakeX Cooperlake SapphireRapids Zen)
fi

flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
# What each core's kernels need from the CPU (OpenBLAS checks none of it for a forced core: it would crash or lie).
can_run() {
    case "$1" in
        Haswell|Zen) has avx2 fma ;;
        SkylakeX) has avx2 fma avx512f avx512bw avx512dq avx512vl avx512cd ;;
        Cooperlake) has avx2 fma avx512f avx512bw avx512dq avx512vl avx512cd avx512_bf16 ;;
        SapphireRapids) has avx2 fma avx512f avx512bw avx512dq avx512vl avx512cd avx512_bf16 avx512_fp16 amx_tile ;;
        *) return 1 ;;
    esac
}

ran=() skipped=()
for core in "${CORES[@]}"; do
    if ! can_run "$core"; then
        echo "=== OpenBLAS core $core: this CPU lacks its instructions, skipped"
        skipped+=("$core (CPU)")
        continue
    fi
    # The OpenBLAS build must know the core's name, else it silently picks another: ask it, as the tests would.
    chosen=$(OPENBLAS_CORETYPE="$core" OPENBLAS_VERBOSE=2 "${JAVA_HOME:+$JAVA_HOME/bin/}java" \
        -cp service/target/comq.jar io.comq.quant.linalg.CoreProbe 2>&1 | sed -n 's/^Core: //p' | tail -1)
    if [ "${chosen,,}" != "${core,,}" ]; then
        echo "=== OpenBLAS core $core: not in this OpenBLAS build (it chose '${chosen}'), skipped"
        skipped+=("$core (not built)")
        continue
    fi
    echo "=== numeric tests on OpenBLAS core $core"
    OPENBLAS_CORETYPE="$core" ./mvnw -B -ntp -pl engine surefire:test -Dtest="$TESTS" \
        -Dsurefire.failIfNoSpecifiedTests=false
    ran+=("$core")
done
echo "=== OpenBLAS cores tested: ${ran[*]:-none}; skipped: ${skipped[*]:-none}"
[ ${#ran[@]} -gt 0 ]
