#!/usr/bin/env bash
# Install the Debian packages ccontainer needs to build and to run its tests.
#
# Idempotent: packages already installed are left alone, and `apt-get update`
# runs only when something is missing.  Used by `make deps` and .ci/run.
set -euo pipefail

# libclang-rt-dev: libFuzzer and the sanitizer runtimes for clang (make fuzz).
build_deps=(
	build-essential pkg-config clang libclang-rt-dev
	libcurl4-openssl-dev libarchive-dev libssl-dev libsqlite3-dev libjansson-dev
	libseccomp-dev libcap-dev libmnl-dev libnftables-dev libcmocka-dev libfyaml-dev
)
# skopeo, docker-registry, apache2-utils (htpasswd), python3, zstd, curl: the
# registry fixtures in tests/system/helpers.registry.bash.  attr: getfattr for
# poking at overlay xattrs by hand. sqlite3: reading and aging the store by hand.
# uidmap (newuidmap/newgidmap), passt (pasta), slirp4netns: rootless
# ccontainer (090).
# podman-compose: the oracle of 081-compose-up.bats (it runs here with podman,
# runc and cgroupfs).
test_deps=(
	bats skopeo docker-registry apache2-utils python3 zstd iproute2 tmux util-linux
	attr curl ca-certificates nftables podman runc jq sqlite3 podman-compose
	uidmap passt slirp4netns
)

missing=()
for pkg in "${build_deps[@]}" "${test_deps[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [[ $status != installed ]]; then
		missing+=("$pkg")
	fi
done

all=$((${#build_deps[@]} + ${#test_deps[@]}))
if ((${#missing[@]} == 0)); then
	echo "install-deps: all $all packages present"
	exit 0
fi

sudo=()
if [[ $(id -u) != 0 ]]; then
	sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-qq -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false)
"${sudo[@]}" apt-get "${apt_opts[@]}" update
"${sudo[@]}" apt-get "${apt_opts[@]}" install -y "${missing[@]}" >/dev/null
echo "install-deps: done"
