//! `nook exec`: run a program in a running container, as its own process runs: in all its
//! namespaces, as its user (or `-u`), with its environment (plus `-e`), capabilities and
//! no_new_privs.

use anyhow::bail;

use super::Context;
use super::run::{apply_env, read_env_file, set_env};
use crate::cli::{ExecArgs, GlobalArgs};
use crate::container::Containers;
use crate::runtime::exec::{self, ExecSpec};
use crate::runtime::idmap::IdMap;
use crate::runtime::launch::ProcessSpec;

pub fn exec(global: &GlobalArgs, args: &ExecArgs) -> anyhow::Result<i32> {
    // This process enters the container: it must not be a file the container could change.
    crate::runtime::sealed::reexec_if_exposed();
    if let Some(w) = &args.workdir
        && !w.starts_with('/')
    {
        bail!("the working directory {w:?} is not an absolute path");
    }
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    // As docker: no such container is status 1 (125 is for what fails to start).
    let id = match containers.resolve(&args.container) {
        Ok(id) => id,
        Err(e @ crate::container::ContainerError::NotFound(_)) => {
            eprintln!("Error: {e}");
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    let config = containers.load_config(&id)?;
    let state = containers.load_state(&id)?;
    let Some((init_pid, init)) = state.entry(config.init) else {
        bail!(
            "container {} is not running: start it first (nook start {})",
            args.container,
            args.container
        );
    };
    let mut env = config.process.env.clone();
    if args.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        set_env(&mut env, "TERM", "xterm");
    }
    for file in &args.env_file {
        read_env_file(&mut env, file)?;
    }
    for item in &args.env {
        apply_env(&mut env, item)?;
    }
    let spec = ExecSpec {
        init,
        init_pid,
        idmap: config.idmap(IdMap::for_current_user()?.map)?,
        process: ProcessSpec {
            args: args.command.clone(),
            env,
            cwd: args
                .workdir
                .clone()
                .unwrap_or_else(|| config.process.cwd.clone()),
            user: args
                .user
                .clone()
                .unwrap_or_else(|| config.process.user.clone()),
            groups: config.process.groups.clone(),
            terminal: args.tty,
            interactive: args.interactive,
        },
        caps: config.capabilities.clone(),
        security: config.security.clone(),
        detach: args.detach,
    };
    // Its processes count against the container's limits, as docker's do.
    let cgroup = state.cgroup.clone();
    let place = |pid| match &cgroup {
        Some(c) => c
            .attach(pid)
            .map_err(|e| format!("cannot join the container's cgroup: {e}")),
        None => Ok(()),
    };
    // As docker's: `exec_start: CMD`, then (when it is waited for) `exec_die` with its status.
    let action = format!("exec_start: {}", args.command.join(" "));
    crate::events::container(&ctx.store, &config, &action, &[]);
    let code = match exec::exec(&spec, place) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            e.exit_code()
        }
    };
    if !args.detach {
        let status = code.to_string();
        crate::events::container(&ctx.store, &config, "exec_die", &[("exitCode", &status)]);
    }
    Ok(code)
}
