"""Helpers of the review tests."""

import datetime as dt

from kpis.reviews import services

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def confirm_all(review, actor, note="Checked with the agent's data."):
    for number in range(1, 6):
        services.pitfall_confirm(review=review, actor=actor, number=number, confirmed=True, note=note)


def shared_review(author, agent, period=MARCH, goals=()):
    """A review of `agent` by `author`, with `goals` (dicts for goal_add), checklist confirmed and shared."""
    review = services.review_create(author=author, agent=agent, period_start=period[0], period_end=period[1])
    for goal in goals:
        services.goal_add(review=review, actor=author, **goal)
    confirm_all(review, author)
    return services.review_share(review=review, actor=author)
