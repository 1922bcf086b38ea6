# Shared set-up for the container benchmarks (sourced, not run): a release build of nook, a
# scratch directory, the busybox root filesystem imported into nook and podman for the
# unprivileged test user, and `as_user` to run a command as that user in that world.
# Callers set `name` (for messages) and run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench/$name: run as root (sudo)" >&2; exit 1; }
command -v cargo >/dev/null 2>&1 || . "$HOME/.cargo/env"
scripts/setup-host >/dev/null
cargo build --release --locked -q

user=${NOOK_TEST_USER:-nookci}
work=$(mktemp -d "/tmp/nook-bench-$name.XXXXXX")
chmod 755 "$work"
install -m 755 target/release/nook "$work/nook"
# NOOK_BENCH_USER_OWNED=1: nook as `cargo install` leaves it, owned by the user, so that the
# processes that enter containers run from a sealed copy (see "Walls" in the README).
if [ -n "${NOOK_BENCH_USER_OWNED:-}" ]; then
    chown "${NOOK_TEST_USER:-nookci}" "$work/nook"
fi
# NOOK_BEFORE=PATH: a nook binary from before a change, measured in the same run (as
# nook-before) by the benchmarks that compare start-up.
if [ -n "${NOOK_BEFORE:-}" ]; then
    install -m 755 "$NOOK_BEFORE" "$work/nook-before"
fi
# hyperfine arguments for `nook-before CMD...` when NOOK_BEFORE is set: before NAME ARGS...
before() {
    local label=$1
    shift
    [ -z "${NOOK_BEFORE:-}" ] || printf '%s\0' -n "$label" "$work/nook-before $*"
}
# The median of NAME if it was measured, else "-": median_or_dash FILE NAME
median_or_dash() {
    if [ -n "${NOOK_BEFORE:-}" ]; then median "$1" "$2"; else echo -; fi
}
# Run a command as the test user, in the benchmark's home and runtime directory.
as_user() {
    runuser -u "$user" -- env HOME="$work/home" XDG_RUNTIME_DIR="$work/run" \
        PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

# Ends what the benchmark left running, then removes the scratch directory.
bench_cleanup() {
    as_user podman rm -af -t 0 >/dev/null 2>&1 || true
    as_user podman rmi -af >/dev/null 2>&1 || true
    as_user "$work/nook" rm -f $(as_user "$work/nook" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    # nook's namespace holders and podman's pause process hold user namespaces and would
    # outlive the run
    as_user "$work/nook" system reset-userns >/dev/null 2>&1 || true
    if [ -s "$work/run/libpod/tmp/pause.pid" ]; then
        kill "$(cat "$work/run/libpod/tmp/pause.pid")" 2>/dev/null || true
    fi
    for dir in "$work/home" "$work/run"; do
        if mountpoint -q "$dir"; then
            umount "$dir" || umount -l "$dir"
        fi
    done
    rm -rf "$work"
}
trap bench_cleanup EXIT

scripts/busybox-rootfs "$work"
mkdir -m 700 "$work/run" "$work/home" && mkdir -m 755 "$work/out"
# The runtime directory is a tmpfs, as a login session's /run/user/UID is (systemd-logind
# mounts one): nook writes its containers' network files there, podman its run root.
mount -t tmpfs -o mode=700,size=64m tmpfs "$work/run"
# NOOK_BENCH_FS=journaled: the user's home, and so nook's and podman's stores, on a fresh ext4
# with a journal (mkfs.ext4's defaults, as an installer formats a laptop's disk), mounted from
# an image. These VMs' own disk is ext4 without a journal, where ext4 finds every new inode
# by stepping over each inode deleted in the last minutes (recently_deleted() in
# fs/ext4/ialloc.c, for journal-less filesystems only): a loop of starts that each make and
# remove about twenty files slows down as it goes, and so does anything that makes files.
if [ "${NOOK_BENCH_FS:-}" = journaled ]; then
    truncate -s 4G "$work/home.img"
    mkfs.ext4 -q "$work/home.img"
    mount -o loop "$work/home.img" "$work/home"
    chmod 700 "$work/home"
elif [ -n "${NOOK_BENCH_FS:-}" ]; then
    echo "bench/$name: NOOK_BENCH_FS is 'journaled' or unset, not '$NOOK_BENCH_FS'" >&2
    exit 1
fi
# (group too, as on a laptop: podman keep-id cannot pass a 700 home of group root)
chown "$user:" "$work/run" "$work/home" "$work/out"
# podman's configuration for this machine (runc, cgroupfs: see scripts/setup-host)
mkdir -p "$work/home/.config"
cp -r "$(getent passwd "$user" | cut -d: -f6)/.config/containers" "$work/home/.config/"
chown -R "$user" "$work/home"

as_user "$work/nook" import "$work/busybox.tar" bench/busybox >/dev/null
as_user podman import "$work/busybox.tar" localhost/bench/busybox >/dev/null 2>&1

# Median of a hyperfine result, in ms: median FILE COMMAND-NAME
median() {
    python3 - "$1" "$2" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(f"{r[sys.argv[2]]['median'] * 1000:.2f}")
PY
}
