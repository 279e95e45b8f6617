#!/usr/bin/env bash
# Makes what the cluster tests need available: Debian's `nats-server` and `haproxy` installed, and
# one NATS server listening on 127.0.0.1:4222 (log in /tmp/concierge-nats.log). The tests start
# their own nats-server and haproxy processes on free ports from these binaries; the one on 4222
# is for running `./concierge serve --cluster nats://127.0.0.1:4222` by hand.
# Idempotent: safe to run again on a machine where all of this is already done.
#
# Works as root on Debian without systemd and downloads nothing but Debian packages. Installing
# starts no service (a temporary policy-rc.d forbids it): Debian's haproxy service is not needed,
# and its default configuration binds no port anyway.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PORT=4222
LOG=/tmp/concierge-nats.log
PACKAGES=(nats-server haproxy)

log() { echo "nats.sh: $*"; }

binary() {
  local name=$1
  if [ -x "/usr/sbin/$name" ]; then
    echo "/usr/sbin/$name"
  else
    command -v "$name" 2>/dev/null || true
  fi
}

listening() {
  # /dev/tcp needs no client tools.
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

speaks_nats() {
  # A NATS server greets every connection with a line "INFO {...}".
  local line=""
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
  IFS= read -r -t 5 line <&3 || true
  exec 3<&- 3>&-
  [[ "$line" == INFO* ]]
}

apt_install() {
  # The packages' maintainer scripts would start their services through invoke-rc.d; a
  # policy-rc.d answering 101 ("action forbidden") keeps them stopped. An existing policy is kept.
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=$policy
  fi
  local rc=0
  apt-get install -y -q --no-install-recommends "$@" || {
    log "install failed; updating the package lists and trying again"
    apt-get update -q && apt-get install -y -q --no-install-recommends "$@"
  } || rc=$?
  [ -z "$own_policy" ] || rm -f "$own_policy"
  return "$rc"
}

install_if_missing() {
  local missing=() name
  for name in "${PACKAGES[@]}"; do
    [ -n "$(binary "$name")" ] || missing+=("$name")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

start_nats() {
  local bin
  bin=$(binary nats-server)
  log "starting $bin on 127.0.0.1:$PORT (log $LOG)"
  # setsid + nohup + redirected streams: the server outlives this script and holds none of its
  # pipes open, so whatever runs next (.ci/run's tests) goes on and its caller does not wait.
  setsid nohup "$bin" -a 127.0.0.1 -p "$PORT" -l "$LOG" </dev/null >>"$LOG" 2>&1 &
  NATS_PID=$!
}

await_ready() {
  local i
  for i in $(seq 1 60); do
    if listening; then
      return 0
    fi
    if [ -n "${NATS_PID:-}" ] && ! kill -0 "$NATS_PID" 2>/dev/null; then
      log "nats-server exited; the end of $LOG:" >&2
      tail -n 20 "$LOG" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  log "nothing listening on 127.0.0.1:$PORT after 30 s; see $LOG" >&2
  return 1
}

note_haproxy_service() {
  # Debian's haproxy service (started by the package's postinst where an init system runs) uses
  # /etc/haproxy/haproxy.cfg, which binds no port as shipped; the tests use their own configs.
  local pid
  pid=$(cat /run/haproxy.pid 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "note: Debian's haproxy service runs (pid $pid, /etc/haproxy/haproxy.cfg); the tests do not use it"
  fi
}

main() {
  install_if_missing
  note_haproxy_service
  if ! listening; then
    start_nats
  fi
  await_ready
  if ! speaks_nats; then
    log "something listens on 127.0.0.1:$PORT but does not greet with INFO: not a NATS server" >&2
    return 1
  fi
  log "ready: nats://127.0.0.1:$PORT ($(binary nats-server) --version: $("$(binary nats-server)" --version)); haproxy: $(binary haproxy)"
}

main "$@"
