#!/usr/bin/env bash
# scripts/bench.sh: measures the library and the command-line tool against the local AWS
# endpoint with injected per-region latency (scripts/bench/latency-endpoint), next to
# the AWS CLI on the same endpoint, and writes BENCHMARKS.md.
#
# Usage: scripts/bench.sh [-o FILE] [--quick] [--only inventory|mirror]
#
#   -o FILE          where to write the report (default BENCHMARKS.md at the repository root)
#   --quick          fewer runs (for trying the script; the numbers are noisier)
#   --only inventory measure only the ECS inventory (100 accounts x 25 regions) and
#                    replace only its section of the report
#   --only mirror    measure only the mirror (scripts/bench/mirror.sh: appmesh-envoy mirror
#                    against skopeo between docker-registry processes) and update its part
#                    of the report ("mirror" alone says the same); without --only, the
#                    mirror section runs last
#
# Needs go, /usr/bin/aws (Debian awscli v2; else the aws on PATH), and hyperfine with jq
# (apt-get install -y hyperfine jq); without hyperfine it falls back to a bash timing
# loop. Only 127.0.0.1 is contacted, with the local endpoint's test credentials. The
# section of an existing report between the "analysis" markers is kept.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/BENCHMARKS.md"
quick=0
only=
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--only) only=$2; shift 2 ;;
	mirror) only=mirror; shift ;;
	-h | --help) sed -n '2,22p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

# The ECS inventory benchmark: the library scanning accounts x every aws region of the
# in-process local endpoint with 20 ms on every call (appmeshenvoy/inventory/bench_test.go).
inv_count=2
[ "$quick" = 1 ] && inv_count=1
inventory_bench() { # inventory_bench OUTFILE
	local before
	before=$(cut -d' ' -f1-3 /proc/loadavg)
	timeout 900 go test -run '^$' -bench ScanECS -benchtime 1x -count "$inv_count" ./appmeshenvoy/inventory/ >"$1" 2>&1 ||
		{ cat "$1" >&2; exit 1; }
	echo "load average (1, 5, 15 min) before: $before; after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$1"
}
inventory_section() { # inventory_section BENCHFILE: prints the report's inventory section
	echo "<!-- inventory:begin -->"
	echo "## Inventory: ECS, 100 accounts × 25 regions"
	echo
	echo '```'
	echo "go test -run '^\$' -bench ScanECS -benchtime 1x -count $inv_count ./appmeshenvoy/inventory/"
	echo '```'
	echo
	echo "\`inventory.Scanner.ECS\` against the in-process local endpoint: 100 accounts, each reached"
	echo "with STS AssumeRole, × the 25 regions of the aws partition; in each pair one cluster of"
	echo "three services running two task definitions (one with an Envoy container). Every ECS, STS"
	echo "and SSM call waits 20 ms. One scan is 12,625 requests (2,500 × ListClusters, ListServices,"
	echo "DescribeServices and 2 DescribeTaskDefinition, 100 AssumeRole, 25 GetParameter)."
	echo
	echo "Within a pair 4 calls cannot overlap (ListClusters → ListServices → DescribeServices →"
	echo "DescribeTaskDefinition); pairs run \`--concurrency\` at a time; an account's first pair also"
	echo "waits for AssumeRole and a region's first for the SSM parameter. So a scan takes at least"
	echo "ceil(2500 / concurrency) × 4 + 2 rounds of 20 ms (\"model\"); \"measured\" is wall time / 20 ms."
	echo "Without latency the scan measures the CPU cost of the requests (client and endpoint share"
	echo "the machine's cores), the floor under any concurrency."
	echo
	echo "| concurrency | latency | wall (each run) | measured rounds | model rounds | measured / model | connections |"
	echo "|---|---|---|---|---|---|---|"
	awk '
	/^BenchmarkScanECS\// {
		split($1, p, "/"); c = p[4]; sub("concurrency=", "", c); l = p[5]; sub("latency=", "", l); sub("-[0-9]+$", "", l)
		key = c "|" l
		if (!(key in seen)) { order[++n] = key; seen[key] = 1 }
		for (i = 3; i < NF; i++) {
			if ($(i+1) == "wall-ms") wall[key] = wall[key] (wall[key] == "" ? "" : ", ") $i " ms"
			if ($(i+1) == "rounds") r[key] = r[key] (r[key] == "" ? "" : ", ") sprintf("%.0f", $i)
			if ($(i+1) == "model-rounds") { m[key] = $i; rs[key] += 0 }
			if ($(i+1) == "connections") conn[key] = conn[key] (conn[key] == "" ? "" : ", ") $i
			if ($(i+1) == "rounds") { sum[key] += $i; cnt[key]++ }
		}
	}
	END {
		for (k = 1; k <= n; k++) {
			key = order[k]; split(key, f, "|")
			ratio = (m[key] > 0 && cnt[key] > 0) ? sprintf("%.2f", sum[key] / cnt[key] / m[key]) : ""
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], wall[key], (r[key] == "" ? "" : r[key]), (m[key] == "" ? "" : m[key]), ratio, conn[key]
		}
	}' "$1"
	echo
	echo "Machine: $(nproc) CPUs, shared with other builds; $(grep '^load average' "$1")."
	echo
	echo "Raw output:"
	echo
	echo '```'
	grep -E '^(cpu|Benchmark|ok)' "$1"
	echo '```'
	echo "<!-- inventory:end -->"
}
if [ "$only" = inventory ]; then
	tmpi=$(mktemp)
	trap 'rm -f "$tmpi" "$tmpi.md"' EXIT
	printf '%s bench.sh: running the inventory benchmark\n' "$(date +%H:%M:%S)" >&2
	inventory_bench "$tmpi"
	inventory_section "$tmpi" >"$tmpi.md"
	if [ -f "$out" ] && grep -q '^<!-- inventory:begin -->$' "$out"; then
		awk -v f="$tmpi.md" '/^<!-- inventory:begin -->$/ { while ((getline l < f) > 0) print l; skip = 1; next }
			/^<!-- inventory:end -->$/ { skip = 0; next } !skip' "$out" >"$out.tmp"
	else
		{ [ -f "$out" ] && cat "$out" && echo; cat "$tmpi.md"; } >"$out.tmp"
	fi
	mv "$out.tmp" "$out"
	printf '%s bench.sh: wrote the inventory section of %s\n' "$(date +%H:%M:%S)" "$out" >&2
	exit 0
