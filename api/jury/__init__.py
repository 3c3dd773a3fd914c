"""Citizens' juries: the pool of volunteers a consultation keeps, and its draws (the pure draw is in
``api/scoring/sortition``)."""
