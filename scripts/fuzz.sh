#!/usr/bin/env bash
# Run every fuzz target of the module for a bounded time each. New failing inputs are
# written by `go test` into the package's testdata/fuzz/<Target>/ and should be committed
# together with the fix.
#
#   scripts/fuzz.sh            # 30s per target
#   FUZZTIME=5m scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
fuzztime="${FUZZTIME:-30s}"

status=0
for pkg in $(go list ./...); do
	dir="$(go list -f '{{.Dir}}' "$pkg")"
	targets="$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)"
	for t in $targets; do
		echo "==> $pkg $t ($fuzztime)"
		if ! go test "$pkg" -run='^$' -fuzz="^${t}\$" -fuzztime="$fuzztime"; then
			status=1
		fi
	done
done
exit "$status"