fi
mirror_args=(-o "$out")
if [ "$quick" = 1 ]; then mirror_args+=(--quick); fi
if [ "$only" = mirror ]; then
	exec "$root/scripts/bench/mirror.sh" "${mirror_args[@]}"
elif [ -n "$only" ]; then
	echo "bench.sh: --only takes inventory or mirror" >&2
	exit 2
fi

# Runs per measurement: fast commands, one aws CLI call, the aws CLI shell loop (25
# sequential CLI starts, ~40 s per run on a 2-core box) and xargs -P 25 (25 CLI starts
# at once, CPU-bound: 15-60 s per run on a 2-core box).
runs_fast=15 runs_aws=5 runs_loop=3 runs_xargs=3 bench_count=1
if [ "$quick" = 1 ]; then runs_fast=5 runs_aws=2 runs_loop=1 runs_xargs=1; fi

AWS=/usr/bin/aws
[ -x "$AWS" ] || AWS=$(command -v aws || true)
[ -n "$AWS" ] || { echo "bench.sh: the AWS CLI is not installed (apt-get install -y awscli)" >&2; exit 1; }
have_hyperfine=0
if command -v hyperfine >/dev/null && command -v jq >/dev/null; then have_hyperfine=1; fi

tmp=$(mktemp -d)
endpoint_pid= endpoint0_pid=
cleanup() {
	local p
	for p in $endpoint_pid $endpoint0_pid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s bench.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building the CLI and the latency endpoint"
timeout 300 go build -o "$tmp/appmesh-envoy" ./cmd/appmesh-envoy
timeout 300 go build -o "$tmp/latency-endpoint" ./scripts/bench/latency-endpoint
cli="$tmp/appmesh-envoy"

# The environment of every measured command: the local endpoint's test credentials
# (the constants of package appmeshenvoytest), no instance metadata, no shared config
# files.
keys=$("$tmp/latency-endpoint" -print-credentials)
export AWS_ACCESS_KEY_ID=${keys%% *} AWS_SECRET_ACCESS_KEY=${keys#* }
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$tmp/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$tmp/no-aws-credentials"
export AWS_PAGER="" AWS_CLI_AUTO_PROMPT=off
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION || true

# Two endpoints: one with the injected latency, one without (for the fixed cost of a
# command). -max-duration is a safety net; the EXIT trap stops them.
"$tmp/latency-endpoint" -max-duration 30m >"$tmp/endpoint.out" 2>"$tmp/endpoint.err" &
endpoint_pid=$!
"$tmp/latency-endpoint" -max-duration 30m -no-latency >"$tmp/endpoint0.out" 2>"$tmp/endpoint0.err" &
endpoint0_pid=$!
for _ in $(seq 100); do
	[ "$(wc -l <"$tmp/endpoint.out")" -ge 2 ] && [ "$(wc -l <"$tmp/endpoint0.out")" -ge 2 ] && break
	sleep 0.1
done
url=$(sed -n 1p "$tmp/endpoint.out")
url0=$(sed -n 1p "$tmp/endpoint0.out")
slowest_ms=$(sed -n 's/^slowest_ms=//p' "$tmp/endpoint.out")
for u in "$url" "$url0"; do
	case "$u" in http://127.0.0.1:*) ;; *) echo "bench.sh: the latency endpoint did not start: $(cat "$tmp/endpoint.err" "$tmp/endpoint0.err")" >&2; exit 1 ;; esac
done
log "endpoint $url, slowest injected latency ${slowest_ms} ms; without latency $url0"

# The regions of the aws partition, as the CLI's --all-regions sees them.
mapfile -t regions < <("$cli" regions --partition aws -o code)
[ "${#regions[@]}" -ge 20 ] || { echo "bench.sh: 'appmesh-envoy regions' listed ${#regions[@]} aws regions" >&2; exit 1; }
printf '%s\n' "${regions[@]}" >"$tmp/regions.txt"

cat >"$tmp/aws-loop.sh" <<EOF
#!/usr/bin/env bash
set -e
while read -r r; do
	"$AWS" ssm get-parameter --name /aws/service/appmesh/envoy --region "\$r" --endpoint-url "$url" --query Parameter.Value --output text
done <"$tmp/regions.txt"
EOF
cat >"$tmp/aws-xargs.sh" <<EOF
#!/usr/bin/env bash
set -e
xargs -P 25 -I{} "$AWS" ssm get-parameter --name /aws/service/appmesh/envoy --region {} --endpoint-url "$url" --query Parameter.Value --output text <"$tmp/regions.txt"
EOF
chmod +x "$tmp/aws-loop.sh" "$tmp/aws-xargs.sh"

vnode=arn:aws:appmesh:us-west-2:111122223333:mesh/demo/virtualNode/web
declare -A cmd label runs
add() { # add NAME RUNS LABEL COMMAND...
	local name=$1 n=$2 l=$3
	shift 3
	cmd[$name]=$(printf '%q ' "$@")
	label[$name]=$l
	runs[$name]=$n
}
add image "$runs_fast" "appmesh-envoy image --all-regions -o json" \
	"$cli" image --all-regions -o json --endpoint-url "$url"
add image0 "$runs_fast" "appmesh-envoy image --all-regions -o json, endpoint without latency (fixed cost)" \
	"$cli" image --all-regions -o json --endpoint-url "$url0"
add awsloop "$runs_loop" "shell loop: aws ssm get-parameter per region" \
	bash "$tmp/aws-loop.sh"
add awsxargs "$runs_xargs" "xargs -P 25: aws ssm get-parameter per region" \
	bash "$tmp/aws-xargs.sh"
add regions "$runs_fast" "appmesh-envoy regions" \
	"$cli" regions
add policy "$runs_fast" "appmesh-envoy policy --principal all --all-regions --virtual-node ARN" \
	"$cli" policy --principal all --all-regions --virtual-node "$vnode"
add login "$runs_fast" "appmesh-envoy login --region us-west-2 --password-stdout" \
	"$cli" login --region us-west-2 --password-stdout --endpoint-url "$url"
add awslogin "$runs_aws" "aws ecr get-login-password --region us-west-2" \
	"$AWS" ecr get-login-password --region us-west-2 --endpoint-url "$url"
add awsversion "$runs_aws" "aws --version (CLI start-up alone, no request)" \
	"$AWS" --version
order=(image image0 awsxargs awsloop regions policy login awslogin awsversion)

# Check every command once, and what it prints.
log "checking the commands once"
n=${#regions[@]}
for name in "${order[@]}"; do
	if ! timeout 180 bash -c "${cmd[$name]}" >"$tmp/$name.stdout" 2>"$tmp/$name.stderr"; then
		echo "bench.sh: '${label[$name]}' failed: $(head -c 2000 "$tmp/$name.stderr")" >&2
		exit 1
	fi
done
for name in image image0; do
	got=$(grep -c '"status": "ok"' "$tmp/$name.stdout" || true)
	[ "$got" = "$n" ] || { echo "bench.sh: $name printed $got ok regions, want $n" >&2; exit 1; }
done
for name in awsloop awsxargs; do
	# grep -o, not grep -c: under xargs -P, two answers can share a line.
	got=$(grep -o 'aws-appmesh-envoy:' "$tmp/$name.stdout" | wc -l || true)
	[ "$got" = "$n" ] || { echo "bench.sh: $name printed $got images, want $n" >&2; exit 1; }
done
for name in login awslogin; do
	[ "$(wc -c <"$tmp/$name.stdout")" -gt 20 ] || { echo "bench.sh: $name printed no password" >&2; exit 1; }
done

# median_ms NAME: runs the command and prints its median wall time in milliseconds.
declare -A med lo
measure() {
	local name=$1
	log "measuring ${label[$name]} (${runs[$name]} runs)"
	if [ "$have_hyperfine" = 1 ]; then
		timeout 400 hyperfine --style basic -N --runs "${runs[$name]}" \
			--export-json "$tmp/$name.json" "${cmd[$name]}" >"$tmp/$name.hyperfine" 2>&1 ||
			{ cat "$tmp/$name.hyperfine" >&2; exit 1; }
		med[$name]=$(jq -r '.results[0].median * 1000 | . * 10 | round / 10' "$tmp/$name.json")
		lo[$name]=$(jq -r '.results[0].min * 1000 | . * 10 | round / 10' "$tmp/$name.json")
	else
		local i t0 t1
		: >"$tmp/$name.times"
		for i in $(seq "${runs[$name]}"); do
			t0=$(date +%s%N)
			bash -c "${cmd[$name]}" >/dev/null 2>&1
			t1=$(date +%s%N)
			echo $(((t1 - t0) / 1000)) >>"$tmp/$name.times"
		done
		med[$name]=$(sort -n "$tmp/$name.times" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}')
		lo[$name]=$(sort -n "$tmp/$name.times" | awk 'NR == 1 {printf "%.1f", $1/1000}')
	fi
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for name in "${order[@]}"; do measure "$name"; done

log "running the Go benchmarks"
bench_re='LatestAllCold|LatestAllReused|LatestSequentialCold|WarmWire|Concurrent1000'
timeout 600 go test -run '^$' -bench "$bench_re" -benchmem -count "$bench_count" ./appmeshenvoy/ >"$tmp/gobench.txt" 2>&1 ||
	{ cat "$tmp/gobench.txt" >&2; exit 1; }
log "running the inventory benchmark"
inventory_bench "$tmp/invbench.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# metric BENCH UNIT: the value of a custom metric (or ns/op, allocs/op) of a benchmark.
metric() {
	awk -v b="^Benchmark$1-[0-9]+\$" -v u="$2" '$1 ~ b { for (i = 3; i < NF; i++) if ($(i+1) == u) { print $i; exit } }' "$tmp/gobench.txt"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else if (r + 0 <= t + 0) print "met"; else print "**missed**" }'; }

target_lib=$(awk -v s="$slowest_ms" 'BEGIN { printf "%.1f", 1.15 * s + 20 }')
target_cli=$(awk -v s="$slowest_ms" 'BEGIN { printf "%.1f", 1.3 * s }')
lib_wall=$(metric LatestAllCold wall-ms)
seq_wall=$(metric LatestSequentialCold wall-ms)
reused_wall=$(metric LatestAllReused wall-ms)
nolat_wall=$(metric LatestAllColdNoLatency wall-ms)

# Keep the hand-written analysis of an existing report.
analysis=
if [ -f "$out" ]; then
	analysis=$(sed -n '/^<!-- analysis:begin -->$/,/^<!-- analysis:end -->$/p' "$out")
fi
mirror_block=
if [ -f "$out" ]; then
	mirror_block=$(sed -n '/^<!-- mirror:begin -->$/,/^<!-- mirror:end -->$/p' "$out")
fi
if [ -z "$analysis" ]; then
	analysis=$'<!-- analysis:begin -->\n## Analysis\n\n(Not written yet.)\n<!-- analysis:end -->'
fi

{
	echo "# Benchmarks"
	echo
	echo "Generated by \`scripts/bench.sh\` on $(date -u +%Y-%m-%dT%H:%MZ); rerun it to refresh every"
	echo "number below (the Analysis section is kept). All traffic goes to the local AWS endpoint"
	echo "of \`appmeshenvoytest\` on 127.0.0.1, which delays every answer in a region by that"
	echo "region's injected latency (the round trip a pipeline in us-east-1 would see, 20–280 ms; table"
	echo "in \`scripts/bench/latency-endpoint/main.go\` and \`appmeshenvoy/bench_test.go\`)."
	echo "The physical limit of a multi-region lookup is the slowest region: **${slowest_ms} ms**."
	echo
	echo "## Machine"
	echo
	echo "- CPUs: $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))"
	echo "- $(go version)"
	echo "- $("$AWS" --version 2>&1) at \`$AWS\`"
	echo "- $(hyperfine --version 2>/dev/null || echo 'no hyperfine: bash timing loop')"
	echo "- load average (1, 5, 15 min) before: $load_before; after: $load_after"
	echo
	echo "A shared 2-core virtual machine on which other builds and tests run at the same time:"
	echo "medians absorb some of that, but process start-up and CPU-bound numbers are noisier than"
	echo "on a quiet machine."
	echo
	echo "## Library (Go benchmarks)"
	echo
	echo '```'
	echo "go test -run '^\$' -bench '$bench_re' -benchmem ./appmeshenvoy/"
	echo '```'
	echo
	echo "| measurement | result | target | ratio | verdict |"
	echo "|---|---|---|---|---|"
	r=$(ratio "$lib_wall" "$target_lib")
	echo "| \`LatestAll\`, every aws region, cold (new Resolver per pass), median wall | ${lib_wall} ms ($(ratio "$lib_wall" "$slowest_ms")× slowest) | ≤ 1.15 × ${slowest_ms} + 20 = ${target_lib} ms | ${r} | $(verdict "$r" 1) |"
	echo "| naive sequential loop of \`Latest\`, cold | ${seq_wall} ms ($(ratio "$seq_wall" "$slowest_ms")× slowest; sum of latencies $(metric LatestSequentialCold sum-latency-ms) ms) | (comparison) | | |"
	echo "| \`LatestAll\`, same Resolver, cache dropped before each pass | ${reused_wall} ms ($(ratio "$reused_wall" "$slowest_ms")× slowest) | (comparison) | | |"
	echo "| \`LatestAll\` cold without injected latency (the library's own cost per pass, in-process endpoint included) | ${nolat_wall} ms, $(metric LatestAllColdNoLatency allocs/op) allocs | | | |"
	echo "| \`LatestAll\` reused Resolver without injected latency | $(metric LatestAllReusedNoLatency wall-ms) ms, $(metric LatestAllReusedNoLatency allocs/op) allocs | | | |"
	echo "| \`Latest\` warm (cache hit) | $(metric LatestWarmWire ns/op) ns/op, $(metric LatestWarmWire allocs/op) allocs/op | well under 1 µs, 0 allocs | | $(awk -v n="$(metric LatestWarmWire ns/op)" -v a="$(metric LatestWarmWire allocs/op)" 'BEGIN { print ((n < 1000 && a == 0) ? "met" : "**missed**") }') |"
	echo "| \`Latest\` warm, parallel | $(metric LatestWarmWireParallel ns/op) ns/op, $(metric LatestWarmWireParallel allocs/op) allocs/op | | | |"
	echo "| \`Token\` warm (cache hit) | $(metric TokenWarmWire ns/op) ns/op, $(metric TokenWarmWire allocs/op) allocs/op | well under 1 µs, 0 allocs | | $(awk -v n="$(metric TokenWarmWire ns/op)" -v a="$(metric TokenWarmWire allocs/op)" 'BEGIN { print ((n < 1000 && a == 0) ? "met" : "**missed**") }') |"
	echo "| \`Token\` warm, parallel | $(metric TokenWarmWireParallel ns/op) ns/op, $(metric TokenWarmWireParallel allocs/op) allocs/op | | | |"
	echo "| 1,000 concurrent cold \`Latest\`, one region: requests reaching the endpoint | $(metric LatestColdConcurrent1000 requests/pass) (wall $(metric LatestColdConcurrent1000 wall-ms) ms, latency $(metric LatestColdConcurrent1000 latency-ms) ms) | exactly 1 | | $(awk -v n="$(metric LatestColdConcurrent1000 requests/pass)" 'BEGIN { print ((n == 1) ? "met" : "**missed**") }') |"
	echo "| 1,000 concurrent cold \`Token\`, one region: requests reaching the endpoint | $(metric TokenColdConcurrent1000 requests/pass) (wall $(metric TokenColdConcurrent1000 wall-ms) ms) | exactly 1 | | $(awk -v n="$(metric TokenColdConcurrent1000 requests/pass)" 'BEGIN { print ((n == 1) ? "met" : "**missed**") }') |"
	echo "| connections per pass: cold \`LatestAll\` (new Resolver) | $(metric LatestAllCold conns/pass) for $(metric LatestAllCold requests/pass) requests | one per region client | | |"
	echo "| connections per pass: reused Resolver | $(metric LatestAllReused conns/pass) for $(metric LatestAllReused requests/pass) requests | 0 (clients and connections reused) | | $(awk -v n="$(metric LatestAllReused conns/pass)" 'BEGIN { print ((n == 0) ? "met" : "**missed**") }') |"
	echo
	echo "Raw output:"
	echo
	echo '```'
	grep -E '^(goos|goarch|cpu|Benchmark|ok|PASS)' "$tmp/gobench.txt"
	echo '```'
	echo
	echo "## Command-line tool against the AWS CLI"
	echo
	echo "Start-to-exit wall time, process start included, median of the runs (after one check run of each command,"
	echo "which also warms caches), measured with $([ "$have_hyperfine" = 1 ] && echo "\`hyperfine -N\`" || echo "a bash loop over \`date +%s%N\`"). The same endpoint, region list ($n aws"
	echo "regions) and credentials for every command."
	echo
	echo "| command | runs | median | min | median × slowest (${slowest_ms} ms) | target | verdict |"
	echo "|---|---|---|---|---|---|---|"
	for name in "${order[@]}"; do
		x=$(ratio "${med[$name]}" "$slowest_ms")
		t="" v=""
		if [ "$name" = image ]; then t="≤ 1.3× (${target_cli} ms)"; v=$(verdict "$x" 1.3); fi
		echo "| ${label[$name]} | ${runs[$name]} | ${med[$name]} ms | ${lo[$name]} ms | ${x} | ${t} | ${v} |"
	done
	echo
	echo "- \`appmesh-envoy image --all-regions\` is $(ratio "${med[awsloop]}" "${med[image]}")× faster than the shell loop of \`aws ssm get-parameter\` and $(ratio "${med[awsxargs]}" "${med[image]}")× faster than the same calls under \`xargs -P 25\`."
	echo "- The command's fixed cost (process start, configuration, 25 clients and connections, output) is ${med[image0]} ms against the endpoint without latency; with latency it finishes $(awk -v a="${med[image]}" -v s="$slowest_ms" 'BEGIN { printf "%.1f", a - s }') ms after the slowest region's round trip."
	echo "- \`appmesh-envoy login --password-stdout\` is $(ratio "${med[awslogin]}" "${med[login]}")× faster than \`aws ecr get-login-password\` (us-west-2, injected latency 85 ms)."
	echo
	echo "Commands (URL is the endpoint's, URL0 the one without latency, ARN a virtual node ARN; the environment is"
	echo "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of \`appmeshenvoytest\`, AWS_EC2_METADATA_DISABLED=true,"
	echo "AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE naming files that do not exist):"
	echo
	echo '```'
	for name in "${order[@]}"; do
		echo "${cmd[$name]}" | sed -e "s#$tmp/appmesh-envoy#appmesh-envoy#g" -e "s#$url0#URL0#g" -e "s#$url#URL#g" -e "s#$tmp/#\$tmp/#g" -e "s#$vnode#ARN#g" -e 's/ *$//'
	done
	echo "# \$tmp/aws-loop.sh:"
	sed -e "s#$url#URL#g" -e "s#$tmp/#\$tmp/#g" "$tmp/aws-loop.sh" | grep -v '^#!'
	echo "# \$tmp/aws-xargs.sh:"
	sed -e "s#$url#URL#g" -e "s#$tmp/#\$tmp/#g" "$tmp/aws-xargs.sh" | grep -v '^#!'
	echo '```'
	echo
	inventory_section "$tmp/invbench.txt"
	echo
	if [ -n "$mirror_block" ]; then
		echo "$mirror_block"
		echo
	fi
	echo "$analysis"
} >"$out.tmp"
mv "$out.tmp" "$out"
log "wrote $out"

# The mirror section last: it needs the machine for itself less than the CLI timings do.
cleanup
trap - EXIT
"$root/scripts/bench/mirror.sh" "${mirror_args[@]}"
