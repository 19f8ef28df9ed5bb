"""The controller's workspace: the worklist, the dossier and debtor pages, the in-place actions."""
