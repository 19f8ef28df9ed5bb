"""Back office de recouvrement amiable: the Django project package."""

from recouvrement.celery import app as celery_app

__all__ = ("celery_app",)
