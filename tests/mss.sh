# Dovecot helpers for the MSSanté shell tests (source after tests/lib.sh, like tests/sim.sh):
# a REAL Dovecot IMAP server (package dovecot-imapd) on a free 127.0.0.1 port, TLS only with the
# test CA's server certificate, its whole configuration, state, logs and maildirs under $TMP.
# Works as root (CI: mail owned by "nobody", dovecot/dovenull internal users) and as an
# unprivileged user (every Dovecot process runs as that user).
#
#   mss_server_start          start it; exports MSS_PORT, MSS_URL (imaps://localhost:PORT),
#                             MSS_USER, MSS_PASSWORD, MSS_TOKEN, MSS_CA, MSS_CONF, MSS_LOG and
#                             adds an [mss] section to $TMP/vigie.conf (created if missing)
#   mss_deliver FILE [USER]   put the message FILE into USER's INBOX (default MSS_USER) as the
#                             mail system would (dovecot-lda); IMAP serves it with CRLF line
#                             ends, so a CRLF file comes back byte for byte
#   mss_doveadm ARGS...       doveadm on this instance (fetch flags, mailbox status...)
#   mss_uidvalidity           the INBOX's current UIDVALIDITY
#   mss_uidvalidity_reset     give the INBOX a new UIDVALIDITY (what a server migration does)
#   mss_server_kill           kill it at once (SIGKILL: a dead server, the port closes)
#   mss_server_stop           stop it cleanly (registered for the EXIT trap)
#
# OAuth 2: MSS_USER also logs in with the bearer token MSS_TOKEN by OAUTHBEARER or XOAUTH2
# (Dovecot hands the token to a passdb kept for those two mechanisms and checks it like a
# password: no introspection server needed); the password is refused there, and the token by
# PLAIN.
# shellcheck shell=sh

MSS_DIR=
MSS_PID=
MSS_PORT=
MSS_URL=
MSS_CA=
MSS_CONF=
MSS_LOG=
MSS_USER=dr.martin@test.mssante.fr
MSS_PASSWORD=secret-de-test
MSS_TOKEN=jeton-de-test-7f3a9c1e5b
export MSS_USER MSS_PASSWORD MSS_TOKEN

# _mss_conf PORT: write the configuration for one listening port.
_mss_conf() {
	local port=$1 internal login group muid mgid extra=
	if [ "$(id -u)" = 0 ]; then
		# Dovecot refuses uid 0 for mail: the box belongs to nobody.
		internal=dovecot
		login=dovenull
		group=dovecot
		muid=$(id -u nobody)
		mgid=$(id -g nobody)
		extra="service auth-worker {
  user = root
}"
	else
		internal=$(id -un)
		login=$internal
		group=$(id -gn)
		muid=$(id -u)
		mgid=$(id -g)
		extra="service auth-worker {
  user = \$default_internal_user
}"
	fi
	cat >"$MSS_CONF" <<EOF
# Vigie test instance (tests/mss.sh): nothing outside $MSS_DIR, listens on 127.0.0.1 only.
instance_name = vigie-test-$$
base_dir = $MSS_DIR/run
state_dir = $MSS_DIR/state
log_path = $MSS_LOG
info_log_path = $MSS_LOG
listen = 127.0.0.1
protocols = imap
ssl = required
ssl_cert = <$MSS_DIR/certs/server.pem
ssl_key = <$MSS_DIR/certs/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login oauthbearer xoauth2
auth_verbose = yes
auth_failure_delay = 0
auth_verbose_passwords = no
auth_debug_passwords = no
default_internal_user = $internal
default_internal_group = $group
default_login_user = $login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_fsync = always
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $MSS_DIR/passwd
}
passdb {
  driver = passwd-file
  mechanisms = oauthbearer xoauth2
  args = scheme=PLAIN username_format=%u $MSS_DIR/tokens
}
userdb {
  driver = static
  args = uid=$muid gid=$mgid home=$MSS_DIR/home/%u allow_all_users=yes
}
service imap-login {
  chroot =
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $port
    ssl = yes
  }
}
service imap-urlauth-login {
  chroot =
}
service anvil {
  chroot =
}
$extra
EOF
}

