"""The alert of a channel down (« Ma journée », the dashboard): ``{% outage_alert %}``."""

from django import template

from courriers import delivery

register = template.Library()


@register.inclusion_tag("courriers/_outage_alert.html")
def outage_alert():
    return {"alerts": [delivery.outage_text(o) for o in delivery.outages_alerting()]}
