"""Business logic per domain, over the stores handed to each service's constructor."""
