# Shared by the README's two commands and .ci/run. Sourced, not run.
# Makes the pinned pnpm available, installs dependencies, and starts services the tests need.
PNPM_VERSION=10.34.9
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TURBO_TELEMETRY_DISABLED=1
# the browser tests drive Debian's chromium; playwright must never fetch a browser of its own
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
export CHROMIUM_PATH
# better-sqlite3 compiles from source against the installed Node headers when no prebuilt fits
[ -d /usr/include/node ] && export npm_config_nodedir=/usr

log() { printf '[x-session] %s\n' "$*" >&2; }

# What the tests install from Debian when it is missing, each held to the upstream version we test
# (apt version globs): within a Debian release a package changes only by security fixes. Chromium
# cannot be held: Debian ships it through security updates, and the archive keeps only the newest
# build. Everything from npm comes from pnpm-lock.yaml (the packaging projects too).
declare -A DEBIAN_PINS=(
	[redis-server]="5:7.0.15-*"
	[postgresql]="15+*"
	[python3-telethon]="1.25.1-*"
	[chromium]="*"
)

# apt-get install of pinned packages (root only); the version installed is logged.
apt_install_pinned() {
	local specs=() name
	for name in "$@"; do specs+=("$name=${DEBIAN_PINS[$name]}"); done
	log "installing ${specs[*]} with apt-get"
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${specs[@]}" >&2 || return 1
	for name in "$@"; do log "$name $(dpkg-query -W -f='${Version}' "$name")"; done
}

ensure_pnpm() {
	if [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
	local tools="$REPO_ROOT/.tools"
	if [ ! -x "$tools/node_modules/.bin/pnpm" ] || [ "$("$tools/node_modules/.bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
		log "installing pnpm $PNPM_VERSION into .tools/"
		npm install --silent --no-audit --no-fund --prefix "$tools" "pnpm@$PNPM_VERSION" >&2
	fi
	export PATH="$tools/node_modules/.bin:$PATH"
}

ensure_deps() {
	log "installing dependencies (pnpm install --frozen-lockfile)"
	(cd "$REPO_ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2) || return 1
	# @mtcute/convert 0.29.7, the tdata/MTKruto reference, beside the workspace's mtcute 0.30.3
	log "installing packages/convert/test/mtcute-0.29 (its own pinned lockfile)"
	(cd "$REPO_ROOT/packages/convert/test/mtcute-0.29" &&
		pnpm install --frozen-lockfile --ignore-workspace --reporter=append-only >&2)
}

build_all() {
	log "building packages"
	(cd "$REPO_ROOT" && pnpm exec turbo run build --output-logs=errors-only >&2)
}

redis_answers() {
	local reply
	reply=$( (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 7 <&3) 2>/dev/null || true)
	[[ "$reply" == "+PONG"* ]]
}

# Uses a Redis that answers on 127.0.0.1:6379, or installs and starts one (stopped on exit).
ensure_redis() {
	if redis_answers; then return; fi
	if ! command -v redis-server >/dev/null; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
			apt_install_pinned redis-server || return 1
		else
			log "no Redis on 127.0.0.1:6379 and cannot install one (need root and apt-get)"
			return 1
		fi
	fi
	local dir="$REPO_ROOT/.tools/redis"
	mkdir -p "$dir"
	log "starting redis-server on 127.0.0.1:6379"
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
		--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
	STARTED_REDIS_PIDFILE="$dir/redis.pid"
	for _ in $(seq 1 50); do redis_answers && return; sleep 0.1; done
	log "redis-server did not answer"
	return 1
}

postgres_answers() {
	(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
}

# Uses a PostgreSQL that answers on 127.0.0.1:5432, or starts the installed cluster, or installs
# one with apt-get and allows local TCP connections without a password (test machines only).
ensure_postgres() {
	if postgres_answers; then return; fi
	if ! command -v pg_ctlcluster >/dev/null; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
			apt_install_pinned postgresql || return 1
		else
			log "no PostgreSQL on 127.0.0.1:5432 and cannot install one (need root and apt-get)"
			return 1
		fi
	fi
	local version
	version=$(ls /etc/postgresql | sort -V | tail -1)
	local hba="/etc/postgresql/$version/main/pg_hba.conf"
	if [ -w "$hba" ] && ! grep -q "x-session tests" "$hba"; then
		printf '# x-session tests\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' |
			cat - "$hba" >"$hba.new" && mv "$hba.new" "$hba" && chown postgres "$hba" 2>/dev/null
	fi
	log "starting PostgreSQL $version"
	pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || return 1
	for _ in $(seq 1 50); do postgres_answers && return; sleep 0.1; done
	log "PostgreSQL did not answer"
	return 1
}

# Telethon 1.x under /usr/bin/python3, for the tests that check our Telethon formats against it.
ensure_telethon() {
	/usr/bin/python3 -c "import telethon, sys; sys.exit(0 if telethon.__version__.startswith('1.') else 3)" 2>/dev/null && return
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt_install_pinned python3-telethon && return
	fi
	log "no Telethon 1.x under /usr/bin/python3 and cannot install it (need root and apt-get)"
	return 1
}

# Uses the Chromium at $CHROMIUM_PATH, or installs Debian's chromium package with apt-get.
ensure_chromium() {
	if [ -x "$CHROMIUM_PATH" ]; then return; fi
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt_install_pinned chromium || return 1
		[ -x "$CHROMIUM_PATH" ] && return
	fi
	log "no Chromium at $CHROMIUM_PATH and cannot install one (need root and apt-get)"
	return 1
}

stop_started_services() {
	if [ -n "${STARTED_REDIS_PIDFILE:-}" ] && [ -f "$STARTED_REDIS_PIDFILE" ]; then
		kill "$(cat "$STARTED_REDIS_PIDFILE")" 2>/dev/null || true
	fi
}
