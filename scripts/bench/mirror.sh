#!/usr/bin/env bash
# scripts/bench/mirror.sh: the mirror section of scripts/bench.sh (run it alone with
# `scripts/bench.sh mirror`). It copies one multi-architecture image (two platforms,
# 100 MiB of layers) from a source registry into three destination registries with
# `appmesh-envoy mirror`, and compares with `skopeo copy --all` three times in a row, three
# at once, and once; then the repeated (already mirrored) run; then peak RSS with layers
# of 25 MiB and of 100 MiB. It replaces the block between the mirror markers of the report.
#
# Usage: scripts/bench/mirror.sh [-o FILE] [--quick]
#
# Every measured run gets fresh destination registries (docker-registry on 127.0.0.1, no
# auth, access log on), and skopeo's blob-info cache is removed before each skopeo run
# (as root: /var/lib/containers/cache/blob-info-cache-v1.boltdb, the file skopeo keeps
# there; otherwise a temporary HOME's). The source's ECR token comes from
# `appmesh-envoy local-endpoint` (--endpoint-url), and --registry-endpoint sends the
# source host to the source registry. Needs go, docker-registry, skopeo, curl and
# /usr/bin/time; only 127.0.0.1 is contacted.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out="$root/BENCHMARKS.md"
runs=3
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--quick) runs=1; shift ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "mirror.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
for t in docker-registry skopeo curl /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "mirror.sh: $t is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '%s mirror.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building the CLI and the image generator"
timeout 300 go build -o "$tmp/appmesh-envoy" ./cmd/appmesh-envoy
timeout 300 go build -o "$tmp/mirror-image" ./scripts/bench/mirror-image
cli="$tmp/appmesh-envoy"

# Nothing of the machine's: a fresh HOME (docker config, skopeo's rootless cache), no AWS
# configuration, no instance metadata.
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share"
mkdir -p "$HOME"
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$tmp/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$tmp/no-aws-credentials"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION DOCKER_CONFIG REGISTRY_AUTH_FILE || true

"$cli" local-endpoint >"$tmp/endpoint.out" 2>"$tmp/endpoint.err" &
pids+=($!)
for _ in $(seq 100); do [ "$(wc -l <"$tmp/endpoint.out")" -ge 4 ] && break; sleep 0.1; done
endpoint=$(sed -n 1p "$tmp/endpoint.out")
case "$endpoint" in http://127.0.0.1:*) ;; *) echo "mirror.sh: the local endpoint did not start: $(cat "$tmp/endpoint.err")" >&2; exit 1 ;; esac
eval "$(sed -n '2,3p' "$tmp/endpoint.out")" # its test credentials
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

