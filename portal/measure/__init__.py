"""CLI commands of the measurement library (`portal ikm`, `portal sample-size`); imports only survey and stdlib."""
