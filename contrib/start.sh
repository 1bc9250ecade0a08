#!/usr/bin/env bash
# Builds Roost and starts it in the foreground on an embedded default:
# loopback only, high ports when not root, passwd-file users with one demo
# user, a self-signed certificate made on first start, Maildir under ./run.
# Everything it creates lives in ./run (delete it to start over).
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
RUN=$TOP/run
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

PACKAGES="meson ninja-build pkg-config gcc libev-dev libssl-dev libsasl2-dev
  default-libmysqlclient-dev libcrypt-dev libargon2-dev libpam0g-dev zlib1g-dev openssl"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "== installing:$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi

mkdir -p "$RUN"
if [ ! -f build-run/build.ninja ]; then
	meson setup build-run --prefix="$RUN/install" -Drundir="$RUN/base" >/dev/null
fi
ninja -C build-run >/dev/null
meson install -C build-run --quiet >/dev/null

if [ "$(id -u)" -eq 0 ]; then
	# system users the services run as (idempotent)
	for u in roost roostnull vmail; do
		getent group "$u" >/dev/null || groupadd --system "$u"
		getent passwd "$u" >/dev/null ||
			useradd --system --gid "$u" --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
	done
	IMAP=143; IMAPS=993; POP3=110; POP3S=995; LMTP=24
else
	IMAP=10143; IMAPS=10993; POP3=10110; POP3S=10995; LMTP=10024
fi

# As root, the services run as roost (auth), roostnull (login) and vmail
# (mail): they must be able to reach their files. A checkout under a private
# directory (e.g. /root) is not reachable, so the data then lives in
# /var/lib/roost-dev instead.
DATA=$RUN
BASE=$RUN/base
if [ "$(id -u)" -eq 0 ]; then
	BASE=/run/roost-dev
	if ! runuser -u vmail -- test -x "$RUN"; then
		DATA=/var/lib/roost-dev
		mkdir -p "$DATA"
		chmod 755 "$DATA"
	fi
fi

if [ ! -f "$RUN/ssl/cert.pem" ]; then
	mkdir -p "$RUN/ssl"
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$RUN/ssl/key.pem" -out "$RUN/ssl/cert.pem" 2>/dev/null
	chmod 600 "$RUN/ssl/key.pem"
fi
if [ ! -f "$DATA/users" ]; then
	echo "demo@example.test:{PLAIN}demo-password::::::" > "$DATA/users"
fi
chmod 640 "$DATA/users"
mkdir -p "$DATA/mail"
MAIL_USER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	MAIL_USER=vmail
	chown vmail:vmail "$DATA/mail"
	chown root:roost "$DATA/users"
fi

cat > "$RUN/roost.conf" <<CONF
# Written by contrib/start.sh: a self-contained development setup.
base_dir = $BASE
log_path = /dev/stderr
listen = 127.0.0.1
protocols = imap pop3 lmtp
mail_location = maildir:~/Maildir
mail_uid = $MAIL_USER
mail_gid = $MAIL_USER
first_valid_uid = 0
ssl = yes
ssl_cert = <$RUN/ssl/cert.pem
ssl_key = <$RUN/ssl/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DATA/users
}
userdb {
  driver = static
  args = uid=$MAIL_USER gid=$MAIL_USER home=$DATA/mail/%d/%n
}

service imap-login {
  inet_listener imap {
    port = $IMAP
  }
  inet_listener imaps {
    port = $IMAPS
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3
  }
  inet_listener pop3s {
    port = $POP3S
  }
}
service lmtp {
  inet_listener lmtp {
    port = $LMTP
  }
}
CONF

echo "Roost is starting in the foreground (Ctrl-C stops it); its config is $RUN/roost.conf."
echo "User demo@example.test, password demo-password; mail in $DATA/mail."
echo "  IMAP:  openssl s_client -connect 127.0.0.1:$IMAPS -quiet     (or -connect 127.0.0.1:$IMAP -starttls imap)"
echo "  POP3:  openssl s_client -connect 127.0.0.1:$POP3S -quiet     (or -connect 127.0.0.1:$POP3 -starttls pop3)"
echo "  LMTP:  swaks --server 127.0.0.1:$LMTP --protocol LMTP --to demo@example.test"
exec "$RUN/install/sbin/roost" -F -c "$RUN/roost.conf"
