#!/usr/bin/env bash
# Installs Debian's nginx, its ModSecurity v3 module and the OWASP CRS 3.3.4 rules for Warden's managed
# edge, offline (Debian's archive only). Idempotent; needs root (or sudo). Warden runs its own isolated
# nginx instance (lib/engine/edge) on loopback ports, so the package's system service is not wanted:
#
# - On a host with a service manager the nginx post-install starts a system nginx on port 80 when
#   nothing listens there. A system nginx that appeared during this install is stopped (SIGQUIT) and
#   its service disabled. An nginx that was running, or installed, before this script ran is the
#   operator's: it is never stopped, and its service is left as it was.
# - In a container (policy-rc.d exits 101, no runlevel) the post-install starts nothing.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(nginx libnginx-mod-http-modsecurity modsecurity-crs)
FILES=(/usr/sbin/nginx /usr/lib/nginx/modules/ngx_http_modsecurity_module.so /usr/share/modsecurity-crs/rules/REQUEST-901-INITIALIZATION.conf /etc/nginx/unicode.mapping)

installed() {
  local p
  for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || return 1
  done
  for p in "${FILES[@]}"; do [ -e "$p" ] || return 1; done
}

# Masters of a system nginx: a process titled "nginx: master process" that is not a Warden instance
# (those always run with `-c <instance>/nginx.conf -g daemon off;`).
system_masters() {
  local pid title
  for pid in $(pgrep -f '^nginx: master process' 2>/dev/null || true); do
    title="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$title" == *" -g daemon off;"* ]] && continue
    echo "$pid"
  done
}

versions() {
  local p sep=""
  for p in "${PACKAGES[@]}"; do
    printf '%s%s %s' "$sep" "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
    sep=", "
  done
}

if installed; then
  echo "edge: installed ($(versions))"
  exit 0
fi

nginx_before="$(dpkg-query -W -f='${Status}' nginx 2>/dev/null || true)"
masters_before=" $(system_masters | tr '\n' ' ') "

# Only refresh the package lists when the cache cannot install the packages as they are.
if ! apt-get install -s -qq "${PACKAGES[@]}" >/dev/null 2>&1; then
  echo "edge: packages not installable from the apt cache; running apt-get update"
  $SUDO apt-get update -qq
fi
echo "edge: installing ${PACKAGES[*]} (offline)"
# Another apt run on the machine may hold the dpkg lock: wait for it rather than fail.
$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"

if [ "$nginx_before" != "install ok installed" ]; then
  # nginx is new on this host: its service is ours to keep off. Disabling never stops anything.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable nginx.service >/dev/null 2>&1 || true
  elif command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/nginx ]; then
    $SUDO update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
  # A system nginx the post-install started just now (never one that was running before).
  for pid in $(system_masters); do
    [[ "$masters_before" == *" $pid "* ]] && continue
    echo "edge: stopping the system nginx the package started (pid $pid)"
    $SUDO kill -QUIT "$pid" 2>/dev/null || true
  done
fi

if ! installed; then
  echo "edge: install failed: one of ${FILES[*]} is missing" >&2
  exit 1
fi
echo "edge: installed ($(versions))"
