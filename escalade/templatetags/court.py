"""The court route's progress on the dossier page (« Ma journée »), which may not import this
app (the layering): a template tag draws it from ``escalade.court``."""

from django import template

from escalade.court import progress

register = template.Library()


@register.inclusion_tag("escalade/_court_progress.html")
def court_progress(dossier, *, link: bool = True):
    """Each route's acts done and the deadlines ahead (two queries)."""
    return {"dossier": dossier, "routes": progress(dossier), "link": link}
