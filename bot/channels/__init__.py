"""Channel adapters: turn a channel's updates into Incoming and Replies into the channel's messages."""
