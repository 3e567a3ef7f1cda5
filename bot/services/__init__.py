"""Channel-neutral services: the inbox and the outbox (the two doors), and later the queue, alerts and broadcasts.

Nothing here imports a channel library; channels plug in a parser (inbox) and a sender (outbox)."""
