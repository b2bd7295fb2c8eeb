#!/usr/bin/env bash
# Start a one-node Slurm cluster on this machine (as root): munged, slurmctld and slurmd, with state and spool
# folders under a temp dir, the node line from `slurmd -C`, proctrack/linuxproc and task/none (no cgroups).
# Needs Debian's slurmctld slurmd slurm-client munge. Waits until sinfo shows the node idle; prints the conf path.
# Idempotent: a cluster that answers already is left alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" != 0 ]; then echo "start.sh: must run as root" >&2; exit 1; fi
for c in munged slurmctld slurmd sinfo; do
  command -v "$c" >/dev/null || { echo "start.sh: $c is not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 1; }
done
conf=/etc/slurm/slurm.conf
if [ -f "$conf" ] && timeout 5 sinfo -h >/dev/null 2>&1; then echo "slurm already up ($conf)"; exit 0; fi

state="${SLURM_CI_STATE:-$(mktemp -d /tmp/ganc-slurm.XXXXXX)}"
mkdir -p "$state/ctld" "$state/d"

# munge: a key, and the daemon
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
chmod 0400 /etc/munge/munge.key; chmod 0700 /etc/munge
if ! pgrep -x munged >/dev/null; then
  if id munge >/dev/null 2>&1; then su -s /bin/sh munge -c munged || munged --force; else munged --force; fi
fi

host="$(hostname -s)"
node="$(slurmd -C | head -1)"                       # NodeName=... CPUs=... RealMemory=...
nodename="$(sed -E 's/^NodeName=([^ ]+).*/\1/' <<<"$node")"
mkdir -p /etc/slurm
sed -e "s|@HOST@|$host|" -e "s|@STATE@|$state|g" -e "s|@NODE@|$node State=UNKNOWN|" -e "s|@NODENAME@|$nodename|" \
    -e "s|@CTLDPORT@|${SLURM_CI_CTLD_PORT:-6817}|" -e "s|@DPORT@|${SLURM_CI_D_PORT:-6818}|" \
    "$here/slurm.conf.in" > "$conf"
# Debian's slurm also reads cgroup.conf when present; task/none and linuxproc need none

slurmctld -f "$conf"
slurmd -f "$conf"
for _ in $(seq 1 60); do
  if sinfo -h -o "%T" 2>/dev/null | grep -qE "idle|mixed|alloc"; then
    echo "slurm up: $conf (state $state); node: $node"
    exit 0
  fi
  sleep 0.5
done
echo "start.sh: the node did not come up; logs:" >&2
tail -20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
sinfo >&2 || true
exit 1
