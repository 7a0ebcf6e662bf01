"""Delivering the outbox.

Everything the bot sends whose loss would leave the chat and the database disagreeing (cards
and their redraws, notices to other people, confirmations of something stored) is queued in
the outbox in the transaction of the change, by id, and sent from here: rendered at that
moment from what the database holds, in the reader's language, through one registry that maps
each notice kind to its renderer.
"""

from bot.delivery.courier import GIVE_UP_AFTER, MAX_BACKOFF, Courier

__all__ = ["GIVE_UP_AFTER", "MAX_BACKOFF", "Courier"]
