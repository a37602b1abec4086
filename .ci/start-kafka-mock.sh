#!/usr/bin/env bash
# Starts one librdkafka mock cluster (3 brokers, from the Debian package `kcat`) in the background
# for the services-mode tests, and writes its bootstrap servers to the file given as $1:
#
#   bash .ci/start-kafka-mock.sh /tmp/kafka-brokers && export KAFKA_BROKERS=$(cat /tmp/kafka-brokers)
#
# The mock lives until its process is killed (`kill "$(cat /tmp/kafka-brokers.pid)"`); its data is
# in memory only. It speaks the real Kafka protocol to kafkajs but reports controller id 0 (so
# admin create/delete topics fails: use KAFKA_CREATE_TOPICS=false, topics are auto-created with
# 4 partitions) and has no idempotent producer (KAFKA_IDEMPOTENT=false).
set -euo pipefail

out="${1:?usage: $0 <file to write the bootstrap servers to>}"
timeout_s=20 # kcat prints its servers within milliseconds; 20 s covers a loaded CI machine

if ! command -v kcat >/dev/null 2>&1; then
  echo "start-kafka-mock: kcat not found; install the Debian package 'kcat'" >&2
  exit 1
fi

log="${out}.log"
: >"$log"
# kcat needs a consumer or producer role to start; it consumes a topic nobody writes to. Without
# `-d mock` librdkafka prints one notice line (with the servers) instead of a line per request.
# setsid + nohup detach it from this shell, so it outlives the CI step that started it.
setsid nohup kcat -b localhost:9092 -C -q -t forgecast-mock-keepalive \
  -X test.mock.num.brokers=3 </dev/null >/dev/null 2>>"$log" &
pid=$!

deadline=$((SECONDS + timeout_s))
while ((SECONDS < deadline)); do
  # "%5|…|MOCK|…: Mock cluster enabled: original bootstrap.servers and security.protocol ignored
  #  and replaced with 127.0.0.1:38597,127.0.0.1:33641,127.0.0.1:36435"
  servers="$(sed -n 's/.*replaced with \([0-9A-Za-z.:,_-]*\).*/\1/p' "$log" | head -n 1)"
  if [[ -n "$servers" ]]; then
    printf '%s\n' "$servers" >"$out"
    printf '%s\n' "$pid" >"${out}.pid"
    echo "start-kafka-mock: mock cluster (pid $pid) at $servers; servers in $out, pid in ${out}.pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-kafka-mock: kcat exited before printing its bootstrap servers:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

# setsid made it the leader of its own process group: end the group, not just the process.
kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
echo "start-kafka-mock: kcat did not print its bootstrap servers within ${timeout_s} s:" >&2
cat "$log" >&2
exit 1
