"""What every emulated platform shares: state, faults, the handler preamble, OAuth 2, admin API."""
