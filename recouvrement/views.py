"""Site-wide pages: the home page sends each role to its landing page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse

from accounts import roles

# Controllers and managers start their day on « Ma journée »; the other roles keep the admin
# screens until their own workspaces land.
LANDING = {
    roles.CONTROLLER: "journee:worklist",
    roles.MANAGER: "journee:worklist",
    roles.DPO: "rgpd:dashboard",
    roles.ADMIN: "admin:index",
}


@login_required
def home(request):
    role = roles.primary_role(request.user)
    if role is None:
        return render(request, "no_role.html", status=403)
    return redirect(reverse(LANDING[role]))


def favicon(request):
    """``/favicon.ico``, asked by every browser whatever the page says: our static icon."""
    return redirect(static("favicon.ico"))
