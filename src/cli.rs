//! Command-line interface definition (clap).