mss_server_start() {
	local i port try
	MSS_DIR=$TMP/dovecot
	MSS_CONF=$MSS_DIR/dovecot.conf
	MSS_LOG=$MSS_DIR/dovecot.log
	sh "$SRCDIR/scripts/make-certs.sh" "$TMP/certs" || { echo "make-certs failed"; return 1; }
	MSS_CA=$TMP/certs/ca.pem
	mkdir -p "$MSS_DIR/run" "$MSS_DIR/state" "$MSS_DIR/home" "$MSS_DIR/certs"
	# Dovecot's own copy of the server key (as root its auth and login processes do not run
	# as root: the tree must be traversable, the mailboxes belong to the mail user).
	cp "$TMP/certs/server.pem" "$TMP/certs/server.key" "$MSS_DIR/certs/"
	printf '%s:{PLAIN}%s::::::\n' "$MSS_USER" "$MSS_PASSWORD" >"$MSS_DIR/passwd"
	# The token: OAUTHBEARER / XOAUTH2 hand it to their own passdb, checked like a password.
	printf '%s:{PLAIN}%s::::::\n' "$MSS_USER" "$MSS_TOKEN" >"$MSS_DIR/tokens"
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$TMP"
		chmod 755 "$MSS_DIR"
		chmod 644 "$MSS_DIR/passwd" "$MSS_DIR/tokens"
		chown nobody:"$(id -gn nobody)" "$MSS_DIR/home"
	fi
	: >"$MSS_LOG"
	try=0
	while [ "$try" -lt 12 ]; do
		try=$((try + 1))
		# A random port in 20000-59999, changed when taken.
		port=$((20000 + ($(od -An -N2 -tu2 /dev/urandom) % 40000)))
		_mss_conf "$port"
		if ! /usr/sbin/dovecot -c "$MSS_CONF" 2>"$MSS_DIR/start.err"; then
			grep -q "in use" "$MSS_DIR/start.err" "$MSS_LOG" && continue
			echo "dovecot did not start:"
			cat "$MSS_DIR/start.err" "$MSS_LOG"
			return 1
		fi
		MSS_PORT=$port
		break
	done
	# The master writes its pid file after going to the background.
	i=0
	while [ -n "$MSS_PORT" ] && [ ! -s "$MSS_DIR/run/master.pid" ] && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	MSS_PID=$(cat "$MSS_DIR/run/master.pid" 2>/dev/null)
	[ -n "$MSS_PORT" ] || { echo "no free port for dovecot"; return 1; }
	MSS_URL=imaps://localhost:$MSS_PORT
	# Listening is not enough: wait for the TLS greeting and a successful login.
	i=0
	until curl -sS --max-time 5 --cacert "$MSS_CA" -u "$MSS_USER:$MSS_PASSWORD" \
		"$MSS_URL/" >/dev/null 2>&1; do
		if [ "$i" -ge 100 ]; then
			echo "dovecot does not answer on $MSS_URL:"
			cat "$MSS_LOG"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	export MSS_PORT MSS_URL MSS_CA MSS_CONF MSS_LOG
	cat >>"$TMP/vigie.conf" <<EOF
[mss]
adresse = $MSS_URL
boite = INBOX
identifiant = $MSS_USER
mot_de_passe = $MSS_PASSWORD
ca = $MSS_CA
archive = $TMP/mss-archive
EOF
}

mss_doveadm() {
	doveadm -c "$MSS_CONF" "$@"
}

mss_deliver() { # mss_deliver FILE [USER]
	local user=${2:-$MSS_USER}
	/usr/lib/dovecot/dovecot-lda -c "$MSS_CONF" -d "$user" -f expediteur@test.mssante.fr \
		<"$1" && return 0
	echo "mss_deliver: delivery of $1 failed:"
	tail -n 5 "$MSS_LOG"
	return 1
}

mss_uidvalidity() {
	mss_doveadm -f flow mailbox status -u "$MSS_USER" uidvalidity INBOX |
		sed -n 's/.*uidvalidity=\([0-9]*\).*/\1/p'
}

mss_uidvalidity_reset() {
	local v
	v=$(mss_uidvalidity)
	[ -n "$v" ] || return 1
	mss_doveadm mailbox update -u "$MSS_USER" --uid-validity $((v + 1)) INBOX
}

# The pid of this instance's master ("" when not running).
_mss_pid() {
	[ -n "$MSS_PID" ] || [ -z "$MSS_DIR" ] || MSS_PID=$(cat "$MSS_DIR/run/master.pid" 2>/dev/null)
}

# The master and its children: SIGKILL, then wait until they are gone (the port is closed).
mss_server_kill() {
	local p pids i=0
	_mss_pid
	[ -n "$MSS_PID" ] || return 0
	pids="$MSS_PID $(ps -o pid= --ppid "$MSS_PID" 2>/dev/null)"
	kill -KILL $pids 2>/dev/null
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null && [ "$i" -lt 100 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	done
	rm -f "$MSS_DIR/run/master.pid"
	MSS_PID=
}

mss_server_stop() {
	local i=0
	_mss_pid
	[ -n "$MSS_PID" ] || return 0
	doveadm -c "$MSS_CONF" stop >/dev/null 2>&1 || kill -TERM "$MSS_PID" 2>/dev/null
	while kill -0 "$MSS_PID" 2>/dev/null && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$i" -lt 100 ] || mss_server_kill
	MSS_PID=
}

# With tests/sim.sh sourced too, both servers are stopped.
trap 'mss_server_stop; command -v sim_stop >/dev/null && sim_stop; cleanup' EXIT
