"""Central register of children not in full-time education."""
