#!/bin/bash -eu
# ClusterFuzzLite build: the same script as OSS-Fuzz's (fuzz/oss-fuzz/build.sh).
export WEFT_SRC=${WEFT_SRC:-$SRC/weft}
exec bash "$WEFT_SRC/fuzz/oss-fuzz/build.sh"
