//! Progress of long work (pull, push): bars on a terminal, nothing otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A set of progress bars, one per transfer; silent when stderr is not a terminal or the
/// user asked for quiet.
pub struct Progress {
    multi: Option<MultiProgress>,
}

/// One transfer's bar (a no-op when progress is silent).
#[derive(Clone)]
pub struct Bar(Option<ProgressBar>);

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let show = !quiet && std::io::stderr().is_terminal();
        Self {
            multi: show.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A bar for `total` bytes labelled `label` (e.g. "Copying blob 1a2b3c4d5e6f").
    pub fn bar(&self, label: &str, total: u64) -> Bar {
        Bar(self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:<32} [{bar:30}] {binary_bytes:>10}/{binary_total_bytes:<10} {binary_bytes_per_sec:>12}",
                )
                .expect("the template is valid")
                .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        }))
    }

    /// Print a status line above the bars (nothing when silent).
    pub fn println(&self, line: &str) {
        if let Some(m) = &self.multi {
            let _ = m.println(line);
        }
    }
}

impl Bar {
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    pub fn set_position(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(n);
        }
    }

    pub fn finish(&self, message: &str) {
        if let Some(b) = &self.0 {
            b.set_style(
                ProgressStyle::with_template("{prefix:<32} {msg}").expect("the template is valid"),
            );
            b.finish_with_message(message.to_string());
        }
    }
}
