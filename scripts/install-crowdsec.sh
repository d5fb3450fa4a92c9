#!/usr/bin/env bash
# Installs Debian's `crowdsec` package (1.4.6 on Debian 12) for Warden's managed agent, offline.
# Idempotent; needs root (or sudo). Warden runs its own isolated instance (lib/engine/crowdsec), so the
# package's system service is never started or enabled here.
#
# Offline: the package's post-install registers with CrowdSec's online API unless
# /etc/crowdsec/online_api_credentials.yaml already exists; a file holding only a comment tells it to
# skip that (see /usr/share/doc/crowdsec/README.Debian). Without it, apt leaves the package
# half-configured; this script repairs that case with `dpkg --configure -a`.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

write_offline_credentials() {
  $SUDO mkdir -p /etc/crowdsec
  if [ ! -s /etc/crowdsec/online_api_credentials.yaml ]; then
    echo "# offline" | $SUDO tee /etc/crowdsec/online_api_credentials.yaml >/dev/null
  fi
}

# A system crowdsec started by the post-install (via invoke-rc.d/systemctl, where a service manager
# exists) would hold the package's default ports 8080/6060; Warden's instance never needs it.
stop_system_agent() {
  local pid cmd stopped=()
  # The post-install enables the unit; disable it (works without a running systemd: it removes the
  # wants/ symlink), and stop it where a systemd is running.
  if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now crowdsec.service >/dev/null 2>&1 || true
    else
      $SUDO systemctl disable crowdsec.service >/dev/null 2>&1 || true
    fi
  fi
  for pid in $(pgrep -x crowdsec 2>/dev/null || true); do
    cmd=" $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    # Only the package's own service (its default config, or no -c at all), never a Warden instance,
    # which always runs with `-c <instance>/etc/config.yaml`.
    if [[ "$cmd" == *" -c /etc/crowdsec/config.yaml "* || "$cmd" != *" -c "* ]]; then
      echo "crowdsec: stopping the system agent the package started (pid $pid)"
      $SUDO kill -TERM "$pid" 2>/dev/null || true
      stopped+=("$pid")
    fi
  done
  for pid in "${stopped[@]}"; do
    for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && $SUDO kill -KILL "$pid" 2>/dev/null || true
  done
  return 0
}

status=$(dpkg-query -W -f='${Status}' crowdsec 2>/dev/null || true)
case "$status" in
  "install ok installed")
    if [ -x /usr/bin/crowdsec ] && [ -x /usr/bin/cscli ]; then
      echo "crowdsec: installed ($(dpkg-query -W -f='${Version}' crowdsec))"
      stop_system_agent
      exit 0
    fi
    ;;
  *half-configured* | *unpacked* | *half-installed*)
    echo "crowdsec: repairing a half-configured install (offline credentials, dpkg --configure -a)"
    write_offline_credentials
    $SUDO dpkg --configure -a
    stop_system_agent
    if [ "$(dpkg-query -W -f='${Status}' crowdsec 2>/dev/null || true)" = "install ok installed" ]; then
      exit 0
    fi
    ;;
esac

write_offline_credentials
# Only refresh the package lists when the cache cannot install the package as it is.
if ! apt-get install -s -qq crowdsec >/dev/null 2>&1; then
  echo "crowdsec: package not installable from the apt cache; running apt-get update"
  $SUDO apt-get update -qq
fi
echo "crowdsec: installing the Debian package (offline setup)"
if ! $SUDO apt-get install -y -qq -o Dpkg::Options::=--force-confold crowdsec; then
  # A post-install that still failed: retry the configuration once with the credentials in place.
  write_offline_credentials
  $SUDO dpkg --configure -a
fi
stop_system_agent
if [ ! -x /usr/bin/crowdsec ] || [ ! -x /usr/bin/cscli ]; then
  echo "crowdsec: install failed: /usr/bin/crowdsec or /usr/bin/cscli is missing" >&2
  exit 1
fi
echo "crowdsec: installed ($(dpkg-query -W -f='${Version}' crowdsec))"
