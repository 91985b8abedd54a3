"""Fashion & luxury demo: order to return, with payment by message and refund by compensation."""
