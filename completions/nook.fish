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
complete -c nook -n "__fish_nook_needs_command" -f -a "ps" -d 'List containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_needs_command" -f -a "images" -d 'List images'
complete -c nook -n "__fish_nook_needs_command" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_needs_command" -f -a "load" -d 'Load images from a docker-archive, oci-archive or OCI layout directory'
complete -c nook -n "__fish_nook_needs_command" -f -a "doctor" -d 'Check that this machine has what rootless containers need, and say how to fix what is missing'
complete -c nook -n "__fish_nook_needs_command" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c nook -n "__fish_nook_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c nook -n "__fish_nook_using_subcommand run" -s e -l env -d 'Set an environment variable (KEY alone takes its value from your environment)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c nook -n "__fish_nook_using_subcommand run" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s u -l user -d 'User to run as: a name or uid, optionally with :group or :gid' -r
complete -c nook -n "__fish_nook_using_subcommand run" -s h -l hostname -d 'Container host name (default: the first 12 digits of its id)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l entrypoint -d 'Override the image\'s ENTRYPOINT ("" clears it)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l read-only-tmpfs -d 'With --read-only, mount writable tmpfs on /tmp, /var/tmp and /run' -r -f -a "true\t''
false\t''"
complete -c nook -n "__fish_nook_using_subcommand run" -l name -d 'Name the container' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cap-add -d 'Add a Linux capability (e.g. NET_RAW, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cap-drop -d 'Drop a Linux capability (e.g. CHOWN, or ALL)' -r
complete -c nook -n "__fish_nook_using_subcommand run" -l cidfile -d 'Write the container id to this file' -r -F
complete -c nook -n "__fish_nook_using_subcommand run" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand run" -l rm -d 'Remove the container when it exits'
complete -c nook -n "__fish_nook_using_subcommand run" -s i -l interactive -d 'Keep standard input open and pass it to the container'
complete -c nook -n "__fish_nook_using_subcommand run" -s t -l tty -d 'Give the container a terminal (a pseudo-TTY that follows resizes)'
complete -c nook -n "__fish_nook_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c nook -n "__fish_nook_using_subcommand run" -l init -d 'Run a small init as PID 1 that forwards signals and reaps zombies'
complete -c nook -n "__fish_nook_using_subcommand run" -l help -d 'Print help'
complete -c nook -n "__fish_nook_using_subcommand ps" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c nook -n "__fish_nook_using_subcommand ps" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand ps" -s a -l all -d 'Show all containers (default: running ones only)'
complete -c nook -n "__fish_nook_using_subcommand ps" -s q -l quiet -d 'Print container ids only'
complete -c nook -n "__fish_nook_using_subcommand ps" -l no-trunc -d 'Do not truncate ids and commands'
complete -c nook -n "__fish_nook_using_subcommand ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand rm" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand rm" -s f -l force -d 'Stop running containers (SIGKILL) and remove them'
complete -c nook -n "__fish_nook_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand images" -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c nook -n "__fish_nook_using_subcommand images" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand images" -s q -l quiet -d 'Print image ids only'
complete -c nook -n "__fish_nook_using_subcommand images" -l no-trunc -d 'Do not truncate ids'
complete -c nook -n "__fish_nook_using_subcommand images" -l digests -d 'Show manifest digests'
complete -c nook -n "__fish_nook_using_subcommand images" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand import" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)' -r
complete -c nook -n "__fish_nook_using_subcommand import" -s m -l message -d 'Comment recorded in the image history' -r
complete -c nook -n "__fish_nook_using_subcommand import" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand load" -s i -l input -d 'Archive or OCI layout directory to read (default: standard input)' -r -F
complete -c nook -n "__fish_nook_using_subcommand load" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand load" -s q -l quiet -d 'Print nothing but errors'
complete -c nook -n "__fish_nook_using_subcommand load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand doctor" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand info" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand completion" -l storage-driver -d 'How container filesystems are stacked (default: `driver` under [storage] in config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)' -r -f -a "auto\t'Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise'
overlay\t'Kernel overlayfs, mounted inside the user namespace'
fuse-overlayfs\t'fuse-overlayfs'"
complete -c nook -n "__fish_nook_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "run" -d 'Run a command in a new container'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "ps" -d 'List containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "rm" -d 'Remove containers'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "images" -d 'List images'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "load" -d 'Load images from a docker-archive, oci-archive or OCI layout directory'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "doctor" -d 'Check that this machine has what rootless containers need, and say how to fix what is missing'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "info" -d 'Print what nook knows about this machine and its store, as JSON'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "completion" -d 'Print a shell completion script'
complete -c nook -n "__fish_nook_using_subcommand help; and not __fish_seen_subcommand_from run ps rm images import load doctor info completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
