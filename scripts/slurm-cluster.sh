#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests that submit real array jobs
# (Debian or Ubuntu, as root). The recipe: ../shared/NOTES-libvips-swift.md (Slurm).
#
#   scripts/slurm-cluster.sh start    install what is missing, start munged, slurmctld and
#                                     slurmd, wait until the node is idle; print the folder
#   scripts/slurm-cluster.sh status   say whether it runs (exit 0) or not (exit 1)
#   scripts/slurm-cluster.sh stop     stop the daemons it started and remove the folder
#
# Everything lives in one folder (MEDIAPIPE_SLURM_DIR, default /tmp/mediapipe-slurm):
# slurm.conf, state, spool, logs and pid files; nothing is written to /etc/slurm. Client
# commands find the cluster with SLURM_CONF=FOLDER/slurm.conf; the tests find it through
# MEDIAPIPE_TEST_SLURM=FOLDER (Tests/EndToEndTests/SlurmTests.swift), or at the default
# folder when that is unset. munged is shared with the machine: an already running munged
# is used and left running; one started here is stopped by `stop`.
# Starting twice is harmless: a running cluster is reused.
set -euo pipefail

dir="${MEDIAPIPE_SLURM_DIR:-/tmp/mediapipe-slurm}"
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

say() { echo "slurm-cluster: $*" >&2; }

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_state() { timeout 10 sinfo -h -o %t 2>/dev/null | head -n 1 || true; }

running() { alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && [ "$(node_state)" != "" ]; }

# Polls `check` (a function name) every 0.2 s until it succeeds or `seconds` pass.
wait_for() {
  local seconds=$1 check=$2 deadline=$((SECONDS + $1))
  until "$check"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

install_packages() {
  local missing=() p
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  apt-get update -qq
  # The packages' own services are not started in containers (policy-rc.d), and where they
  # are, this cluster uses its own configuration file, ports aside.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends \
    "${missing[@]}" >&2
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  munge_works && return
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 700 /etc/munge
    (umask 077 && dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none)
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  runuser -u munge -- munged
  touch "$dir/munged.started-here"
  wait_for 10 munge_works || { say "munged did not answer within 10 s"; exit 1; }
}

write_conf() {
  local host node
  host=$(hostname -s)
  # slurmd -C prints this machine's real CPUs, sockets and memory: a node configured with
  # more than it has would be drained at once.
  node=$(slurmd -C | head -n 1)
  mkdir -p "$dir/state" "$dir/spool"
  cat >"$conf" <<EOF
# Written by scripts/slurm-cluster.sh: a one-node test cluster; removed by 'stop'.
ClusterName=mediapipe-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
$node State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

node_idle() { [[ "$(node_state)" == idle* ]]; }

start() {
  if running; then
    echo "$dir"
    return
  fi
  [ "$(id -u)" -eq 0 ] || { say "needs root (it starts slurmd and munged)"; exit 1; }
  stop_daemons # what is left of an earlier start, if anything
  rm -rf "$dir"
  install_packages
  mkdir -p "$dir"
  start_munge
  write_conf
  slurmctld -f "$conf"
  slurmd -f "$conf"
  if ! wait_for 60 node_idle; then
    say "the node is not idle after 60 s (state: '$(node_state)'); the logs:"
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    exit 1
  fi
  echo "$dir"
}

# Stops the daemons by their pid files and waits (bounded) until they are gone.
stop_daemons() {
  local name pidfile pid
  for name in slurmd slurmctld; do
    pidfile="$dir/$name.pid"
    alive "$pidfile" || continue
    pid=$(cat "$pidfile")
    kill "$pid"
    gone() { ! kill -0 "$pid" 2>/dev/null; }
    wait_for 15 gone || { say "$name ($pid) still runs after 15 s; killing it"; kill -9 "$pid" 2>/dev/null || true; }
  done
  if [ -e "$dir/munged.started-here" ] && alive /run/munge/munged.pid; then
    pid=$(cat /run/munge/munged.pid)
    kill "$pid"
    gone() { ! kill -0 "$pid" 2>/dev/null; }
    wait_for 15 gone || kill -9 "$pid" 2>/dev/null || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop)
    stop_daemons
    rm -rf "$dir"
    ;;
  status)
    if running; then
      echo "running in $dir (SLURM_CONF=$conf); node: $(node_state)"
    else
      echo "not running"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
