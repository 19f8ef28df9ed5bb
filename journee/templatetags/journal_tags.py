"""The dossier page's journal section: ``{% load journal_tags %}{% journal_timeline dossier %}``."""

from django import template

from accounts import roles
from journee.timeline import timeline

register = template.Library()

TIMELINE_ON_PAGE = 200


@register.inclusion_tag("journee/_timeline.html", takes_context=True)
def journal_timeline(context, dossier):
    user = context.get("user")
    return {
        "dossier": dossier,
        "entries": timeline(dossier, limit=TIMELINE_ON_PAGE),
        "limit": TIMELINE_ON_PAGE,
        # The Go/No-Go page is the workspace's; the DPO only reads (journal, bundle).
        "in_workspace": bool(user) and roles.has_role(user, roles.CONTROLLER, roles.MANAGER),
    }