# start_registry NAME: runs docker-registry (no auth, access log) on a free port; sets
# reg_addr[NAME] and reg_pid[NAME].
declare -A reg_addr reg_pid
start_registry() {
	local name=$1 dir="$tmp/reg/$1" port attempt
	for attempt in 1 2 3; do
		rm -rf "$dir"
		mkdir -p "$dir"
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
		printf 'version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n  secret: bench\n' \
			"$dir/storage" "$port" >"$dir/config.yml"
		docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
		reg_pid[$name]=$!
		pids+=("${reg_pid[$name]}")
		for _ in $(seq 200); do
			if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
				reg_addr[$name]="127.0.0.1:$port"
				return 0
			fi
			sleep 0.05
		done
		kill "${reg_pid[$name]}" 2>/dev/null || true
	done
	echo "mirror.sh: docker-registry $name did not start: $(cat "$dir/log")" >&2
	exit 1
}
stop_registry() {
	kill "${reg_pid[$1]}" 2>/dev/null || true
	wait "${reg_pid[$1]}" 2>/dev/null || true
	rm -rf "$tmp/reg/$1"
}
# requests NAME: the number of requests in a registry's access log so far.
requests() { grep -c '" [0-9][0-9][0-9] ' "$tmp/reg/$1/log" || true; }
clear_skopeo_cache() {
	rm -f "$XDG_DATA_HOME/containers/cache/blob-info-cache-v1.boltdb"
	if [ "$(id -u)" = 0 ]; then rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb; fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%d", m}'; }
maxof() { sort -n | tail -1; }

tag=v1.39.1.0-prod
big_tag=v1.39.1.1-prod
src_host=840364872350.dkr.ecr.us-west-2.amazonaws.com
log "writing the images (2 platforms x 2 layers of 25 MiB, and of 100 MiB)"
small_digest=$("$tmp/mirror-image" -dir "$tmp/img-small" -layer-mb 25 -layers 2 -tag "$tag" -seed 1)
big_digest=$("$tmp/mirror-image" -dir "$tmp/img-big" -layer-mb 100 -layers 2 -tag "$big_tag" -seed 2)
start_registry src
src=${reg_addr[src]}
skopeo copy -q --all --preserve-digests --dest-tls-verify=false "oci:$tmp/img-small:$tag" "docker://$src/aws-appmesh-envoy:$tag"
skopeo copy -q --all --preserve-digests --dest-tls-verify=false "oci:$tmp/img-big:$big_tag" "docker://$src/aws-appmesh-envoy:$big_tag"
rm -rf "$tmp/img-small" "$tmp/img-big"

# mirror_cmd TAG DEST...: the appmesh-envoy command line of a mirror run.
mirror_cmd() {
	local t=$1 d
	shift
	local args=("$cli" --endpoint-url "$endpoint" --registry-endpoint "$src_host=http://$src" mirror --region us-west-2 --tag "$t" -o json)
	for d in "$@"; do args+=(--to "$d/envoy"); done
	printf '%q ' "${args[@]}"
}
skopeo_cmd() { printf '%q ' skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false "docker://$src/aws-appmesh-envoy:$1" "docker://$2/envoy:$1"; }

# ours TAG DIGEST: one measured run into three fresh registries, then the repeated run.
# Appends to ours_wall, ours_rss, ours_src_reads, repeat_wall, repeat_reqs (per TAG).
declare -A results
ours() {
	local t=$1 digest=$2 key=$3 i d t0 t1 before after
	for i in $(seq "$runs"); do
		start_registry d1; start_registry d2; start_registry d3
		before=$(grep -c "GET /v2/aws-appmesh-envoy/blobs/" "$tmp/reg/src/log" || true)
		t0=$(now_ms)
		/usr/bin/time -f %M -o "$tmp/rss" bash -c "$(mirror_cmd "$t" "${reg_addr[d1]}" "${reg_addr[d2]}" "${reg_addr[d3]}")" >"$tmp/ours.json" 2>"$tmp/ours.err" ||
			{ echo "mirror.sh: appmesh-envoy mirror failed: $(cat "$tmp/ours.err")" >&2; exit 1; }
		t1=$(now_ms)
		[ "$(grep -c '"status": "copied"' "$tmp/ours.json")" = 3 ] && [ "$(grep -c "\"image\": \".*@$digest\"" "$tmp/ours.json")" = 3 ] ||
			{ echo "mirror.sh: the mirror did not copy the image exactly: $(cat "$tmp/ours.json")" >&2; exit 1; }
		echo $((t1 - t0)) >>"$tmp/$key.wall"
		cat "$tmp/rss" >>"$tmp/$key.rss"
		after=$(grep -c "GET /v2/aws-appmesh-envoy/blobs/" "$tmp/reg/src/log" || true)
		echo $((after - before)) >>"$tmp/$key.reads"
		before=$(($(requests d1) + $(requests d2) + $(requests d3)))
		t0=$(now_ms)
		bash -c "$(mirror_cmd "$t" "${reg_addr[d1]}" "${reg_addr[d2]}" "${reg_addr[d3]}")" >"$tmp/ours.json" 2>/dev/null
		t1=$(now_ms)
		[ "$(grep -c '"status": "up-to-date"' "$tmp/ours.json")" = 3 ] || { echo "mirror.sh: the repeated run was not up to date: $(cat "$tmp/ours.json")" >&2; exit 1; }
		after=$(($(requests d1) + $(requests d2) + $(requests d3)))
		echo $((t1 - t0)) >>"$tmp/$key.repeat.wall"
		awk -v n=$((after - before)) 'BEGIN { printf "%.1f\n", n / 3 }' >>"$tmp/$key.repeat.reqs"
		stop_registry d1; stop_registry d2; stop_registry d3
	done
}

log "measuring appmesh-envoy mirror, 100 MiB into 3 destinations ($runs runs, with the repeated run)"
ours "$tag" "$small_digest" ours
log "measuring appmesh-envoy mirror with 100 MiB layers (400 MiB) into 3 destinations ($runs runs)"
ours "$big_tag" "$big_digest" big

log "measuring skopeo copy --all: once, 3 in a row, 3 at once, and the repeat ($runs runs each)"
for i in $(seq "$runs"); do
	# once, then the repeat into the same registry
	start_registry d1
	clear_skopeo_cache
	t0=$(now_ms)
	/usr/bin/time -f %M -o "$tmp/rss" bash -c "$(skopeo_cmd "$tag" "${reg_addr[d1]}")"
	echo $(($(now_ms) - t0)) >>"$tmp/one.wall"
	cat "$tmp/rss" >>"$tmp/one.rss"
	clear_skopeo_cache
	before=$(requests d1)
	t0=$(now_ms)
	bash -c "$(skopeo_cmd "$tag" "${reg_addr[d1]}")"
	echo $(($(now_ms) - t0)) >>"$tmp/one.repeat.wall"
	echo $(($(requests d1) - before)) >>"$tmp/one.repeat.reqs"
	stop_registry d1
	# three in a row
	start_registry d1; start_registry d2; start_registry d3
	clear_skopeo_cache
	before=$(grep -c "GET /v2/aws-appmesh-envoy/blobs/" "$tmp/reg/src/log" || true)
	t0=$(now_ms)
	for d in d1 d2 d3; do bash -c "$(skopeo_cmd "$tag" "${reg_addr[$d]}")"; done
	echo $(($(now_ms) - t0)) >>"$tmp/seq.wall"
	echo $(($(grep -c "GET /v2/aws-appmesh-envoy/blobs/" "$tmp/reg/src/log" || true) - before)) >>"$tmp/seq.reads"
	stop_registry d1; stop_registry d2; stop_registry d3
	# three at once
	start_registry d1; start_registry d2; start_registry d3
	clear_skopeo_cache
	t0=$(now_ms)
	par=()
	for d in d1 d2 d3; do
		bash -c "$(skopeo_cmd "$tag" "${reg_addr[$d]}")" &
		par+=($!)
	done
	wait "${par[@]}"
	echo $(($(now_ms) - t0)) >>"$tmp/par.wall"
	stop_registry d1; stop_registry d2; stop_registry d3
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
m() { median <"$tmp/$1"; }
mx() { maxof <"$tmp/$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
ours_ms=$(m ours.wall) par_ms=$(m par.wall) seq_ms=$(m seq.wall) one_ms=$(m one.wall)
goal=$(awk -v a="$ours_ms" -v b="$par_ms" 'BEGIN { print (a <= b) ? "met" : "**missed**" }')
rss_small=$(mx ours.rss) rss_big=$(mx big.rss)
rss_verdict=$(awk -v a="$rss_small" -v b="$rss_big" 'BEGIN { print (b <= a * 1.25) ? "met (does not grow with the layer size)" : "**missed** (grows with the layer size)" }')

block=$(
	echo "<!-- mirror:begin -->"
	echo "## Mirror against skopeo"
	echo
	echo "Generated by \`scripts/bench.sh mirror\` on $(date -u +%Y-%m-%dT%H:%MZ) ($runs runs each, medians; load average after: $load;"
	echo "$(skopeo --version), $(docker-registry --version 2>&1 | head -1))."
	echo "One multi-architecture image (an OCI index of linux/amd64 and linux/arm64, each a config and two"
	echo "layers of 25 MiB of random bytes: 100 MiB) in a source docker-registry on 127.0.0.1, copied"
	echo "into fresh docker-registry processes for every measured run; skopeo's blob-info cache is removed"
	echo "before each skopeo run. Wall time from start to exit, process start included."
	echo
	echo "| 100 MiB into 3 destinations | wall | × one skopeo copy | source blob reads | target | verdict |"
	echo "|---|---|---|---|---|---|"
	echo "| \`appmesh-envoy mirror\` (3 × \`--to\`) | ${ours_ms} ms | $(ratio "$ours_ms" "$one_ms") | $(m ours.reads) | ≤ 3 parallel skopeo copies (${par_ms} ms) | ${goal} |"
	echo "| \`skopeo copy --all\` × 3, at once | ${par_ms} ms | $(ratio "$par_ms" "$one_ms") | | | |"
	echo "| \`skopeo copy --all\` × 3, in a row | ${seq_ms} ms | $(ratio "$seq_ms" "$one_ms") | $(m seq.reads) | | |"
	echo "| \`skopeo copy --all\` × 1 (one destination) | ${one_ms} ms | 1.00 | | | |"
	echo
	echo "| repeated run (already mirrored) | wall | requests per destination |"
	echo "|---|---|---|"
	echo "| \`appmesh-envoy mirror\`, 3 destinations | $(m ours.repeat.wall) ms | $(m ours.repeat.reqs) |"
	echo "| \`skopeo copy --all\`, 1 destination | $(m one.repeat.wall) ms | $(m one.repeat.reqs) |"
	echo
	echo "| peak RSS (maximum over the runs) | 25 MiB layers (100 MiB image) | 100 MiB layers (400 MiB image) | verdict |"
	echo "|---|---|---|---|"
	echo "| \`appmesh-envoy mirror\`, 3 destinations | $((rss_small / 1024)) MiB | $((rss_big / 1024)) MiB | ${rss_verdict} |"
	echo "| \`skopeo copy --all\`, 1 destination | $(($(mx one.rss) / 1024)) MiB | | |"
	echo
	echo "\`appmesh-envoy mirror\` with 100 MiB layers: $(m big.wall) ms for 3 × 400 MiB (the repeat: $(m big.repeat.wall) ms, $(m big.repeat.reqs) requests per destination)."
	echo
	echo "Commands (SRC, D1..D3 the registries' host:port, URL the local endpoint's; \`-o json\` is checked: 3 × copied at the source digest, then 3 × up-to-date):"
	echo
	echo '```'
	mirror_cmd "$tag" D1 D2 D3 | sed -e "s#$tmp/appmesh-envoy#appmesh-envoy#" -e "s#$endpoint#URL#" -e "s#$src#SRC#g" -e 's/ *$//'
	echo
	skopeo_cmd "$tag" D1 | sed -e "s#$src#SRC#g" -e 's/ *$//'
	echo
	echo '```'
	echo "<!-- mirror:end -->"
)

# Replace the block of the report; else put it before the analysis, or at the end.
printf '%s\n' "$block" >"$tmp/block"
touch "$out"
if grep -q '^<!-- mirror:begin -->$' "$out"; then
	mode=replace
elif grep -q '^<!-- analysis:begin -->$' "$out"; then
	mode=before-analysis
else
	mode=append
fi
awk -v blockfile="$tmp/block" -v mode="$mode" '
	BEGIN { while ((getline l < blockfile) > 0) b = b l "\n" }
	mode == "replace" && /^<!-- mirror:begin -->$/ { printf "%s", b; skip = 1; next }
	mode == "replace" && /^<!-- mirror:end -->$/ { skip = 0; next }
	mode == "before-analysis" && /^<!-- analysis:begin -->$/ { printf "%s\n", b }
	!skip { print }
	END { if (mode == "append") printf "\n%s", b }' "$out" >"$out.tmp"
mv "$out.tmp" "$out"
log "wrote the mirror section of $out"
