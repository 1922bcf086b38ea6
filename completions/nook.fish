# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_nook_global_optspecs
    string join \n storage-driver= h/help V/version
end

function __fish_nook_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_nook_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_nook_using_subcommand
    set -l cmd (__fish_nook_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c nook -n "__fish_nook_needs_command" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_needs_command" -s V -l version -d 'Print version'
complete -c nook -n "__fish_nook_needs_command" -f -a "run" -d 'Run a command in a new container'
complete -c nook -n "__fish_nook_needs_command" -f -a "create" -d 'Create a container without starting it'
complete -c nook -n "__fish_nook_needs_command" -f -a "start" -d 'Start containers in the background'
complete -c nook -n "__fish_nook_needs_command" -f -a "stop" -d 'Stop containers: their stop signal, then SIGKILL after a grace period'
complete -c nook -n "__fish_nook_needs_command" -f -a "restart" -d 'Stop and start containers again'
complete -c nook -n "__fish_nook_needs_command" -f -a "kill" -d 'Send a signal to containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "wait" -d 'Wait for containers to exit and print their exit status'
complete -c nook -n "__fish_nook_needs_command" -f -a "logs" -d 'Show a container\'s output'
complete -c nook -n "__fish_nook_needs_command" -f -a "exec" -d 'Run a command in a running container'
complete -c nook -n "__fish_nook_needs_command" -f -a "attach" -d 'Follow a running container\'s output, and feed it your input (when it was started with -i); ctrl-p ctrl-q leaves it running'
complete -c nook -n "__fish_nook_needs_command" -f -a "inspect" -d 'Show details of containers or images as JSON'
complete -c nook -n "__fish_nook_needs_command" -f -a "cp" -d 'Copy files between a container and the host'
complete -c nook -n "__fish_nook_needs_command" -f -a "rename" -d 'Rename a container'
complete -c nook -n "__fish_nook_needs_command" -f -a "top" -d 'Show the processes of a container'
complete -c nook -n "__fish_nook_needs_command" -f -a "port" -d 'Show a container\'s published ports'
complete -c nook -n "__fish_nook_needs_command" -f -a "commit" -d 'Make an image of a container: its image, what it changed on top, and how it ran'
complete -c nook -n "__fish_nook_needs_command" -f -a "diff" -d 'List what a container changed in its image\'s files (A added, C changed, D deleted)'
complete -c nook -n "__fish_nook_needs_command" -f -a "export" -d 'Write a container\'s filesystem as a tar archive'
complete -c nook -n "__fish_nook_needs_command" -f -a "ps" -d 'List containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "stats" -d 'Show what running containers use: CPU, memory, network, block I/O, processes'
complete -c nook -n "__fish_nook_needs_command" -f -a "pause" -d 'Freeze every process of containers (cgroup freezer)'
complete -c nook -n "__fish_nook_needs_command" -f -a "unpause" -d 'Thaw paused containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "update" -d 'Change the resource limits of containers, running or not'
complete -c nook -n "__fish_nook_needs_command" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "container" -d 'Manage containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "sandbox" -d 'Run a command in a sandbox: the host\'s system read-only, the project writable, no home, no network, no privileges'
complete -c nook -n "__fish_nook_needs_command" -f -a "build" -d 'Build an image from a Containerfile (or Dockerfile)'
complete -c nook -n "__fish_nook_needs_command" -f -a "builder" -d 'Manage the build cache'
complete -c nook -n "__fish_nook_needs_command" -f -a "trust" -d 'Trust a project\'s nook.toml, so that what it opens in the sandbox\'s walls (and what a dev shell runs) is honoured for those exact contents; or list and forget trusted files'
complete -c nook -n "__fish_nook_needs_command" -f -a "shell" -d 'Enter a dev shell: a profile\'s tools (built once, then cached), as yourself, in your project'
complete -c nook -n "__fish_nook_needs_command" -f -a "lock" -d 'Resolve a profile and write its nook.lock, or check that the lock is current'
complete -c nook -n "__fish_nook_needs_command" -f -a "profile" -d 'List, show and check dev-shell profiles'
complete -c nook -n "__fish_nook_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c nook -n "__fish_nook_needs_command" -f -a "network" -d 'Manage user networks, on which containers reach each other by name'
complete -c nook -n "__fish_nook_needs_command" -f -a "images" -d 'List images'
complete -c nook -n "__fish_nook_needs_command" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_needs_command" -f -a "load" -d 'Load images from a docker-archive, oci-archive or OCI layout directory'
complete -c nook -n "__fish_nook_needs_command" -f -a "pull" -d 'Pull an image from a registry'
complete -c nook -n "__fish_nook_needs_command" -f -a "login" -d 'Log in to a registry (credentials go to ~/.config/nook/auth.json)'
complete -c nook -n "__fish_nook_needs_command" -f -a "logout" -d 'Log out of a registry'
complete -c nook -n "__fish_nook_needs_command" -f -a "push" -d 'Push an image to a registry'
complete -c nook -n "__fish_nook_needs_command" -f -a "tag" -d 'Give an image another name'
complete -c nook -n "__fish_nook_needs_command" -f -a "rmi" -d 'Remove images (and what no other image or container uses)'
complete -c nook -n "__fish_nook_needs_command" -f -a "save" -d 'Write images to a docker-archive or oci-archive'
complete -c nook -n "__fish_nook_needs_command" -f -a "history" -d 'Show how an image was made, layer by layer'
complete -c nook -n "__fish_nook_needs_command" -f -a "image" -d 'Manage images'
complete -c nook -n "__fish_nook_needs_command" -f -a "system" -d 'Manage nook\'s store'
complete -c nook -n "__fish_nook_needs_command" -f -a "doctor" -d 'Check that this machine has what rootless containers need, and say how to fix what is missing'
complete -c nook -n "__fish_nook_needs_command" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_needs_command" -f -a "version" -d 'Print nook\'s version (docker\'s shape: Client and Server, which are both nook)'
complete -c nook -n "__fish_nook_needs_command" -f -a "events" -d 'Show what happened to containers, images, volumes and networks, as it happens'
complete -c nook -n "__fish_nook_needs_command" -f -a "healthcheck" -d 'Run a container\'s health check now'
complete -c nook -n "__fish_nook_needs_command" -f -a "compose" -d 'Run multi-container applications from compose files'
complete -c nook -n "__fish_nook_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c nook -n "__fish_nook_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand run" -l rm -d 'Remove the container when it exits' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -s i -l interactive -d 'Keep standard input open and pass it to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -s t -l tty -d 'Give the container a terminal (a pseudo-TTY that follows resizes)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand run" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s u -l user -d 'User to run as: a name or uid, optionally with :group or :gid' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l userns -d 'keep-id: your uid and gid are the same inside (or keep-id:uid=N,gid=N: those are you), so files you own on the host are yours inside; the command runs as you, with a line for you in /etc/passwd' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l pid -d 'The pid namespace: private (the default: the container sees only its own processes) or host (it sees, and may signal, those of yours on the host)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s h -l hostname -d 'Container host name (default: the first 12 digits of its id)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l entrypoint -d 'Override the image\'s ENTRYPOINT ("" clears it)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem read-only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l read-only-tmpfs -d 'With --read-only, mount writable tmpfs on /tmp, /var/tmp and /run' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l name -d 'Name the container' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l init -d 'Run a small init as PID 1 that forwards signals and reaps zombies' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l cap-add -d 'Add a Linux capability (e.g. NET_RAW, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cap-drop -d 'Drop a Linux capability (e.g. CHOWN, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l security-opt -d 'seccomp=unconfined|PROFILE.json (docker\'s format; default: docker\'s default profile), no-new-privileges[=true|false]' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l privileged -d 'Every capability of the container\'s user namespace, no seccomp filter, no masked kernel paths (the host stays as protected as from any process of yours)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l cidfile -d 'Write the container id to this file' -r -F
complete -c nook -n "__fish_nook_using_subcommand run" -s d -l detach -d 'Run in the background and print the container id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l restart -d 'Restart policy, carried out by the container\'s monitor: no, always, on-failure[:MAX]' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s v -l volume -d 'Mount a volume or host path (a missing host directory is created)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l mount -d 'Mount, docker style: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l tmpfs -d 'Mount a tmpfs' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l group-add -d 'Add a supplementary group (a name in the image\'s /etc/group, or a number); keep-groups keeps your own instead (files of your groups stay open to you; inside they show as nogroup)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l device -d 'Give the container a host device, or a directory of them (bound in: what it may do with it is what the device\'s permissions let you do)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l stop-signal -d 'Signal `stop` sends first (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL, unless it is given -t (default 10)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s l -l label -d 'Set a label' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l shm-size -d 'Size of /dev/shm (64m by default, as docker\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l ulimit -d 'A resource limit of its processes: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1: unlimited); no higher than your own hard limit' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l label-file -d 'Read labels from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand run" -l sysctl -d 'Set a kernel setting of the container\'s own namespaces: net.* (not with --network host), kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l log-driver -d 'Where the output goes: the container\'s log file (json-file, k8s-file and local all mean it) or none (kept nowhere; `logs` shows nothing)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l log-opt -d 'Bound the log: max-size=SIZE (20m by default) and max-file=N (5): past the size it moves to an older file, and only N files are kept' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l network -l net -d 'The network: pasta (its own, connected through pasta; the default), none, host, container:NAME (another container\'s), or a user network\'s name (`nook network create`); repeat it (or separate names with commas) to join several user networks' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s p -l publish -d 'Publish a port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], ranges allowed (8000-8010:80-90); without HOSTPORT, a free one' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s P -l publish-all -d 'Publish every port the image exposes, each on a free host port' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l dns -d 'A nameserver for the container (instead of the default)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l dns-search -d 'A DNS search domain for the container ("." for none)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l dns-option -d 'A resolver option for the container (e.g. ndots:2)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l add-host -d 'Add a line to the container\'s /etc/hosts; IP may be host-gateway (the host, with --host-loopback)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l host-loopback -d 'Let the container reach services bound to the host\'s loopback (127.0.0.1), through its gateway as host.containers.internal (default: no, or `host_loopback` under [network] in config.toml)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l network-alias -d 'Another name the container has on its user network' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s m -l memory -d 'Memory limit (512m, 2g); the container\'s processes are OOM-killed beyond it' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l memory-swap -d 'Memory and swap together (-1: unlimited swap)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l memory-reservation -d 'Memory kept for the container under pressure (memory.low)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cpus -d 'CPU time, in CPUs (0.5: half a core)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cpu-weight -d 'Relative CPU weight, 1-10000 (default 100)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s c -l cpu-shares -d 'Relative CPU weight in cgroup v1 shares, 2-262144 (converted to a weight)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cpuset-cpus -d 'CPUs it may run on (0-3, 0,2)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l pids-limit -d 'Most processes it may have; 0 or -1: no limit (default 2048 where cgroups are given)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l io-weight -d 'Relative block I/O weight, 1-10000' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l health-cmd -d 'Command that tells whether the container is healthy, run in it by /bin/sh -c (exit 0: healthy); `ps`, `inspect` and `events` show the result' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l health-interval -d 'Time between checks (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l health-timeout -d 'Longest a check may run before it counts as failed (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l health-start-period -d 'Time the container has to start, during which failures do not count (default 0s)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l health-start-interval -d 'Time between checks during the start period (default 5s)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l no-healthcheck -d 'Run no health check, not even the image\'s' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l cgroup-manager -d 'Who makes the container\'s cgroup (default: systemd when your user manager runs, else cgroupfs in a delegated subtree)' -r -f -a "systemd\t'The systemd user manager, over the user\'s D-Bus session bus'
cgroupfs\t'Directories in a delegated cgroup v2 subtree, written directly'"
complete -c nook -n "__fish_nook_using_subcommand run" -l cgroups -d 'disabled: no cgroup, so no limits, stats or pause (default: `cgroups` under [containers] in config.toml, else enabled)' -r -f -a "enabled\t'Use cgroups where this machine gives them; asked-for limits must be enforced'
disabled\t'Never: no limits (asking for one is an error), no stats, no pause'"
complete -c nook -n "__fish_nook_using_subcommand run" -l pull -d 'When to pull the image from its registry' -r -f -a "always\t'Pull even if the image is here'
missing\t'Pull only if the image is not here'
never\t'Never pull: fail if the image is not here'"
complete -c nook -n "__fish_nook_using_subcommand run" -l platform -d 'Platform to pull, if pulling (default: this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand run" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand create" -l rm -d 'Remove the container when it exits' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -s i -l interactive -d 'Keep standard input open and pass it to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -s t -l tty -d 'Give the container a terminal (a pseudo-TTY that follows resizes)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand create" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s u -l user -d 'User to run as: a name or uid, optionally with :group or :gid' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l userns -d 'keep-id: your uid and gid are the same inside (or keep-id:uid=N,gid=N: those are you), so files you own on the host are yours inside; the command runs as you, with a line for you in /etc/passwd' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l pid -d 'The pid namespace: private (the default: the container sees only its own processes) or host (it sees, and may signal, those of yours on the host)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s h -l hostname -d 'Container host name (default: the first 12 digits of its id)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l entrypoint -d 'Override the image\'s ENTRYPOINT ("" clears it)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l read-only -d 'Mount the container\'s root filesystem read-only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l read-only-tmpfs -d 'With --read-only, mount writable tmpfs on /tmp, /var/tmp and /run' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l name -d 'Name the container' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l init -d 'Run a small init as PID 1 that forwards signals and reaps zombies' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l cap-add -d 'Add a Linux capability (e.g. NET_RAW, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l cap-drop -d 'Drop a Linux capability (e.g. CHOWN, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l security-opt -d 'seccomp=unconfined|PROFILE.json (docker\'s format; default: docker\'s default profile), no-new-privileges[=true|false]' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l privileged -d 'Every capability of the container\'s user namespace, no seccomp filter, no masked kernel paths (the host stays as protected as from any process of yours)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l cidfile -d 'Write the container id to this file' -r -F
complete -c nook -n "__fish_nook_using_subcommand create" -s d -l detach -d 'Run in the background and print the container id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l restart -d 'Restart policy, carried out by the container\'s monitor: no, always, on-failure[:MAX]' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s v -l volume -d 'Mount a volume or host path (a missing host directory is created)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l mount -d 'Mount, docker style: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l tmpfs -d 'Mount a tmpfs' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l group-add -d 'Add a supplementary group (a name in the image\'s /etc/group, or a number); keep-groups keeps your own instead (files of your groups stay open to you; inside they show as nogroup)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l device -d 'Give the container a host device, or a directory of them (bound in: what it may do with it is what the device\'s permissions let you do)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l stop-signal -d 'Signal `stop` sends first (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL, unless it is given -t (default 10)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s l -l label -d 'Set a label' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l shm-size -d 'Size of /dev/shm (64m by default, as docker\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l ulimit -d 'A resource limit of its processes: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1: unlimited); no higher than your own hard limit' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l label-file -d 'Read labels from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand create" -l sysctl -d 'Set a kernel setting of the container\'s own namespaces: net.* (not with --network host), kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l log-driver -d 'Where the output goes: the container\'s log file (json-file, k8s-file and local all mean it) or none (kept nowhere; `logs` shows nothing)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l log-opt -d 'Bound the log: max-size=SIZE (20m by default) and max-file=N (5): past the size it moves to an older file, and only N files are kept' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l network -l net -d 'The network: pasta (its own, connected through pasta; the default), none, host, container:NAME (another container\'s), or a user network\'s name (`nook network create`); repeat it (or separate names with commas) to join several user networks' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s p -l publish -d 'Publish a port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], ranges allowed (8000-8010:80-90); without HOSTPORT, a free one' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s P -l publish-all -d 'Publish every port the image exposes, each on a free host port' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l dns -d 'A nameserver for the container (instead of the default)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l dns-search -d 'A DNS search domain for the container ("." for none)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l dns-option -d 'A resolver option for the container (e.g. ndots:2)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l add-host -d 'Add a line to the container\'s /etc/hosts; IP may be host-gateway (the host, with --host-loopback)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l host-loopback -d 'Let the container reach services bound to the host\'s loopback (127.0.0.1), through its gateway as host.containers.internal (default: no, or `host_loopback` under [network] in config.toml)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l network-alias -d 'Another name the container has on its user network' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s m -l memory -d 'Memory limit (512m, 2g); the container\'s processes are OOM-killed beyond it' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l memory-swap -d 'Memory and swap together (-1: unlimited swap)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l memory-reservation -d 'Memory kept for the container under pressure (memory.low)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l cpus -d 'CPU time, in CPUs (0.5: half a core)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l cpu-weight -d 'Relative CPU weight, 1-10000 (default 100)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -s c -l cpu-shares -d 'Relative CPU weight in cgroup v1 shares, 2-262144 (converted to a weight)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l cpuset-cpus -d 'CPUs it may run on (0-3, 0,2)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l pids-limit -d 'Most processes it may have; 0 or -1: no limit (default 2048 where cgroups are given)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l io-weight -d 'Relative block I/O weight, 1-10000' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l health-cmd -d 'Command that tells whether the container is healthy, run in it by /bin/sh -c (exit 0: healthy); `ps`, `inspect` and `events` show the result' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l health-interval -d 'Time between checks (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l health-timeout -d 'Longest a check may run before it counts as failed (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l health-start-period -d 'Time the container has to start, during which failures do not count (default 0s)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l health-start-interval -d 'Time between checks during the start period (default 5s)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l no-healthcheck -d 'Run no health check, not even the image\'s' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand create" -l cgroup-manager -d 'Who makes the container\'s cgroup (default: systemd when your user manager runs, else cgroupfs in a delegated subtree)' -r -f -a "systemd\t'The systemd user manager, over the user\'s D-Bus session bus'
cgroupfs\t'Directories in a delegated cgroup v2 subtree, written directly'"
complete -c nook -n "__fish_nook_using_subcommand create" -l cgroups -d 'disabled: no cgroup, so no limits, stats or pause (default: `cgroups` under [containers] in config.toml, else enabled)' -r -f -a "enabled\t'Use cgroups where this machine gives them; asked-for limits must be enforced'
disabled\t'Never: no limits (asking for one is an error), no stats, no pause'"
complete -c nook -n "__fish_nook_using_subcommand create" -l pull -d 'When to pull the image from its registry' -r -f -a "always\t'Pull even if the image is here'
missing\t'Pull only if the image is not here'
never\t'Never pull: fail if the image is not here'"
complete -c nook -n "__fish_nook_using_subcommand create" -l platform -d 'Platform to pull, if pulling (default: this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand create" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand create" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand start" -s a -l attach -d 'Stay attached: show the output and exit with the container\'s status' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand start" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand stop" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c nook -n "__fish_nook_using_subcommand stop" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand restart" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c nook -n "__fish_nook_using_subcommand restart" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand kill" -s s -l signal -d 'The signal (name or number). With KILL, kill returns once the containers have stopped' -r
complete -c nook -n "__fish_nook_using_subcommand kill" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand kill" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand wait" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the container stops' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand logs" -s n -l tail -d 'Only the last N lines' -r
complete -c nook -n "__fish_nook_using_subcommand logs" -l since -d 'Only output since a time (RFC 3339) or for a duration back (e.g. 10m, 2h)' -r
complete -c nook -n "__fish_nook_using_subcommand logs" -s t -l timestamps -d 'Prefix each line with its time' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand logs" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand exec" -s d -l detach -d 'Start the command and return: it runs on in the container, its output discarded' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand exec" -s i -l interactive -d 'Keep standard input open and pass it to the command' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand exec" -s t -l tty -d 'Give the command a terminal' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand exec" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand exec" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand exec" -s w -l workdir -d 'Working directory (default: the container\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand exec" -s u -l user -d 'User to run as (default: the container\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand exec" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand exec" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand attach" -l no-stdin -d 'Do not pass your input to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand attach" -l sig-proxy -d 'Pass the signals you get (SIGINT, SIGTERM, ...) on to the container (not with a terminal, whose keys reach it directly)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand attach" -l detach-keys -d 'The keys that leave the container running and end the attach: ctrl-LETTER or characters, comma-separated' -r
complete -c nook -n "__fish_nook_using_subcommand attach" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand inspect" -s f -l format -d 'Print each through this Go template (`{{.State.Pid}}`, `{{json .Config}}`), as docker\'s -f does; `json` (the default) prints them as a JSON array' -r
complete -c nook -n "__fish_nook_using_subcommand inspect" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand cp" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand cp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand rename" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand top" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand port" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand port" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand commit" -s a -l author -d 'Who made the image' -r
complete -c nook -n "__fish_nook_using_subcommand commit" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)' -r
complete -c nook -n "__fish_nook_using_subcommand commit" -s m -l message -d 'Comment recorded in the image history' -r
complete -c nook -n "__fish_nook_using_subcommand commit" -s p -l pause -d 'Freeze a running container while its files are read (needs its cgroup)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand commit" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand commit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand diff" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c nook -n "__fish_nook_using_subcommand export" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand ps" -s a -l all -d 'Show all containers (default: running ones only)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand ps" -s n -l last -d 'Show the N containers created last (all states)' -r
complete -c nook -n "__fish_nook_using_subcommand ps" -s l -l latest -d 'Show the container created last (all states)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand ps" -s q -l quiet -d 'Print container ids only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand ps" -l no-trunc -d 'Do not truncate ids and commands' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand ps" -l format -d 'table (the default), json, or a Go template: \'{{.Names}}\', or with a header row \'table {{.ID}}\\t{{.Status}}\' (fields as docker\'s: ID, Image, Command, CreatedAt, RunningFor, Ports, State, Status, Names, Labels, Mounts, Networks)' -r
complete -c nook -n "__fish_nook_using_subcommand ps" -s f -l filter -d 'Show only containers that match: status=, name=, id=, ancestor=, label=KEY[=VALUE], exited=CODE, health=, network=, volume=NAME|PATH, publish=PORT[/PROTO]' -r
complete -c nook -n "__fish_nook_using_subcommand ps" -s s -l size -d 'Show what each container wrote (its writable layer) and, as virtual, that with its image' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand ps" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand stats" -l no-stream -d 'Print one sample and exit' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand stats" -l format -d 'table (default), json (one object per container and sample), or a Go template (\'{{.Name}} {{.CPUPerc}}\'; \'table ...\' with a header row)' -r
complete -c nook -n "__fish_nook_using_subcommand stats" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand pause" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand pause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand unpause" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand unpause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand update" -s m -l memory -d 'Memory limit (512m, 2g); the container\'s processes are OOM-killed beyond it' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l memory-swap -d 'Memory and swap together (-1: unlimited swap)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l memory-reservation -d 'Memory kept for the container under pressure (memory.low)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l cpus -d 'CPU time, in CPUs (0.5: half a core)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l cpu-weight -d 'Relative CPU weight, 1-10000 (default 100)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -s c -l cpu-shares -d 'Relative CPU weight in cgroup v1 shares, 2-262144 (converted to a weight)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l cpuset-cpus -d 'CPUs it may run on (0-3, 0,2)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l pids-limit -d 'Most processes it may have; 0 or -1: no limit (default 2048 where cgroups are given)' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l io-weight -d 'Relative block I/O weight, 1-10000' -r
complete -c nook -n "__fish_nook_using_subcommand update" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand rm" -s f -l force -d 'Stop running containers (SIGKILL) and remove them' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand rm" -s v -l volumes -d 'Remove the containers\' anonymous volumes too' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "ls" -d 'List containers'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "run" -d 'Run a command in a new container'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "create" -d 'Create a container without starting it'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "start" -d 'Start containers in the background'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "stop" -d 'Stop containers: their stop signal, then SIGKILL after a grace period'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "restart" -d 'Stop and start containers again'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "kill" -d 'Send a signal to containers'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "wait" -d 'Wait for containers to exit and print their exit status'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "logs" -d 'Show a container\'s output'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "exec" -d 'Run a command in a running container'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "attach" -d 'Follow a running container\'s output, and feed it your input (when it was started with -i); ctrl-p ctrl-q leaves it running'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "cp" -d 'Copy files between a container and the host'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "rename" -d 'Rename a container'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "top" -d 'Show the processes of a container'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "port" -d 'Show a container\'s published ports'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "commit" -d 'Make an image of a container: its image, what it changed on top, and how it ran'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "diff" -d 'List what a container changed in its image\'s files (A added, C changed, D deleted)'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "export" -d 'Write a container\'s filesystem as a tar archive'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "inspect" -d 'Show details of containers as JSON'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "prune" -d 'Remove all stopped containers'
complete -c nook -n "__fish_nook_using_subcommand container; and not __fish_seen_subcommand_from ls run create start stop restart kill wait logs exec attach cp rename top port commit diff export inspect rm prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers (default: running ones only)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s n -l last -d 'Show the N containers created last (all states)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s l -l latest -d 'Show the container created last (all states)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print container ids only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate ids and commands' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'table (the default), json, or a Go template: \'{{.Names}}\', or with a header row \'table {{.ID}}\\t{{.Status}}\' (fields as docker\'s: ID, Image, Command, CreatedAt, RunningFor, Ports, State, Status, Names, Labels, Mounts, Networks)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Show only containers that match: status=, name=, id=, ancestor=, label=KEY[=VALUE], exited=CODE, health=, network=, volume=NAME|PATH, publish=PORT[/PROTO]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s s -l size -d 'Show what each container wrote (its writable layer) and, as virtual, that with its image' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Remove the container when it exits' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep standard input open and pass it to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Give the container a terminal (a pseudo-TTY that follows resizes)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'User to run as: a name or uid, optionally with :group or :gid' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l userns -d 'keep-id: your uid and gid are the same inside (or keep-id:uid=N,gid=N: those are you), so files you own on the host are yours inside; the command runs as you, with a line for you in /etc/passwd' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l pid -d 'The pid namespace: private (the default: the container sees only its own processes) or host (it sees, and may signal, those of yours on the host)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Container host name (default: the first 12 digits of its id)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the image\'s ENTRYPOINT ("" clears it)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Mount the container\'s root filesystem read-only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only-tmpfs -d 'With --read-only, mount writable tmpfs on /tmp, /var/tmp and /run' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Name the container' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l init -d 'Run a small init as PID 1 that forwards signals and reaps zombies' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add a Linux capability (e.g. NET_RAW, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop a Linux capability (e.g. CHOWN, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'seccomp=unconfined|PROFILE.json (docker\'s format; default: docker\'s default profile), no-new-privileges[=true|false]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l privileged -d 'Every capability of the container\'s user namespace, no seccomp filter, no masked kernel paths (the host stays as protected as from any process of yours)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cidfile -d 'Write the container id to this file' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run in the background and print the container id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy, carried out by the container\'s monitor: no, always, on-failure[:MAX]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Mount a volume or host path (a missing host directory is created)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Mount, docker style: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a tmpfs' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l group-add -d 'Add a supplementary group (a name in the image\'s /etc/group, or a number); keep-groups keeps your own instead (files of your groups stay open to you; inside they show as nogroup)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l device -d 'Give the container a host device, or a directory of them (bound in: what it may do with it is what the device\'s permissions let you do)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal `stop` sends first (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL, unless it is given -t (default 10)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set a label' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l shm-size -d 'Size of /dev/shm (64m by default, as docker\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'A resource limit of its processes: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1: unlimited); no higher than your own hard limit' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l label-file -d 'Read labels from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l sysctl -d 'Set a kernel setting of the container\'s own namespaces: net.* (not with --network host), kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l log-driver -d 'Where the output goes: the container\'s log file (json-file, k8s-file and local all mean it) or none (kept nowhere; `logs` shows nothing)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'Bound the log: max-size=SIZE (20m by default) and max-file=N (5): past the size it moves to an older file, and only N files are kept' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'The network: pasta (its own, connected through pasta; the default), none, host, container:NAME (another container\'s), or a user network\'s name (`nook network create`); repeat it (or separate names with commas) to join several user networks' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], ranges allowed (8000-8010:80-90); without HOSTPORT, a free one' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish every port the image exposes, each on a free host port' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'A nameserver for the container (instead of the default)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'A DNS search domain for the container ("." for none)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -d 'A resolver option for the container (e.g. ndots:2)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a line to the container\'s /etc/hosts; IP may be host-gateway (the host, with --host-loopback)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l host-loopback -d 'Let the container reach services bound to the host\'s loopback (127.0.0.1), through its gateway as host.containers.internal (default: no, or `host_loopback` under [network] in config.toml)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l network-alias -d 'Another name the container has on its user network' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s m -l memory -d 'Memory limit (512m, 2g); the container\'s processes are OOM-killed beyond it' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-swap -d 'Memory and swap together (-1: unlimited swap)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-reservation -d 'Memory kept for the container under pressure (memory.low)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cpus -d 'CPU time, in CPUs (0.5: half a core)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cpu-weight -d 'Relative CPU weight, 1-10000 (default 100)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -s c -l cpu-shares -d 'Relative CPU weight in cgroup v1 shares, 2-262144 (converted to a weight)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cpuset-cpus -d 'CPUs it may run on (0-3, 0,2)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l pids-limit -d 'Most processes it may have; 0 or -1: no limit (default 2048 where cgroups are given)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l io-weight -d 'Relative block I/O weight, 1-10000' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l health-cmd -d 'Command that tells whether the container is healthy, run in it by /bin/sh -c (exit 0: healthy); `ps`, `inspect` and `events` show the result' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l health-interval -d 'Time between checks (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l health-timeout -d 'Longest a check may run before it counts as failed (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-period -d 'Time the container has to start, during which failures do not count (default 0s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-interval -d 'Time between checks during the start period (default 5s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l no-healthcheck -d 'Run no health check, not even the image\'s' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cgroup-manager -d 'Who makes the container\'s cgroup (default: systemd when your user manager runs, else cgroupfs in a delegated subtree)' -r -f -a "systemd\t'The systemd user manager, over the user\'s D-Bus session bus'
cgroupfs\t'Directories in a delegated cgroup v2 subtree, written directly'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l cgroups -d 'disabled: no cgroup, so no limits, stats or pause (default: `cgroups` under [containers] in config.toml, else enabled)' -r -f -a "enabled\t'Use cgroups where this machine gives them; asked-for limits must be enforced'
disabled\t'Never: no limits (asking for one is an error), no stats, no pause'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'When to pull the image from its registry' -r -f -a "always\t'Pull even if the image is here'
missing\t'Pull only if the image is not here'
never\t'Never pull: fail if the image is not here'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l platform -d 'Platform to pull, if pulling (default: this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Remove the container when it exits' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep standard input open and pass it to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Give the container a terminal (a pseudo-TTY that follows resizes)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'User to run as: a name or uid, optionally with :group or :gid' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l userns -d 'keep-id: your uid and gid are the same inside (or keep-id:uid=N,gid=N: those are you), so files you own on the host are yours inside; the command runs as you, with a line for you in /etc/passwd' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l pid -d 'The pid namespace: private (the default: the container sees only its own processes) or host (it sees, and may signal, those of yours on the host)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l hostname -d 'Container host name (default: the first 12 digits of its id)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Override the image\'s ENTRYPOINT ("" clears it)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Mount the container\'s root filesystem read-only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only-tmpfs -d 'With --read-only, mount writable tmpfs on /tmp, /var/tmp and /run' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Name the container' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l init -d 'Run a small init as PID 1 that forwards signals and reaps zombies' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add a Linux capability (e.g. NET_RAW, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop a Linux capability (e.g. CHOWN, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'seccomp=unconfined|PROFILE.json (docker\'s format; default: docker\'s default profile), no-new-privileges[=true|false]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l privileged -d 'Every capability of the container\'s user namespace, no seccomp filter, no masked kernel paths (the host stays as protected as from any process of yours)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cidfile -d 'Write the container id to this file' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s d -l detach -d 'Run in the background and print the container id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy, carried out by the container\'s monitor: no, always, on-failure[:MAX]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Mount a volume or host path (a missing host directory is created)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Mount, docker style: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a tmpfs' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l group-add -d 'Add a supplementary group (a name in the image\'s /etc/group, or a number); keep-groups keeps your own instead (files of your groups stay open to you; inside they show as nogroup)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l device -d 'Give the container a host device, or a directory of them (bound in: what it may do with it is what the device\'s permissions let you do)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal `stop` sends first (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL, unless it is given -t (default 10)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l shm-size -d 'Size of /dev/shm (64m by default, as docker\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'A resource limit of its processes: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1: unlimited); no higher than your own hard limit' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l label-file -d 'Read labels from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l sysctl -d 'Set a kernel setting of the container\'s own namespaces: net.* (not with --network host), kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l log-driver -d 'Where the output goes: the container\'s log file (json-file, k8s-file and local all mean it) or none (kept nowhere; `logs` shows nothing)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'Bound the log: max-size=SIZE (20m by default) and max-file=N (5): past the size it moves to an older file, and only N files are kept' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l network -l net -d 'The network: pasta (its own, connected through pasta; the default), none, host, container:NAME (another container\'s), or a user network\'s name (`nook network create`); repeat it (or separate names with commas) to join several user networks' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], ranges allowed (8000-8010:80-90); without HOSTPORT, a free one' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s P -l publish-all -d 'Publish every port the image exposes, each on a free host port' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l dns -d 'A nameserver for the container (instead of the default)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-search -d 'A DNS search domain for the container ("." for none)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-option -d 'A resolver option for the container (e.g. ndots:2)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l add-host -d 'Add a line to the container\'s /etc/hosts; IP may be host-gateway (the host, with --host-loopback)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l host-loopback -d 'Let the container reach services bound to the host\'s loopback (127.0.0.1), through its gateway as host.containers.internal (default: no, or `host_loopback` under [network] in config.toml)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l network-alias -d 'Another name the container has on its user network' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s m -l memory -d 'Memory limit (512m, 2g); the container\'s processes are OOM-killed beyond it' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-swap -d 'Memory and swap together (-1: unlimited swap)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-reservation -d 'Memory kept for the container under pressure (memory.low)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cpus -d 'CPU time, in CPUs (0.5: half a core)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cpu-weight -d 'Relative CPU weight, 1-10000 (default 100)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -s c -l cpu-shares -d 'Relative CPU weight in cgroup v1 shares, 2-262144 (converted to a weight)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cpuset-cpus -d 'CPUs it may run on (0-3, 0,2)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l pids-limit -d 'Most processes it may have; 0 or -1: no limit (default 2048 where cgroups are given)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l io-weight -d 'Relative block I/O weight, 1-10000' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l health-cmd -d 'Command that tells whether the container is healthy, run in it by /bin/sh -c (exit 0: healthy); `ps`, `inspect` and `events` show the result' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l health-interval -d 'Time between checks (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l health-timeout -d 'Longest a check may run before it counts as failed (default 30s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-period -d 'Time the container has to start, during which failures do not count (default 0s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-interval -d 'Time between checks during the start period (default 5s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l no-healthcheck -d 'Run no health check, not even the image\'s' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cgroup-manager -d 'Who makes the container\'s cgroup (default: systemd when your user manager runs, else cgroupfs in a delegated subtree)' -r -f -a "systemd\t'The systemd user manager, over the user\'s D-Bus session bus'
cgroupfs\t'Directories in a delegated cgroup v2 subtree, written directly'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l cgroups -d 'disabled: no cgroup, so no limits, stats or pause (default: `cgroups` under [containers] in config.toml, else enabled)' -r -f -a "enabled\t'Use cgroups where this machine gives them; asked-for limits must be enforced'
disabled\t'Never: no limits (asking for one is an error), no stats, no pause'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'When to pull the image from its registry' -r -f -a "always\t'Pull even if the image is here'
missing\t'Pull only if the image is not here'
never\t'Never pull: fail if the image is not here'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l platform -d 'Platform to pull, if pulling (default: this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from create" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Stay attached: show the output and exit with the container\'s status' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from start" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from stop" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from restart" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'The signal (name or number). With KILL, kill returns once the containers have stopped' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from kill" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from wait" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new output until the container stops' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Only the last N lines' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Only output since a time (RFC 3339) or for a duration back (e.g. 10m, 2h)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Prefix each line with its time' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from logs" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Start the command and return: it runs on in the container, its output discarded' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -s i -l interactive -d 'Keep standard input open and pass it to the command' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -s t -l tty -d 'Give the command a terminal' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory (default: the container\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -s u -l user -d 'User to run as (default: the container\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from exec" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not pass your input to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Pass the signals you get (SIGINT, SIGTERM, ...) on to the container (not with a terminal, whose keys reach it directly)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from attach" -l detach-keys -d 'The keys that leave the container running and end the attach: ctrl-LETTER or characters, comma-separated' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from attach" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from cp" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from rename" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from top" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from port" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from commit" -s a -l author -d 'Who made the image' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from commit" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from commit" -s m -l message -d 'Comment recorded in the image history' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from commit" -s p -l pause -d 'Freeze a running container while its files are read (needs its cgroup)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from commit" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from commit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from diff" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from export" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Print each through this Go template (`{{.State.Pid}}`, `{{json .Config}}`), as docker\'s -f does; `json` (the default) prints them as a JSON array' -r
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Stop running containers (SIGKILL) and remove them' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove the containers\' anonymous volumes too' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List containers'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run a command in a new container'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a container without starting it'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start containers in the background'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop containers: their stop signal, then SIGKILL after a grace period'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Stop and start containers again'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Send a signal to containers'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "wait" -d 'Wait for containers to exit and print their exit status'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Show a container\'s output'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "exec" -d 'Run a command in a running container'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "attach" -d 'Follow a running container\'s output, and feed it your input (when it was started with -i); ctrl-p ctrl-q leaves it running'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "cp" -d 'Copy files between a container and the host'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Rename a container'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "top" -d 'Show the processes of a container'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "port" -d 'Show a container\'s published ports'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "commit" -d 'Make an image of a container: its image, what it changed on top, and how it ran'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "diff" -d 'List what a container changed in its image\'s files (A added, C changed, D deleted)'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write a container\'s filesystem as a tar archive'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show details of containers as JSON'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove all stopped containers'
complete -c nook -n "__fish_nook_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l ro -d 'Show a host path read-only, at the same path' -r -F
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l rw -d 'Show a host path writable, at the same path' -r -F
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l net -d 'Let it reach the network, through pasta (default: only lo)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l host-loopback -d 'With --net, let it reach services bound to the host\'s loopback too (default: never)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l image -d 'Use this image\'s root filesystem instead of the host\'s system' -r
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l env-keep -d 'Pass this variable from your environment too (NAME, or a prefix: NAME*)' -r
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l env-clear -d 'Pass no variable of yours but PATH (HOME, PWD and TMPDIR are the sandbox\'s)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -s e -l env -d 'Set a variable' -r
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l timeout -d 'Stop it after this long (30s, 10m, 2h): exit 124' -r
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l memory -d 'Bound its memory (512m, 2g): in all, without swap, in a cgroup of its own where one is delegated; else the address space of each process' -r
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l pids-limit -d 'Bound its number of processes (in a cgroup of its own where one is delegated)' -r
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l config -d 'Read the policy from this file instead of the nearest nook.toml (you name it, so it needs no `nook trust`)' -r -F
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l no-project -d 'Ignore the project\'s nook.toml' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l unprotect-tool-files -d 'Let the command write the files your tools run code from (.git, .hg, .jj, .envrc, .direnv, .vscode, .idea, .devcontainer), read-only by default' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l explain -d 'Print the walls it would run behind, and run nothing' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand sandbox" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand build" -s t -l tag -d 'Name the image (repeatable)' -r
complete -c nook -n "__fish_nook_using_subcommand build" -s f -l file -d 'The Containerfile (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile); - reads it from standard input' -r -F
complete -c nook -n "__fish_nook_using_subcommand build" -l build-arg -d 'Set a build arg (KEY alone takes your environment\'s value)' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l target -d 'Build this stage (and what it needs), not the last' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l no-cache -d 'Run every step, using no cache' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand build" -l pull -d 'When to pull base images (--pull alone: always)' -r -f -a "always\t'Pull even if the image is here'
missing\t'Pull only if the image is not here'
never\t'Never pull: fail if the image is not here'"
complete -c nook -n "__fish_nook_using_subcommand build" -l network -d 'The network of RUN steps: pasta (the default), none or host' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l host-loopback -d 'Let RUN steps reach services bound to the host\'s loopback, through their gateway as host.containers.internal, and ADD fetch from this machine\'s own addresses' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand build" -l platform -d 'The platform to build for (only this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l label -d 'Add a label to the image' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l iidfile -d 'Write the image\'s id to this file' -r -F
complete -c nook -n "__fish_nook_using_subcommand build" -s q -l quiet -d 'Print only the image\'s id (a failing step\'s output still shows)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand build" -l secret -d 'A secret for RUN --mount=type=secret: id=NAME,src=FILE (never in the image)' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l timestamp -d 'Times in the image no later than this (seconds since 1970; default: $SOURCE_DATE_EPOCH): two builds of the same context give the same image' -r
complete -c nook -n "__fish_nook_using_subcommand build" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand builder; and not __fish_seen_subcommand_from prune help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand builder; and not __fish_seen_subcommand_from prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand builder; and not __fish_seen_subcommand_from prune help" -f -a "prune" -d 'Remove the build cache (its layers go when no image uses them)'
complete -c nook -n "__fish_nook_using_subcommand builder; and not __fish_seen_subcommand_from prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand builder; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask (nook never asks; accepted for docker\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand builder; and __fish_seen_subcommand_from prune" -s a -l all -d 'Everything (the default: the cache has nothing else)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand builder; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand builder; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand builder; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove the build cache (its layers go when no image uses them)'
complete -c nook -n "__fish_nook_using_subcommand builder; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand trust" -l list -d 'List the files you trust' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand trust" -l forget -d 'Forget FILE: what it opens is no longer honoured' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand trust" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand trust" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand shell" -l locked -d 'Use only what nook.lock pins: refuse to enter when the profile and its lock differ' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand shell" -l host-loopback -d 'Let set-up steps and the shell reach services on this machine\'s loopback (a package mirror or proxy of yours)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand shell" -s t -l task -d 'Run the profile\'s task NAME (after the tasks it depends on) instead of a shell' -r
complete -c nook -n "__fish_nook_using_subcommand shell" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand shell" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand lock" -l check -d 'Exit 1, saying what differs, when the lock does not match the profile' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand lock" -l update -d 'Resolve again and write the lock: the base pulled anew, package sets to the versions the mirror has now, set-up steps run anew. With =LAYER (base, packages, packages:FROM or a set-up step\'s name), only from that layer on' -r
complete -c nook -n "__fish_nook_using_subcommand lock" -l host-loopback -d 'Let set-up steps reach services on this machine\'s loopback' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand lock" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "ls" -d 'List the profiles you can enter by name: yours, then nook\'s'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "show" -d 'Show a profile with what it extends folded in, and where each part comes from'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "check" -d 'Check a profile (syntax, keys, values, what it extends) without building it'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "rebuild" -d 'Build a profile again, every step (or those from --from on) run anew, the lock\'s versions kept'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "rm" -d 'Remove a profile\'s built image and records (its home volume too, with --home)'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "prune" -d 'Remove what profiles left that nothing uses any more (everything built, with --all); homes and locks stay'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "push" -d 'Push a profile\'s built image to a registry, for teammates and CI to pull'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "pull" -d 'Pull a profile\'s image that someone built (nook profile push) and use it: its layers must be the ones the profile\'s lock records'
complete -c nook -n "__fish_nook_using_subcommand profile; and not __fish_seen_subcommand_from ls show check rebuild rm prune push pull help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from ls" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from show" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from check" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rebuild" -l host-loopback -d 'Let set-up steps reach services on this machine\'s loopback' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rebuild" -l from -d 'Run again only from this layer on (packages, packages:FROM or a set-up step\'s name)' -r
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rebuild" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rebuild" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rm" -l home -d 'Remove the profile\'s home volume too (what you kept in its home is lost)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from prune" -l all -d 'Remove every profile\'s image and records, not only the unused ones' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from push" -s q -l quiet -d 'No progress' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from push" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'No progress' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from pull" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List the profiles you can enter by name: yours, then nook\'s'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a profile with what it extends folded in, and where each part comes from'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check a profile (syntax, keys, values, what it extends) without building it'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "rebuild" -d 'Build a profile again, every step (or those from --from on) run anew, the lock\'s versions kept'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a profile\'s built image and records (its home volume too, with --home)'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove what profiles left that nothing uses any more (everything built, with --all); homes and locks stay'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "push" -d 'Push a profile\'s built image to a registry, for teammates and CI to pull'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Pull a profile\'s image that someone built (nook profile push) and use it: its layers must be the ones the profile\'s lock records'
complete -c nook -n "__fish_nook_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "create" -d 'Create a volume'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "ls" -d 'List volumes'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "inspect" -d 'Show details of volumes as JSON'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "rm" -d 'Remove volumes (not while a container uses them)'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "prune" -d 'Remove volumes no container uses (anonymous ones, or all with --all)'
complete -c nook -n "__fish_nook_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label' -r
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from create" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print names only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'table (the default), json, or a Go template (\'{{.Name}}\'; \'table ...\' with a header row)' -r
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from ls" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Print each through this Go template (`{{.State.Pid}}`, `{{json .Config}}`), as docker\'s -f does; `json` (the default) prints them as a JSON array' -r
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Say nothing of volumes that do not exist' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove named volumes too, not just anonymous ones' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask (nook never asks; accepted for docker\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a volume'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List volumes'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show details of volumes as JSON'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove volumes (not while a container uses them)'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove volumes no container uses (anonymous ones, or all with --all)'
complete -c nook -n "__fish_nook_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "create" -d 'Create a network'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "ls" -d 'List networks'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "inspect" -d 'Show details of networks (and their running members) as JSON'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "rm" -d 'Remove networks (not while a container is on them)'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "prune" -d 'Remove every network no container is on'
complete -c nook -n "__fish_nook_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from create" -l subnet -d 'The IPv4 subnet, e.g. 10.90.0.0/24 (default: a free /24 in 10.89.0.0/16)' -r
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from create" -l internal -d 'Members reach only each other: no way out, no published ports' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label' -r
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from create" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print names only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Only networks that match: name=PART, id=PREFIX, driver=, type=builtin|custom, label=KEY[=VALUE]' -r
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from ls" -l format -d 'table (the default), json, or a Go template (\'{{.Name}}\'; \'table ...\' with a header row)' -r
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from ls" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Print each through this Go template (`{{.State.Pid}}`, `{{json .Config}}`), as docker\'s -f does; `json` (the default) prints them as a JSON array' -r
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a network'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List networks'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show details of networks (and their running members) as JSON'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove networks (not while a container is on them)'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove every network no container is on'
complete -c nook -n "__fish_nook_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand images" -s q -l quiet -d 'Print image ids only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand images" -l no-trunc -d 'Do not truncate ids' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand images" -l digests -d 'Show manifest digests' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand images" -s a -l all -d 'Every image (nook keeps no intermediate images; accepted for docker\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand images" -s f -l filter -d 'Only images that match: dangling=true|false, reference=PATTERN (* and ? as in a shell: \'busy*\', \'*:1.0\'), label=KEY[=VALUE], before=IMAGE, since=IMAGE' -r
complete -c nook -n "__fish_nook_using_subcommand images" -l format -d 'table (the default), json, or a Go template: \'{{.Repository}}:{{.Tag}}\', or with a header row \'table {{.ID}}\\t{{.Repository}}\' (fields as docker\'s: ID, Repository, Tag, Digest, CreatedSince, CreatedAt, Size)' -r
complete -c nook -n "__fish_nook_using_subcommand images" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand images" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand import" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)' -r
complete -c nook -n "__fish_nook_using_subcommand import" -s m -l message -d 'Comment recorded in the image history' -r
complete -c nook -n "__fish_nook_using_subcommand import" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand load" -s i -l input -d 'Archive or OCI layout directory to read (default: standard input)' -r -F
complete -c nook -n "__fish_nook_using_subcommand load" -s q -l quiet -d 'Print nothing but errors' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand load" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand pull" -l platform -d 'Platform to pull from a multi-platform image (default: this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand pull" -s q -l quiet -d 'Print only the image id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand pull" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand login" -s u -l username -d 'User name (asked for on a terminal when not given)' -r
complete -c nook -n "__fish_nook_using_subcommand login" -s p -l password -d 'Password (visible in the process list: prefer --password-stdin)' -r
complete -c nook -n "__fish_nook_using_subcommand login" -l password-stdin -d 'Read the password from standard input' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand login" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand logout" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand push" -s q -l quiet -d 'Print only the manifest digest' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand push" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand tag" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand rmi" -s f -l force -d 'Remove an image with several names, and the stopped containers that use it' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand rmi" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand rmi" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand save" -s o -l output -d 'Write to this file (default: standard output, if it is not a terminal)' -r -F
complete -c nook -n "__fish_nook_using_subcommand save" -l format -d 'Archive format' -r -f -a "docker-archive\t'docker save\'s format (uncompressed layers)'
oci-archive\t'An OCI image layout in a tar'"
complete -c nook -n "__fish_nook_using_subcommand save" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand history" -l no-trunc -d 'Do not truncate ids and commands' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand history" -s q -l quiet -d 'Print the image id of each layer only (<missing> for those not images themselves)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand history" -s H -l human -d 'Sizes and times for people (the default); false prints bytes and RFC 3339 times' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand history" -l format -d 'table (the default), json (a line each), or a Go template over docker\'s fields: ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment' -r
complete -c nook -n "__fish_nook_using_subcommand history" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "ls" -d 'List images'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "inspect" -d 'Show images\' details as JSON'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "prune" -d 'Remove unused images'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "rm" -d 'Remove images'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "tag" -d 'Give an image another name'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "history" -d 'Show how an image was made, layer by layer'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "pull" -d 'Pull an image from a registry'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "push" -d 'Push an image to a registry'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "save" -d 'Write images to a docker-archive or oci-archive'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "load" -d 'Load images from an archive or OCI layout directory'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_using_subcommand image; and not __fish_seen_subcommand_from ls inspect prune rm tag history pull push save load import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print image ids only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate ids' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show manifest digests' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Every image (nook keeps no intermediate images; accepted for docker\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Only images that match: dangling=true|false, reference=PATTERN (* and ? as in a shell: \'busy*\', \'*:1.0\'), label=KEY[=VALUE], before=IMAGE, since=IMAGE' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d 'table (the default), json, or a Go template: \'{{.Repository}}:{{.Tag}}\', or with a header row \'table {{.ID}}\\t{{.Repository}}\' (fields as docker\'s: ID, Repository, Tag, Digest, CreatedSince, CreatedAt, Size)' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Print each through this Go template (`{{.State.Pid}}`, `{{json .Config}}`), as docker\'s -f does; `json` (the default) prints them as a JSON array' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove every image no container uses, not just untagged ones' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask (nook never asks; accepted for docker\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove an image with several names, and the stopped containers that use it' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from tag" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from history" -l no-trunc -d 'Do not truncate ids and commands' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Print the image id of each layer only (<missing> for those not images themselves)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from history" -s H -l human -d 'Sizes and times for people (the default); false prints bytes and RFC 3339 times' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from history" -l format -d 'table (the default), json (a line each), or a Go template over docker\'s fields: ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from history" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from pull" -l platform -d 'Platform to pull from a multi-platform image (default: this machine\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Print only the image id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from pull" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Print only the manifest digest' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from push" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to this file (default: standard output, if it is not a terminal)' -r -F
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from save" -l format -d 'Archive format' -r -f -a "docker-archive\t'docker save\'s format (uncompressed layers)'
oci-archive\t'An OCI image layout in a tar'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from save" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from load" -s i -l input -d 'Archive or OCI layout directory to read (default: standard input)' -r -F
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Print nothing but errors' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from load" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'Comment recorded in the image history' -r
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from import" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List images'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show images\' details as JSON'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove unused images'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove images'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "tag" -d 'Give an image another name'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "history" -d 'Show how an image was made, layer by layer'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Pull an image from a registry'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "push" -d 'Push an image to a registry'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "save" -d 'Write images to a docker-archive or oci-archive'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "load" -d 'Load images from an archive or OCI layout directory'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "df" -d 'Show how much disk images and containers use'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "check" -d 'Verify every blob and layer against its digest; with --repair, fix what is broken'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "prune" -d 'Remove stopped containers, unused networks, untagged images and the build cache'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "events" -d 'Show what happened to containers, images, volumes and networks, as it happens'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "reset-userns" -d 'End the processes that hold your user namespace, so the next command makes a new one'
complete -c nook -n "__fish_nook_using_subcommand system; and not __fish_seen_subcommand_from df check info prune events reset-userns help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from df" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from df" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from check" -l repair -d 'Remove what is broken, unpack again layers whose blob is sound, drop images that cannot be made whole' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from check" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from info" -s f -l format -d 'json (the default), or a Go template over docker\'s fields and nook\'s own (\'{{.Driver}}\', \'{{.ServerVersion}}\', \'{{json .SecurityOptions}}\', \'{{.store.root}}\')' -r
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from info" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove every image no container uses, not just untagged ones' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from prune" -l volumes -d 'Remove anonymous volumes no container uses too' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask (nook never asks; accepted for docker\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from prune" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from events" -l since -d 'Show events from this time on (RFC 3339, Unix seconds, or 10m, 2h, 1d ago)' -r
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from events" -l until -d 'Stop at this time (as --since); one in the past prints what happened and returns' -r
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from events" -s f -l filter -d 'Only events that match: type=, event=, container=, image=, volume=, network=, label=KEY[=VALUE] (repeat a key for any of its values)' -r
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from events" -l format -d 'json (one object a line), or a Go template (\'{{.Type}} {{.Action}} {{.Actor.ID}}\')' -r
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from events" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from events" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from reset-userns" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from reset-userns" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "df" -d 'Show how much disk images and containers use'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "check" -d 'Verify every blob and layer against its digest; with --repair, fix what is broken'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove stopped containers, unused networks, untagged images and the build cache'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "events" -d 'Show what happened to containers, images, volumes and networks, as it happens'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "reset-userns" -d 'End the processes that hold your user namespace, so the next command makes a new one'
complete -c nook -n "__fish_nook_using_subcommand system; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand doctor" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand info" -s f -l format -d 'json (the default), or a Go template over docker\'s fields and nook\'s own (\'{{.Driver}}\', \'{{.ServerVersion}}\', \'{{json .SecurityOptions}}\', \'{{.store.root}}\')' -r
complete -c nook -n "__fish_nook_using_subcommand info" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand version" -s f -l format -d 'A Go template (\'{{.Client.Version}}\'), or json' -r
complete -c nook -n "__fish_nook_using_subcommand version" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand events" -l since -d 'Show events from this time on (RFC 3339, Unix seconds, or 10m, 2h, 1d ago)' -r
complete -c nook -n "__fish_nook_using_subcommand events" -l until -d 'Stop at this time (as --since); one in the past prints what happened and returns' -r
complete -c nook -n "__fish_nook_using_subcommand events" -s f -l filter -d 'Only events that match: type=, event=, container=, image=, volume=, network=, label=KEY[=VALUE] (repeat a key for any of its values)' -r
complete -c nook -n "__fish_nook_using_subcommand events" -l format -d 'json (one object a line), or a Go template (\'{{.Type}} {{.Action}} {{.Actor.ID}}\')' -r
complete -c nook -n "__fish_nook_using_subcommand events" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand events" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and not __fish_seen_subcommand_from run help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and not __fish_seen_subcommand_from run help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and not __fish_seen_subcommand_from run help" -f -a "run" -d 'Run the container\'s health check once and record the result: exit 0 when it passed, 1 when it failed'
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and not __fish_seen_subcommand_from run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run the container\'s health check once and record the result: exit 0 when it passed, 1 when it failed'
complete -c nook -n "__fish_nook_using_subcommand healthcheck; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -s f -l file -d 'A compose file (repeat to merge several, later ones over earlier ones; default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml here or above)' -r -F
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -s p -l project-name -d 'The project\'s name (default: COMPOSE_PROJECT_NAME, the file\'s `name:`, or the directory\'s)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -l env-file -d 'Read variables from this file instead of .env beside the compose file' -r -F
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -l profile -d 'Run the services of this profile too' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "config" -d 'Print the project as nook reads it: files merged, variables filled in, extensions gone'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "up" -d 'Create and start the services\' containers (networks and volumes first; a service after those it depends on); unchanged ones are left running'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "down" -d 'Stop and remove the project\'s containers and networks (and with -v its volumes)'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "ps" -d 'List the project\'s containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "logs" -d 'Show the services\' output, each line prefixed with its container'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "exec" -d 'Run a command in a service\'s running container'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "run" -d 'Run a one-off command in a new container of a service (its dependencies started first)'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "start" -d 'Start the services\' existing containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "stop" -d 'Stop the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "restart" -d 'Stop and start the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "kill" -d 'Send a signal to the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "pause" -d 'Freeze the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "unpause" -d 'Thaw the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "rm" -d 'Remove the services\' stopped containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "ls" -d 'List the compose projects that have containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "build" -d 'Build the images of the services that have `build:`'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "pull" -d 'Pull the services\' images'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "push" -d 'Push the images of the services that name one (`image:`) to their registries'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "images" -d 'List the images the project\'s containers run'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "top" -d 'Show the processes of the services\' running containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "port" -d 'Print the host address a service\'s port is published on'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "attach" -d 'Follow a service\'s container\'s output (and pass it your input if it was started with stdin_open)'
complete -c nook -n "__fish_nook_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs exec run start stop restart kill pause unpause rm ls build pull push images top port attach help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from config" -l services -d 'Print the services\' names only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from config" -l volumes -d 'Print the volumes\' names only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from config" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -s d -l detach -d 'Start them and return (otherwise follow their output until they all stop)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l force-recreate -d 'Make every container anew, changed or not' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l build -d 'Build the images of services with `build:` first, even when they exist' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-deps -d 'Not the services they depend on' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l scale -d 'Run N replicas of SERVICE (instead of its deploy.replicas)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l wait -d 'With -d: return once every container runs and those with a health check are healthy (exit 1 if one exits or turns unhealthy)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l wait-timeout -d 'How long --wait waits, in seconds' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from down" -s v -l volumes -d 'Remove the named volumes the file declares, and anonymous volumes' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from down" -l remove-orphans -d 'Remove containers of services no longer in the file too' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from down" -s t -l timeout -d 'Seconds each container gets to stop before SIGKILL (default: its stop_grace_period, else 10)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from down" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ps" -s a -l all -d 'Stopped containers too' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Print container ids only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ps" -l services -d 'Print the services\' names only' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ps" -l format -d 'table, json (an object per line, as docker compose prints it), or a Go template (`{{.Name}}`, `{{.Service}}`, `{{.State}}`, `{{.Status}}`, `{{.Ports}}`, ...)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ps" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new output until the containers stop' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Only the last N lines of each container (or "all")' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Print each line\'s time before it' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -l since -d 'Lines since this time (RFC 3339, a Unix time, or a duration such as 10m before now)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -l no-color -d 'Do not colour the prefixes (they are coloured only on a terminal)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -l no-log-prefix -d 'Print the lines without the container\'s name before them' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -s T -l no-tty -d 'No terminal, even when standard input is one' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Start the command and return' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set an environment variable' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -s u -l user -d 'Run as this user' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory inside' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -l index -d 'Which replica (default 1)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from exec" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -l rm -d 'Remove the container when it exits' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run it in the background and print its id' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -s T -l no-TTY -d 'No terminal, even when standard input is one' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -s e -l env -d 'Set an environment variable' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -s u -l user -d 'Run as this user' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -l service-ports -d 'Publish the service\'s ports too' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -l no-deps -d 'Do not start the services it depends on' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from run" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from start" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from stop" -s t -l timeout -d 'Seconds to wait before SIGKILL' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from stop" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from restart" -s t -l timeout -d 'Seconds to wait before SIGKILL' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from restart" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from kill" -s s -l signal -d 'The signal (default SIGKILL)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from kill" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from pause" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from unpause" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from rm" -s s -l stop -d 'Stop them first if they run' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from rm" -s f -l force -d 'Do not ask (nook never asks; accepted for docker compose\'s sake)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ls" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from build" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from pull" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from push" -l ignore-push-failures -d 'Go on with the other images when one cannot be pushed (and exit 0)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from push" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from images" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from images" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from top" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from port" -l index -d 'Which replica (default 1)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from port" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from attach" -l index -d 'Which replica (default 1)' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not pass your input to the container' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Pass the signals you get (SIGINT, SIGTERM, ...) on to the container (not with a terminal, whose keys reach it directly)' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from attach" -l detach-keys -d 'The keys that leave the container running and end the attach: ctrl-LETTER or characters, comma-separated' -r
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from attach" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "config" -d 'Print the project as nook reads it: files merged, variables filled in, extensions gone'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "up" -d 'Create and start the services\' containers (networks and volumes first; a service after those it depends on); unchanged ones are left running'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop and remove the project\'s containers and networks (and with -v its volumes)'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "ps" -d 'List the project\'s containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Show the services\' output, each line prefixed with its container'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "exec" -d 'Run a command in a service\'s running container'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run a one-off command in a new container of a service (its dependencies started first)'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start the services\' existing containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Stop and start the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Send a signal to the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Freeze the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "unpause" -d 'Thaw the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove the services\' stopped containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List the compose projects that have containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "build" -d 'Build the images of the services that have `build:`'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Pull the services\' images'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "push" -d 'Push the images of the services that name one (`image:`) to their registries'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "images" -d 'List the images the project\'s containers run'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "top" -d 'Show the processes of the services\' running containers'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "port" -d 'Print the host address a service\'s port is published on'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "attach" -d 'Follow a service\'s container\'s output (and pass it your input if it was started with stdin_open)'
complete -c nook -n "__fish_nook_using_subcommand compose; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand completion" -l name -d 'The command to complete (default: the name nook was run as, e.g. docker through a link of that name)' -r
complete -c nook -n "__fish_nook_using_subcommand completion" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "run" -d 'Run a command in a new container'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "create" -d 'Create a container without starting it'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "start" -d 'Start containers in the background'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "stop" -d 'Stop containers: their stop signal, then SIGKILL after a grace period'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "restart" -d 'Stop and start containers again'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "kill" -d 'Send a signal to containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "wait" -d 'Wait for containers to exit and print their exit status'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "logs" -d 'Show a container\'s output'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "exec" -d 'Run a command in a running container'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "attach" -d 'Follow a running container\'s output, and feed it your input (when it was started with -i); ctrl-p ctrl-q leaves it running'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "inspect" -d 'Show details of containers or images as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "cp" -d 'Copy files between a container and the host'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "rename" -d 'Rename a container'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "top" -d 'Show the processes of a container'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "port" -d 'Show a container\'s published ports'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "commit" -d 'Make an image of a container: its image, what it changed on top, and how it ran'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "diff" -d 'List what a container changed in its image\'s files (A added, C changed, D deleted)'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "export" -d 'Write a container\'s filesystem as a tar archive'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "ps" -d 'List containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "stats" -d 'Show what running containers use: CPU, memory, network, block I/O, processes'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "pause" -d 'Freeze every process of containers (cgroup freezer)'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "unpause" -d 'Thaw paused containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "update" -d 'Change the resource limits of containers, running or not'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "container" -d 'Manage containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "sandbox" -d 'Run a command in a sandbox: the host\'s system read-only, the project writable, no home, no network, no privileges'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "build" -d 'Build an image from a Containerfile (or Dockerfile)'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "builder" -d 'Manage the build cache'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "trust" -d 'Trust a project\'s nook.toml, so that what it opens in the sandbox\'s walls (and what a dev shell runs) is honoured for those exact contents; or list and forget trusted files'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "shell" -d 'Enter a dev shell: a profile\'s tools (built once, then cached), as yourself, in your project'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "lock" -d 'Resolve a profile and write its nook.lock, or check that the lock is current'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "profile" -d 'List, show and check dev-shell profiles'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "volume" -d 'Manage volumes'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "network" -d 'Manage user networks, on which containers reach each other by name'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "images" -d 'List images'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "load" -d 'Load images from a docker-archive, oci-archive or OCI layout directory'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "pull" -d 'Pull an image from a registry'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "login" -d 'Log in to a registry (credentials go to ~/.config/nook/auth.json)'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "logout" -d 'Log out of a registry'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "push" -d 'Push an image to a registry'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "tag" -d 'Give an image another name'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "rmi" -d 'Remove images (and what no other image or container uses)'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "save" -d 'Write images to a docker-archive or oci-archive'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "history" -d 'Show how an image was made, layer by layer'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "image" -d 'Manage images'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "system" -d 'Manage nook\'s store'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "doctor" -d 'Check that this machine has what rootless containers need, and say how to fix what is missing'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "version" -d 'Print nook\'s version (docker\'s shape: Client and Server, which are both nook)'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "events" -d 'Show what happened to containers, images, volumes and networks, as it happens'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "healthcheck" -d 'Run a container\'s health check now'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "compose" -d 'Run multi-container applications from compose files'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "completion" -d 'Print a shell completion script'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run create start stop restart kill wait logs exec attach inspect cp rename top port commit diff export ps stats pause unpause update rm container sandbox build builder trust shell lock profile volume network images import load pull login logout push tag rmi save history image system doctor info version events healthcheck compose completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "ls" -d 'List containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "run" -d 'Run a command in a new container'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "create" -d 'Create a container without starting it'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "start" -d 'Start containers in the background'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "stop" -d 'Stop containers: their stop signal, then SIGKILL after a grace period'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "restart" -d 'Stop and start containers again'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "kill" -d 'Send a signal to containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "wait" -d 'Wait for containers to exit and print their exit status'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "logs" -d 'Show a container\'s output'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "exec" -d 'Run a command in a running container'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "attach" -d 'Follow a running container\'s output, and feed it your input (when it was started with -i); ctrl-p ctrl-q leaves it running'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "cp" -d 'Copy files between a container and the host'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "rename" -d 'Rename a container'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "top" -d 'Show the processes of a container'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "port" -d 'Show a container\'s published ports'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "commit" -d 'Make an image of a container: its image, what it changed on top, and how it ran'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "diff" -d 'List what a container changed in its image\'s files (A added, C changed, D deleted)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "export" -d 'Write a container\'s filesystem as a tar archive'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "inspect" -d 'Show details of containers as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "prune" -d 'Remove all stopped containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from builder" -f -a "prune" -d 'Remove the build cache (its layers go when no image uses them)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "ls" -d 'List the profiles you can enter by name: yours, then nook\'s'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "show" -d 'Show a profile with what it extends folded in, and where each part comes from'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "check" -d 'Check a profile (syntax, keys, values, what it extends) without building it'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "rebuild" -d 'Build a profile again, every step (or those from --from on) run anew, the lock\'s versions kept'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "rm" -d 'Remove a profile\'s built image and records (its home volume too, with --home)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "prune" -d 'Remove what profiles left that nothing uses any more (everything built, with --all); homes and locks stay'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "push" -d 'Push a profile\'s built image to a registry, for teammates and CI to pull'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "pull" -d 'Pull a profile\'s image that someone built (nook profile push) and use it: its layers must be the ones the profile\'s lock records'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "create" -d 'Create a volume'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "ls" -d 'List volumes'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "inspect" -d 'Show details of volumes as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "rm" -d 'Remove volumes (not while a container uses them)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "prune" -d 'Remove volumes no container uses (anonymous ones, or all with --all)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from network" -f -a "create" -d 'Create a network'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from network" -f -a "ls" -d 'List networks'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from network" -f -a "inspect" -d 'Show details of networks (and their running members) as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from network" -f -a "rm" -d 'Remove networks (not while a container is on them)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from network" -f -a "prune" -d 'Remove every network no container is on'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "ls" -d 'List images'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "inspect" -d 'Show images\' details as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "prune" -d 'Remove unused images'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "rm" -d 'Remove images'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "tag" -d 'Give an image another name'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "history" -d 'Show how an image was made, layer by layer'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "pull" -d 'Pull an image from a registry'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "push" -d 'Push an image to a registry'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "save" -d 'Write images to a docker-archive or oci-archive'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "load" -d 'Load images from an archive or OCI layout directory'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from system" -f -a "df" -d 'Show how much disk images and containers use'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from system" -f -a "check" -d 'Verify every blob and layer against its digest; with --repair, fix what is broken'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from system" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from system" -f -a "prune" -d 'Remove stopped containers, unused networks, untagged images and the build cache'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from system" -f -a "events" -d 'Show what happened to containers, images, volumes and networks, as it happens'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from system" -f -a "reset-userns" -d 'End the processes that hold your user namespace, so the next command makes a new one'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from healthcheck" -f -a "run" -d 'Run the container\'s health check once and record the result: exit 0 when it passed, 1 when it failed'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "config" -d 'Print the project as nook reads it: files merged, variables filled in, extensions gone'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "up" -d 'Create and start the services\' containers (networks and volumes first; a service after those it depends on); unchanged ones are left running'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "down" -d 'Stop and remove the project\'s containers and networks (and with -v its volumes)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "ps" -d 'List the project\'s containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "logs" -d 'Show the services\' output, each line prefixed with its container'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "exec" -d 'Run a command in a service\'s running container'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "run" -d 'Run a one-off command in a new container of a service (its dependencies started first)'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "start" -d 'Start the services\' existing containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "stop" -d 'Stop the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "restart" -d 'Stop and start the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "kill" -d 'Send a signal to the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "pause" -d 'Freeze the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "unpause" -d 'Thaw the services\' containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "rm" -d 'Remove the services\' stopped containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "ls" -d 'List the compose projects that have containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "build" -d 'Build the images of the services that have `build:`'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "pull" -d 'Pull the services\' images'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "push" -d 'Push the images of the services that name one (`image:`) to their registries'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "images" -d 'List the images the project\'s containers run'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "top" -d 'Show the processes of the services\' running containers'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "port" -d 'Print the host address a service\'s port is published on'
complete -c nook -n "__fish_nook_using_subcommand help; and __fish_seen_subcommand_from compose" -f -a "attach" -d 'Follow a service\'s container\'s output (and pass it your input if it was started with stdin_open)'
