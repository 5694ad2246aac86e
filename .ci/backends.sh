# Sourced by .ci/run, benches/run and benches/callgrind: reads .ci/backends into
#   OS_BACKENDS   "name:cargo flags of the build with that backend alone", for the `os` backends
#   ALL_FEATURES  every backend's feature, comma-separated (for cargo hack)
OS_BACKENDS=()
ALL_FEATURES=""
while read -r name feature kind; do
    case "$name" in '' | '#'*) continue ;; esac
    ALL_FEATURES="${ALL_FEATURES:+$ALL_FEATURES,}$feature"
    if [ "$kind" = os ]; then
        OS_BACKENDS+=("$name:--no-default-features --features $feature")
    fi
done <"$(dirname "${BASH_SOURCE[0]}")/backends"
