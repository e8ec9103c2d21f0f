//! Integration tests of the `mockdesk` server over real HTTP on 127.0.0.1.

mod admin;
mod answers;
mod chative;
mod cli;
mod common;
mod durable;
mod faults;
mod fidelity;
mod first_run;
mod fuzz;
mod helpcrunch;
mod hipcall;
mod hipcall_v3;
mod hiver;
mod kept_lane;
mod reliability;
mod robustness;
mod routing;
mod snapshot;
mod state;
mod stubs;
mod tls;
mod verify;
mod webhooks;
