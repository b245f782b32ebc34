"""Fixtures shared by the import tests: a temporary MEDIA_ROOT, in-process tasks, the agents the samples name."""

import pytest

from tests.factories import AgentFactory


@pytest.fixture
def import_media(settings, tmp_path):
    """Uploaded and error files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager_import_tasks():
    """Tasks run in-process, as configured for tests, whatever an earlier test left in app.conf."""
    from config.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def sample_agents(team, other_team):
    """The agents the sample exports name, by username: Alice and Bob in Falcons, Carol in Owls."""
    return {
        "alice": AgentFactory(
            username="alice", email="alice@example.com", first_name="Alice", last_name="Martin", team=team
        ),
        "bob": AgentFactory(username="bob", email="bob@example.com", first_name="Bob", last_name="Durand", team=team),
        "carol": AgentFactory(
            username="carol", email="carol@example.com", first_name="Carol", last_name="Smith", team=other_team
        ),
    }
