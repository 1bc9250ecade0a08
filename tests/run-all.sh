#!/usr/bin/env bash
# The whole test suite: installs what it needs (Debian packages), builds
# twice (ASan+UBSan for the unit tests, a plain build for the integration
# tests, where sanitizer runtimes would disturb forked daemons), runs every
# test and ends with the line "N passed, N failed".
# Runs as root, or as a user with sudo (the integration tests need root for
# uid switches and chroot; they run through sudo).
set -u
cd "$(dirname "$0")/.."
TOP=$PWD

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

PACKAGES="meson ninja-build pkg-config gcc libev-dev libssl-dev libsasl2-dev libsasl2-modules
  default-libmysqlclient-dev libcrypt-dev libargon2-dev libpam0g-dev zlib1g-dev
  python3 python3-pytest openssl postfix swaks dovecot-core dovecot-imapd dovecot-pop3d strace
  fail2ban curl isync fetchmail getmail6 neomutt python3-pexpect offlineimap3
  mariadb-server mariadb-client"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "== installing:$missing"
	# reference servers must never start their system daemons here
	$SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
	# Postfix: no system configuration (the tests run private instances)
	echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q || true
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
	status=$?
	$SUDO rm -f /usr/sbin/policy-rc.d
	if [ $status -ne 0 ]; then
		echo "apt-get install failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

exec /usr/bin/python3 "$TOP/tests/run.py" "$@"
