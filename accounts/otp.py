"""The second factor's app (django-otp's TOTP devices) as the admin shows it: in French.

django-otp names its app « OTP_TOTP » and its model « TOTP device » with plain strings (not
translatable), and its field labels in English. This AppConfig (``INSTALLED_APPS``) gives the
app, the model and its fields their French names at start-up. Only display names change: the
app label (``otp_totp``), the tables and the migrations stay django-otp's (migrations read the
names declared in the model, not these).
"""

from django_otp.plugins.otp_totp.apps import DefaultConfig

FIELD_LABELS = {
    "user": "utilisateur",
    "name": "nom de l'appareil",
    "confirmed": "confirmé",
    "created_at": "créé le",
    "last_used_at": "dernière utilisation le",
    "key": "clé secrète",
    "step": "pas (secondes)",
    "t0": "origine des temps (t0)",
    "digits": "nombre de chiffres",
    "tolerance": "tolérance (pas)",
    "drift": "dérive (pas)",
    "last_t": "dernier pas utilisé",
    "throttling_failure_timestamp": "dernier échec le",
    "throttling_failure_count": "échecs consécutifs",
}
SEARCH_HELP = "Rechercher par nom d’utilisateur ou adresse électronique"


class SecondFactorConfig(DefaultConfig):
    verbose_name = "Double authentification"

    def ready(self):
        super().ready()
        from django.contrib import admin

        device = self.get_model("TOTPDevice")
        opts = device._meta
        opts.verbose_name = "appareil de double authentification"
        opts.verbose_name_plural = "appareils de double authentification"
        for name, label in FIELD_LABELS.items():
            opts.get_field(name).verbose_name = label
        # The admin (autodiscovered before this app is ready) built its search help in English.
        model_admin = admin.site._registry.get(device)
        if model_admin is not None:
            model_admin.search_help_text = SEARCH_HELP
