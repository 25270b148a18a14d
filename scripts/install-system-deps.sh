#!/usr/bin/env bash
# Installs the system packages servaudit's tests use, when they are missing:
# Dovecot (a real IMAP server for the mailbox tests) and Chromium (the browser probes;
# Playwright's own browser download is not needed).
set -euo pipefail

need=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
# fonts-liberation: metric-compatible fonts, so screenshots and PDFs look like what a visitor sees.
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation)
# discover's tests: a real DNS server on a loopback port (dnsmasq-base: the binary, no system service)
# and openssl to make their TLS certificates.
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The PostgreSQL store's tests: a throw-away cluster on a loopback port (initdb and postgres from
# Debian's server package; pg_dump/pg_restore from its client for backups before a migration).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
echo "installing system packages: ${need[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The package starts a system-wide Dovecot; the tests run private instances and need none.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
# Without systemd (containers) the package's script started it directly: stop that instance by its own
# configuration (base_dir /run/dovecot), never a private one a test or `servaudit sandbox --imap` runs.
$SUDO doveadm stop >/dev/null 2>&1 || true
