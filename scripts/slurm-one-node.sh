#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for fdp's cluster tests (tests/cluster) and for trying
# `fdpctl run --scheduler slurm` by hand: munged, slurmctld and slurmd, with a slurm.conf written
# for this host and state folders of its own under $FDP_SLURM_DIR (default /var/tmp/fdp-slurm).
# Needs root and Debian's `slurm-wlm` and `munge` packages
#   apt-get -o DPkg::Lock::Timeout=600 install -y slurm-wlm munge
# Safe to run again: daemons already running are left alone. `stop` stops the three daemons.
# Waits until `sinfo` shows the node idle (60 s at most); exits non-zero if it never does.
set -euo pipefail

dir=${FDP_SLURM_DIR:-/var/tmp/fdp-slurm}
conf=/etc/slurm/slurm.conf
node=$(hostname -s)

if [ "${1:-}" = stop ]; then
    for daemon in slurmd slurmctld munged; do
        pidfile="$dir/$daemon.pid"
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    exit 0
fi

for command in munged slurmctld slurmd sinfo sbatch; do
    command -v "$command" >/dev/null 2>&1 || {
        echo "slurm-one-node: $command not found; install slurm-wlm and munge" >&2
        exit 1
    }
done

mkdir -p "$dir/ctld" "$dir/d" "$dir/munge" /etc/slurm
chmod 0700 "$dir/munge"
cpus=$(nproc)
memory=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)

cat >"$conf.new" <<EOF
# written by fdp's scripts/slurm-one-node.sh: a one-node cluster on $node
ClusterName=fdp
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
ReturnToService=2
MinJobAge=600
MaxArraySize=10001
MaxJobCount=100000
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
# no cgroups here (TaskPlugin=task/none): slurmstepd polls the job's memory every second and
# kills a job past its --mem (SLURM then says FAILED, and why in the job's output)
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
mv "$conf.new" "$conf"

# munge: a key of its own if the package left none
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown munge:munge /etc/munge/munge.key 2>/dev/null || true
chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! munge -n </dev/null >/dev/null 2>&1; then
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid 2>/dev/null \
        || munged --force --pid-file=/run/munge/munged.pid
    cp /run/munge/munged.pid "$dir/munged.pid" 2>/dev/null || true
fi
alive "$dir/slurmctld.pid" || slurmctld
alive "$dir/slurmd.pid" || slurmd

for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$node" -o '%t' 2>/dev/null || true)
    case "$state" in
    idle* | mix* | alloc*)
        echo "slurm-one-node: node $node is $state (sinfo)"
        exit 0
        ;;
    down* | drain*)
        scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true
        ;;
    esac
    sleep 1
done
echo "slurm-one-node: node $node did not become idle in 60 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
sinfo >&2 || true
exit 1
