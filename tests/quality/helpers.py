"""Builders for quality tests: a published rubric, answers by category name."""

from kpis.quality import services
from kpis.quality.models import RatingScale
from kpis.quality.services import ScoreInput

# (name, weight, scale, N/A allowed, critical)
DEFAULT_CATEGORIES = (
    ("Greeting", 1, RatingScale.BINARY, False, False),
    ("Accuracy", 3, RatingScale.FIVE, False, True),
    ("Empathy", 2, RatingScale.FOUR, True, False),
)


def published_rubric(actor, team, name="Support rubric", categories=DEFAULT_CATEGORIES):
    rubric = services.rubric_create(actor=actor, name=name, team=team)
    version = rubric.versions.get()
    for cat_name, weight, scale, allows_na, critical in categories:
        services.category_add(
            version=version,
            actor=actor,
            name=cat_name,
            weight=weight,
            scale=scale,
            allows_not_applicable=allows_na,
            is_critical=critical,
        )
    return services.rubric_version_publish(version=version, actor=actor)


def answers(version, **ratings):
    """{category id: ScoreInput} from name=rating keyword arguments ("na" for not applicable)."""
    by_name = {c.name: c for c in version.categories.all()}
    return {
        by_name[name].pk: ScoreInput(rating=None if value == "na" else value, comment=f"about {name}")
        for name, value in ratings.items()
    }
