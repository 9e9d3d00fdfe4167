# shellcheck shell=bash disable=SC2034
# Shared by scripts/demo.sh and scripts/test.sh (sourced, not run): set-up steps that are quick
# to repeat. Debian 12 with Python 3.11; root, or a user who may sudo.

# Debian packages the server needs at run time: WeasyPrint draws notices with Pango/HarfBuzz,
# fontconfig finds a Chinese font for PDFs and the demo's photos. Append, one line each.
RUNTIME_APT_PACKAGES=(
    libpango-1.0-0
    libpangoft2-1.0-0
    libharfbuzz0b
    libharfbuzz-subset0
    fontconfig
    fonts-wqy-microhei
)

# What the test suite needs besides: an X server and GL for Kivy, Chromium for browser tests.
TEST_APT_PACKAGES=(
    xvfb
    xauth
    libmtdev1
    libgl1
    libgl1-mesa-dri
    libegl1
    libegl-mesa0
    chromium
    chromium-driver
    postgresql-client
)

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '错误 error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "需要 root 或 sudo 来安装系统软件包 (need root or sudo to run: $*)"
    fi
}

_apt_updated=""

# Install the Debian packages that are missing; when none is, this costs one dpkg-query.
apt_ensure() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "apt: installing ${missing[*]}"
    if [ -z "$_apt_updated" ]; then
        as_root apt-get -qq update
        _apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# .venv with the project installed editable; pip runs again only when pyproject.toml or the set
# of top-level packages changed since the last install (an editable install records both).
venv_ensure() {
    command -v python3 >/dev/null || apt_ensure python3 python3-venv
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "需要 Python 3.11 或更新 (Python 3.11+ needed; python3 is $(python3 -V 2>&1))"
    if ! .venv/bin/python -c 'import sys' 2>/dev/null; then
        say "creating .venv"
        rm -rf .venv
        if ! python3 -m venv .venv >/dev/null 2>&1; then
            # Debian ships venv's pip bootstrap separately.
            rm -rf .venv
            apt_ensure python3-venv
            python3 -m venv .venv
        fi
    fi
    local stamp
    stamp=$({ cat pyproject.toml; ls -d -- */__init__.py; } | sha256sum | cut -d' ' -f1)
    if [ "$(cat .venv/.xuncha-installed 2>/dev/null)" != "$stamp" ] || [ ! -x .venv/bin/xuncha ]; then
        say "pip install -e .[dev] (the first time takes a minute or two)"
        .venv/bin/python -m pip install -q -e '.[dev]'
        echo "$stamp" > .venv/.xuncha-installed
    fi
}

# A scratch demo city served on a free port (for the screenshot scripts): exports
# XUNCHA_INSTANCE, sets demo_url; the EXIT trap stops the server and removes the instance.
demo_server_start() {
    demo_instance=$(mktemp -d)
    demo_server_pid=""
    trap demo_server_stop EXIT
    export XUNCHA_INSTANCE=$demo_instance
    say "demo city in $demo_instance"
    .venv/bin/xuncha db upgrade >/dev/null
    .venv/bin/xuncha demo build >/dev/null
    local port
    port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    .venv/bin/xuncha serve --host 127.0.0.1 --port "$port" --no-jobs >"$demo_instance/serve.log" 2>&1 &
    demo_server_pid=$!
    demo_url="http://127.0.0.1:$port"
    for _ in $(seq 60); do
        curl -fs "$demo_url/api/v1/health" >/dev/null 2>&1 && break
        sleep 0.5
    done
}

demo_server_stop() {
    [ -n "${demo_server_pid:-}" ] && kill "$demo_server_pid" 2>/dev/null && wait "$demo_server_pid" 2>/dev/null
    rm -rf "${demo_instance:-}"
}
