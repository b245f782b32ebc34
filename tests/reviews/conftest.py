"""Fixtures of the review tests: a draft of alice (team Falcons) by her leader lena, over March 2026."""

import pytest

from kpis.reviews import services
from tests.reviews.helpers import MARCH


@pytest.fixture
def draft(leader, agent):
    return services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
