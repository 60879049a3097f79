#!/bin/sh
# SPDX-License-Identifier: ISC
# quickstart.sh: everything needed on a fresh Debian machine, in one command.
#
#   ./quickstart.sh         install what is missing (as root), build, start
#                           nginx on 127.0.0.1:8080 in front of humanos-webhook
#                           with a throwaway configuration and spool, deliver
#                           every sample event, and show the spooled rows
#   ./quickstart.sh test    the same set-up, then the test suite (make check)
#   ./quickstart.sh stop    stop what ./quickstart.sh started
set -eu

cd "$(dirname "$0")"
top=$(pwd)
demo=${HUMANOS_DEMO_DIR:-/tmp/humanos-webhook-demo}
port=${HUMANOS_DEMO_PORT:-8080}
cmd=${1:-demo}

packages="build-essential autoconf automake libtool pkg-config libfcgi-dev
libjson-c-dev libssl-dev libcurl4-openssl-dev libseccomp-dev nginx apache2
libapache2-mod-fcgid spawn-fcgi fcgiwrap curl openssl strace valgrind postgresql"

say() { printf '==> %s\n' "$*"; }

install_packages() {
	missing=
	for p in $packages; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || missing="$missing $p"
	done
	command -v node >/dev/null || missing="$missing nodejs"
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages:$missing" >&2
		echo "run ./quickstart.sh as root, or: sudo apt-get install$missing" >&2
		exit 1
	fi
	say "installing:$missing"
	# Do not let the packages start their own services on port 80.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e $policy ]; then
		printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
	[ -e $policy ] && [ "$(cat $policy)" = "$(printf '#!/bin/sh\nexit 101')" ] &&
	    rm -f $policy
	trap - EXIT
}

build() {
	[ -x configure ] || { say "autogen"; ./autogen.sh >/dev/null; }
	[ -f Makefile ] || { say "configure"; ./configure >/dev/null; }
	say "build"
	make -j"$(nproc)" >/dev/null
}

stop() {
	for f in "$demo"/nginx.pid "$demo"/webhook.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
}

demo() {
	stop
	rm -rf "$demo"
	mkdir -p "$demo/spool" "$demo/logs"
	chmod 755 "$demo"
	sig=$(openssl rand -hex 24)
	enc=$(openssl rand -base64 32)
	salt=$(openssl rand -hex 8)
	umask 077
	cat >"$demo/humanos-webhook.conf" <<CONF
# Throwaway configuration made by quickstart.sh.
spool_dir = $demo/spool
signature_secret = $sig
encryption_secret = $enc
encryption_salt = $salt
CONF
	umask 022
	user=$(id -un)
	say "humanos-webhook on $demo/fcgi.sock"
	"$top/humanos-webhook" -c "$demo/humanos-webhook.conf" \
	    --listen "unix:$demo/fcgi.sock" --workers 2 --user "$user" \
	    --socket-mode 0666 </dev/null >>"$demo/logs/webhook.log" 2>&1 &
	echo $! >"$demo/webhook.pid"
	# The shipped location blocks, with the socket path of this demo.
	sed "s|unix:/run/humanos-webhook/fcgi.sock|unix:$demo/fcgi.sock|" \
	    deploy/nginx/humanos-webhook.conf >"$demo/humanos-webhook-locations.conf"
	cat >"$demo/nginx.conf" <<NGINX
worker_processes 1;
pid $demo/nginx.pid;
error_log $demo/logs/nginx-error.log;
events { worker_connections 256; }
http {
	access_log $demo/logs/nginx-access.log;
	client_body_temp_path $demo/nginx-body;
	fastcgi_temp_path $demo/nginx-fastcgi;
	server {
		listen 127.0.0.1:$port;
		include $demo/humanos-webhook-locations.conf;
	}
}
NGINX
	sed -i "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
	    "$demo/humanos-webhook-locations.conf"
	say "nginx on http://127.0.0.1:$port"
	nginx -p "$demo" -c "$demo/nginx.conf" </dev/null >/dev/null \
	    2>>"$demo/logs/nginx-error.log"
	i=0
	until [ -S "$demo/fcgi.sock" ] && curl -s -o /dev/null "http://127.0.0.1:$port/webhook"; do
		i=$((i + 1)); [ $i -gt 50 ] && { echo "nginx or humanos-webhook did not start: see $demo/logs" >&2; exit 1; }
		sleep 0.1
	done

	for s in kyc signature-user signature-professional consent form-filled \
	    form-rejected credential identity otp-failed; do
		case $s in
		kyc|identity) loc=kyc ;; signature-*) loc=signatures ;;
		consent) loc=consents ;; form-*) loc=forms ;;
		credential) loc=credentials ;; otp-failed) loc=otp ;;
		esac
		printf '    %-24s -> /webhook/%-12s ' "$s" "$loc"
		"$top/humanos-send" -c "$demo/humanos-webhook.conf" --sample "$s" \
		    --url "http://127.0.0.1:$port/webhook/$loc" | tr '\n' ' '
		echo
	done
	say "the spool ($demo/spool)"
	"$top/humanos-spool" -d "$demo/spool" stats
	say "rows waiting, as a cron job sees them (humanos-spool cat --format tsv)"
	"$top/humanos-spool" -d "$demo/spool" cat --format tsv | cut -f1-7
	cat <<MSG

Send more:   $top/humanos-send -c $demo/humanos-webhook.conf --sample consent --url http://127.0.0.1:$port/webhook/consents
Read rows:   $top/humanos-spool -d $demo/spool cat
Consume:     $top/humanos-spool -d $demo/spool run consents -- cat
Logs:        $demo/logs/
Stop:        ./quickstart.sh stop
MSG
}

case $cmd in
demo)	install_packages; build; demo ;;
test)	install_packages; build; say "make check"; make check ;;
stop)	stop; say "stopped" ;;
*)	echo "usage: ./quickstart.sh [test|stop]" >&2; exit 64 ;;
esac
