//! Persistence: paths, atomic writes, versioned JSON / JSONL files, corrupt-file handling.
