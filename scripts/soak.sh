#!/usr/bin/env bash
# Soak run of the resolver and the token provider under injected faults: LatestAll over
# every region of the aws partition and Token in every region, in rounds, against the
# in-process local AWS endpoint (127.0.0.1 only), with 30 % of the requests throttled
# and 10 % answered 500, and the library's default retry settings. It stops by itself
# after SOAK_DURATION (or SOAK_ROUNDS rounds) and prints the success ratio, the attempts
# per call and every distinct failure. See TestSoak in appmeshenvoy/soak_test.go.
#
#   scripts/soak.sh                                # 30s, seed 1
#   SOAK_DURATION=10m SOAK_SEED=42 scripts/soak.sh
#   SOAK_ROUNDS=4 scripts/soak.sh                  # a fixed number of rounds
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
export APPMESH_SOAK=1
export SOAK_DURATION="${SOAK_DURATION:-30s}"
export SOAK_SEED="${SOAK_SEED:-1}"
if [[ -n "${SOAK_ROUNDS:-}" ]]; then export SOAK_ROUNDS; fi
# go test's own timeout: the soak's duration plus room for the last round.
exec go test ./appmeshenvoy/ -run '^TestSoak$' -count=1 -v -timeout 45m ${SOAK_RACE:+-race}
