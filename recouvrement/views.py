"""Site-wide pages: the home page sends each role to its landing page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from dossiers import roles

# Until the role workspaces land, every role starts from the admin's dossier list, where its
# permissions decide what it sees.
LANDING = {
    roles.CONTROLLER: "admin:dossiers_dossier_changelist",
    roles.MANAGER: "admin:dossiers_dossier_changelist",
    roles.DPO: "admin:dossiers_debtor_changelist",
    roles.ADMIN: "admin:index",
}


@login_required
def home(request):
    role = roles.primary_role(request.user)
    if role is None:
        return render(request, "no_role.html", status=403)
    return redirect(reverse(LANDING[role]))
