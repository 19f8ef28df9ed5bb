"""Celery tasks of the imports: thin, by id, safe to run twice."""

from celery import shared_task
from django.contrib.auth import get_user_model


@shared_task(name="imports.batch_check", acks_late=True)
def batch_check(batch_id: int) -> None:
    from imports import services

    services.batch_check(batch_id=batch_id)


@shared_task(name="imports.batch_import", acks_late=True)
def batch_import(batch_id: int, actor_id: int) -> None:
    from imports import services

    actor = get_user_model().objects.filter(pk=actor_id).first()
    services.batch_import(batch_id=batch_id, actor=actor)
