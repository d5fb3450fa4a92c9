#!/usr/bin/env bash
# Installs the Debian packages Warden's tests need and a fresh machine may lack: Chromium for
# Playwright (which cannot download its own browser here), PostgreSQL's client programs (pg_dump,
# pg_restore, psql: backups, restores and dry runs of a PostgreSQL database), then CrowdSec for the managed agent and
# its tests (scripts/install-crowdsec.sh: offline setup, no system service), then nginx with ModSecurity
# and the OWASP CRS for the managed edge (scripts/install-edge.sh: never starts or stops a system nginx
# that was there before). Idempotent; needs root (or sudo).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for tool in pg_dump pg_restore psql; do
  command -v "$tool" >/dev/null 2>&1 || { missing+=(postgresql-client); break; }
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
else
  echo "system packages: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

bash "$here/install-crowdsec.sh"
bash "$here/install-edge.sh"
