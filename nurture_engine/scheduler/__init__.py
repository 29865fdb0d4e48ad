"""The durable follow-up scheduler: follow-ups are rows; dispatchers claim, check, send and record them."""
